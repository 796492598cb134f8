import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { IroncliwError } from '../domain/index.js';
import type { Ironcliw } from '../ironcliw.js';
import type { ScreenInput } from '../runtime/index.js';
import { registerDashboard } from './dashboard.js';
import { registerDemonstrationRoutes } from './demonstration-routes.js';
import { errorHandler, frameworkError, methodAwareNotFound, socketError } from './http-errors.js';
import { createServerMetrics } from './metrics.js';
import { ANONYMOUS_IDENTITY, createSecurityPolicy, installSecurity, recordedBy } from './security.js';
import { liveNumbers } from './live-numbers.js';
import { createScreenRoot } from './screen-root.js';
import {
  capabilityListResponse,
  capabilityResponse,
  commandBody,
  commandResponse,
  errorResponse,
  failuresQuery,
  failuresResponse,
  healthResponse,
  idParams,
  feedbackBody,
  importBody,
  importResponse,
  okResponse,
  rolloutActionBody,
  rolloutActionParams,
  rolloutActionResponse,
  rolloutListResponse,
  rolloutStatusResponse,
  statusResponse,
  verifyBody,
  verifyResponse,
} from './schemas.js';
import { isBenchmarkRun, latencyHistogramSvg } from '../benchmark/index.js';
import type { VerificationLevel } from '../domain/index.js';
import { readDecisionEvent, readRolloutStatus } from '../rollout/index.js';
import { ownCode } from '../synthesis/index.js';

export interface ServerOptions {
  /** pino logger options, or false for none (the default, for tests and embedding). */
  logger?: boolean | { level: string };
}

const errors = { '4xx': errorResponse, '5xx': errorResponse };

/**
 * The HTTP face of a running Ironcliw: a thin shell over the library. Every route has JSON schemas (requests
 * validated, responses serialised from them, /openapi.json generated from them); mutating routes need the
 * API key when one is configured; every error is `{error: {code, message, hint}}` with a 4xx/5xx status.
 */
export async function buildServer(ironcliw: Ironcliw, options: ServerOptions = {}): Promise<FastifyInstance> {
  const { config } = ironcliw;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: config.maxBodyBytes,
    // The socket stays open for in-flight requests on close(); new ones get 503 (graceful shutdown).
    return503OnClosing: true,
    // Refuse what the schemas do not allow instead of quietly dropping or coercing it: `{command: 42}` or an
    // unknown field is the client's bug, and it should hear about it.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    // Only the configured proxies' X-Forwarded-For is believed (rate limiting and logs per real client).
    trustProxy: config.server.trustProxy.length > 0 ? [...config.server.trustProxy] : false,
    // Errors raised before any route runs (router, HTTP parser) get the documented shape too.
    frameworkErrors: frameworkError,
    clientErrorHandler: socketError,
  });
  // Before any route is added: it records each route's methods (405 with Allow for a wrong method).
  const notFound = methodAwareNotFound(app);
  const security = createSecurityPolicy(config);
  const metrics = createServerMetrics(ironcliw);
  app.addHook('onClose', async () => metrics.close());
  // A callback hook, not an async one: it runs on every response, and an async hook costs a promise each.
  app.addHook('onResponse', (req, reply, done) => {
    metrics.observeRequest(
      req.method,
      req.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Ironcliw',
        version: '0.1.0',
        description:
          'A runtime for screen-aware assistants that learns new capabilities from its own failures.',
      },
      components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } } },
    },
  });
  if (config.server.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      max: config.server.rateLimitPerMinute,
      timeWindow: 60_000,
      // A load balancer's probe must see the node's health, not one noisy client's budget.
      allowList: (req) => req.routeOptions.url === '/healthz',
      errorResponseBuilder: (_req, ctx) =>
        new IroncliwError('E_RATE_LIMITED', `more than ${ctx.max} requests in a minute from this client`),
    });
  }
  installSecurity(app, security, config);

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFound);

  const screenRoot = config.server.screenRoot ? createScreenRoot(config.server.screenRoot) : undefined;
  /** `screen.path` over HTTP: only inside config server.screenRoot, never anywhere else on the server. */
  const screenFile = async (path: string): Promise<Uint8Array> => {
    if (!screenRoot)
      throw new IroncliwError('E_INPUT_INVALID', 'screen.path is not accepted over HTTP on this server', {
        hint: 'Send the image as screen.pngBase64, or set config key server.screenRoot to a screens folder.',
      });
    return screenRoot.read(path);
  };

  app.post(
    '/v1/commands',
    {
      schema: {
        summary: 'Handle one command (answer or recorded failure)',
        body: commandBody,
        response: { 200: commandResponse, ...errors },
      },
    },
    async (req) => {
      const body = req.body as {
        command: string;
        context?: { user?: string; groups?: string[] };
        screen?: { path?: string; pngBase64?: string };
      };
      // Groups (and whether the user counts as an identity) come from the credentials, not the body.
      const context = security.commandContext(req.identity ?? ANONYMOUS_IDENTITY, body.context);
      let screen: ScreenInput | undefined;
      if (body.screen?.pngBase64)
        screen = { bytes: Buffer.from(body.screen.pngBase64, 'base64'), ref: 'upload' };
      else if (body.screen?.path)
        screen = { bytes: await screenFile(body.screen.path), ref: body.screen.path.slice(0, 200) };
      return ironcliw.processCommand(body.command, context, screen ? { screen } : {});
    },
  );

  app.get(
    '/v1/status',
    {
      schema: {
        summary: 'Generation, verification, rollout and failure statistics',
        response: { 200: statusResponse, ...errors },
      },
    },
    async () => ironcliw.getAutonomousCapabilitiesStatus(),
  );

  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Health of this node, for load balancers: a store round trip and the sandbox pool',
        description:
          'Cheap (nothing that grows with the data). 200 when status is ok or degraded — the database is ' +
          'shared, so an outage is no reason to stop routing here — 503 when this node cannot serve.',
        response: { 200: healthResponse, 503: healthResponse, ...errors },
      },
    },
    async (_req, reply) => {
      const report = await ironcliw.health();
      return reply.status(report.status === 'failing' ? 503 : 200).send(report);
    },
  );

  app.get(
    '/v1/capabilities',
    {
      schema: {
        summary: 'Learned capabilities with their rollouts',
        response: { 200: capabilityListResponse, ...errors },
      },
    },
    async () => {
      const [caps, rollouts] = await Promise.all([ironcliw.capabilities.list(), ironcliw.rollouts.list()]);
      const byId = new Map(rollouts.map((r) => [r.capabilityId, r]));
      const [verifications, windows] = await Promise.all([
        Promise.all(
          caps.map((c) => ironcliw.store.reports.list(c.manifest.id, c.manifest.version, 'verification')),
        ),
        // The open stage window of each rollout: the live numbers its next decision will be made from.
        Promise.all(
          caps.map((c) =>
            byId.has(c.manifest.id)
              ? ironcliw.rollouts.status(c.manifest.id).then(
                  (st) => liveNumbers(st),
                  () => undefined,
                )
              : undefined,
          ),
        ),
      ]);
      return {
        capabilities: caps.map((c, i) => {
          const v = verifications[i]!.at(-1)?.report as { decision: string; riskScore: number } | undefined;
          const w = windows[i];
          return {
            manifest: c.manifest,
            createdAt: c.createdAt,
            rollout: byId.get(c.manifest.id) ?? null,
            verification: v ? { decision: v.decision, riskScore: v.riskScore } : null,
            metrics: w ?? null,
          };
        }),
      };
    },
  );

  app.get(
    '/v1/capabilities/:id',
    {
      schema: {
        summary: 'One capability: manifest, code, rollout, decisions and reports',
        params: idParams,
        response: { 200: capabilityResponse, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const cap = await ironcliw.capabilities.get(id);
      if (!cap) throw new IroncliwError('E_NOT_FOUND', `no capability "${id.slice(0, 80)}"`);
      const [rollout, events, reports] = await Promise.all([
        ironcliw.rollouts.get(id),
        ironcliw.store.events.list({ capabilityId: id }),
        ironcliw.store.reports.list(id),
      ]);
      return {
        manifest: cap.manifest,
        code: cap.code,
        ownCode: ownCode(cap.code) ?? cap.code,
        createdAt: cap.createdAt,
        rollout: rollout ?? null,
        events: events.map(readDecisionEvent),
        reports,
      };
    },
  );

  app.get(
    '/v1/rollouts',
    { schema: { summary: 'Every rollout and its stage', response: { 200: rolloutListResponse, ...errors } } },
    async () => ({ rollouts: await ironcliw.rollouts.list() }),
  );

  app.get(
    '/v1/failures',
    {
      schema: {
        summary: 'Recent failures and their patterns',
        querystring: failuresQuery,
        response: { 200: failuresResponse, ...errors },
      },
    },
    async (req) => {
      const limit = Math.min(Number((req.query as { limit?: string }).limit ?? 100), 1000) || 100;
      return { failures: await ironcliw.store.failures.list({ limit }), patterns: await ironcliw.patterns() };
    },
  );

  app.get(
    '/v1/rollouts/:id',
    {
      schema: {
        summary:
          'One rollout: stage, policy, stable version, risk cap, open window numbers, verdict, history',
        params: idParams,
        response: { 200: rolloutStatusResponse, ...errors },
      },
    },
    async (req) => readRolloutStatus(await ironcliw.rollouts.status((req.params as { id: string }).id)),
  );

  app.post(
    '/v1/rollouts/:id/:action',
    {
      schema: {
        summary: 'Promote, pause, resume or roll back a rollout by hand (stored as a decision by "user")',
        params: rolloutActionParams,
        body: rolloutActionBody,
        security: [{ apiKey: [] }],
        response: { 200: rolloutActionResponse, ...errors },
      },
    },
    async (req) => {
      const { id, action } = req.params as {
        id: string;
        action: 'promote' | 'pause' | 'resume' | 'rollback';
      };
      const body = (req.body ?? {}) as { reason?: string; force?: boolean; by?: string };
      const o = {
        actor: 'user' as const,
        // Who: the authenticated client when there is one (the name it gives, if any, after it), else the
        // name the caller gives (the dashboard's or a script's); `http` when it gives none.
        by: recordedBy(req.identity ?? ANONYMOUS_IDENTITY, body.by),
        ...(body.reason ? { reason: body.reason } : {}),
        ...(body.force ? { force: true } : {}),
      };
      const event = await ironcliw.rollouts[action](id, o);
      return { event: readDecisionEvent(event), rollout: (await ironcliw.rollouts.get(id)) ?? null };
    },
  );

  registerDemonstrationRoutes(app, ironcliw, {
    context: (req, claimed) => security.commandContext(req.identity ?? ANONYMOUS_IDENTITY, claimed),
    requireCredentials: (req) => {
      if (security.keysConfigured && (req.identity ?? ANONYMOUS_IDENTITY).kind === 'anonymous')
        throw new IroncliwError('E_UNAUTHORIZED', 'missing or wrong x-api-key');
    },
    screenFile,
    errors,
  });

  app.post(
    '/v1/feedback',
    {
      schema: {
        summary: 'Feedback on an answer, by its requestId (counts towards the rollout decision)',
        body: feedbackBody,
        security: [{ apiKey: [] }],
        response: { 200: okResponse, ...errors },
      },
    },
    async (req) => {
      const { requestId, positive } = req.body as { requestId: string; positive: boolean };
      await ironcliw.feedback(requestId, positive);
      return { ok: true };
    },
  );

  app.post(
    '/v1/capabilities/:id/verify',
    {
      schema: {
        summary: 'Verify a stored capability at a level; the report is stored with it',
        params: idParams,
        body: verifyBody,
        security: [{ apiKey: [] }],
        response: { 200: verifyResponse, ...errors },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string };
      const { level, version } = req.body as { level: VerificationLevel; version?: number };
      return ironcliw.verify(id, { level, ...(version ? { version } : {}) });
    },
  );

  app.post(
    '/v1/capabilities/import',
    {
      schema: {
        summary: 'Import a signed capability bundle; it is verified again here and starts in development',
        body: importBody,
        security: [{ apiKey: [] }],
        response: { 200: importResponse, ...errors },
      },
    },
    async (req) => ironcliw.importBundle(req.body),
  );

  app.get(
    '/v1/capabilities/:id/plots/latency.svg',
    { schema: { hide: true, params: idParams } },
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const cap = await ironcliw.capabilities.get(id);
      if (!cap) throw new IroncliwError('E_NOT_FOUND', `no capability "${id.slice(0, 80)}"`);
      const run = (await ironcliw.store.reports.list(id, cap.manifest.version, 'benchmark'))
        .map((r) => r.report)
        .filter(isBenchmarkRun)
        .at(-1);
      if (!run) throw new IroncliwError('E_NOT_FOUND', `${id} v${cap.manifest.version} has no benchmark yet`);
      return reply.type('image/svg+xml').send(latencyHistogramSvg(run));
    },
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply: FastifyReply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  registerDashboard(app, ironcliw);

  return app;
}
