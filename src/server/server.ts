import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { IroncliwError, isIroncliwError } from '../domain/index.js';
import type { Ironcliw } from '../ironcliw.js';
import type { ScreenInput } from '../runtime/index.js';
import { DASHBOARD_HTML } from './dashboard.js';

export interface ServerOptions {
  logger?: boolean;
}

const commandBody = {
  type: 'object',
  required: ['command'],
  additionalProperties: false,
  properties: {
    command: { type: 'string' },
    context: {
      type: 'object',
      additionalProperties: false,
      properties: {
        user: { type: 'string', minLength: 1, maxLength: 200 },
        groups: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 100 } },
      },
    },
    screen: {
      type: 'object',
      additionalProperties: false,
      properties: {
        path: { type: 'string', minLength: 1, maxLength: 4096 },
        pngBase64: { type: 'string', minLength: 1 },
      },
    },
  },
} as const;

/** The HTTP face of a running Ironcliw: a thin shell over the library. */
export async function buildServer(ironcliw: Ironcliw, options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: ironcliw.config.maxBodyBytes });

  app.setErrorHandler((err, _req, reply) => {
    if (isIroncliwError(err)) return reply.status(err.status).send({ error: err.toJSON() });
    const e = err as { validation?: unknown; statusCode?: number; message: string; code?: string };
    if (e.validation) {
      return reply.status(400).send({ error: new IroncliwError('E_INPUT_INVALID', e.message).toJSON() });
    }
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      const code = e.statusCode === 413 ? 'E_INPUT_INVALID' : 'E_INPUT_INVALID';
      return reply.status(e.statusCode).send({ error: new IroncliwError(code, e.message).toJSON() });
    }
    app.log.error(err);
    return reply.status(500).send({ error: new IroncliwError('E_INTERNAL', 'internal error').toJSON() });
  });

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({
      error: new IroncliwError('E_NOT_FOUND', `no route ${req.method} ${req.url}`, {
        hint: 'See the API list in the README.',
      }).toJSON(),
    });
  });

  app.post('/v1/commands', { schema: { body: commandBody } }, async (req) => {
    const body = req.body as {
      command: string;
      context?: { user?: string; groups?: string[] };
      screen?: { path?: string; pngBase64?: string };
    };
    let screen: ScreenInput | undefined;
    if (body.screen?.pngBase64)
      screen = { bytes: Buffer.from(body.screen.pngBase64, 'base64'), ref: 'upload' };
    else if (body.screen?.path) screen = { path: body.screen.path };
    return ironcliw.processCommand(
      body.command,
      { user: body.context?.user ?? 'anonymous', groups: body.context?.groups ?? [] },
      screen ? { screen } : {},
    );
  });

  app.get('/v1/status', async () => ironcliw.getAutonomousCapabilitiesStatus());

  app.get('/v1/capabilities', async () => {
    const [caps, rollouts] = await Promise.all([ironcliw.capabilities.list(), ironcliw.rollouts.list()]);
    const byId = new Map(rollouts.map((r) => [r.capabilityId, r]));
    return {
      capabilities: caps.map((c) => ({
        manifest: c.manifest,
        createdAt: c.createdAt,
        rollout: byId.get(c.manifest.id) ?? null,
      })),
    };
  });

  app.get('/v1/capabilities/:id', async (req) => {
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
      createdAt: cap.createdAt,
      rollout: rollout ?? null,
      events,
      reports,
    };
  });

  app.get('/v1/rollouts', async () => ({ rollouts: await ironcliw.rollouts.list() }));

  app.get('/v1/failures', async (req) => {
    const q = req.query as { limit?: string };
    const limit = Math.min(Math.max(Number(q.limit ?? 100) || 100, 1), 1000);
    return { failures: await ironcliw.store.failures.list({ limit }), patterns: await ironcliw.patterns() };
  });

  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(DASHBOARD_HTML));

  return app;
}
