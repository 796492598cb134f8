import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestContext } from '../domain/index.js';
import { IroncliwError } from '../domain/index.js';
import type { Ironcliw } from '../ironcliw.js';
import type { DemonstrationScreen } from '../ironcliw-demonstrate.js';
import { screenBase64 } from './schemas.js';

const action = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { type: 'string', enum: ['click', 'type', 'press'] },
    x: { type: 'number' },
    y: { type: 'number' },
    text: { type: 'string', maxLength: 1000 },
    key: { type: 'string', maxLength: 64 },
  },
  additionalProperties: false,
};

const demonstrationBody = {
  type: 'object',
  required: ['command', 'screen'],
  additionalProperties: false,
  properties: {
    command: { type: 'string', minLength: 1, maxLength: 2000 },
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
      description:
        'the screen the command was about: the image (pngBase64), a file under server.screenRoot (path), or a kept screen of a failed command (ref "screen:<id>")',
      properties: {
        pngBase64: screenBase64('the screen image'),
        path: { type: 'string', minLength: 1, maxLength: 4096 },
        ref: { type: 'string', pattern: '^screen:[A-Za-z0-9_-]{1,100}$' },
      },
    },
    actions: { type: 'array', maxItems: 20, items: action },
    expect: {
      type: 'object',
      additionalProperties: true,
      description: 'expected data fields, e.g. {"count": 3}',
    },
    wait: { type: 'boolean', description: 'wait (at most demonstrations.waitMs) for learning to decide' },
  },
};

const demonstrationResponse = {
  type: 'object',
  required: ['recorded', 'demonstrationId', 'patternId', 'demonstrations', 'status'],
  additionalProperties: false,
  properties: {
    recorded: { type: 'boolean' },
    demonstrationId: { type: 'string' },
    patternId: { type: 'string' },
    demonstrations: { type: 'integer' },
    status: { type: 'string' },
    jobId: { type: 'string' },
    current: {
      type: 'object',
      additionalProperties: false,
      properties: {
        capabilityId: { type: 'string' },
        version: { type: 'integer' },
        matches: { type: 'boolean' },
        problem: { type: 'string' },
      },
    },
  },
};

interface DemonstrationRouteDeps {
  /** The user and groups a request may act as, from its credentials (the server's walls, security.ts). */
  context(req: FastifyRequest, claimed: { user?: string; groups?: string[] } | undefined): RequestContext;
  /** Refuses a request without credentials when the server has any (a kept screen may show anything). */
  requireCredentials(req: FastifyRequest): void;
  /** `screen.path` over HTTP: the bytes of a file inside server.screenRoot (or refused). */
  screenFile(path: string): Promise<Uint8Array>;
  errors: Record<string, unknown>;
}

/**
 * `POST /v1/demonstrations` — a write: the server's walls (security.ts) ask what they ask of every write that
 * changes what is learned (an admin client when keys are configured) — and `GET /v1/screens/:id` (a kept
 * screen, for the dashboard's demonstrate page; credentials when the server has any).
 */
export function registerDemonstrationRoutes(
  app: FastifyInstance,
  ironcliw: Ironcliw,
  deps: DemonstrationRouteDeps,
): void {
  app.post(
    '/v1/demonstrations',
    {
      schema: {
        summary: 'Record a demonstration (command, screen, actions and/or expected answer) and learn from it',
        body: demonstrationBody,
        security: [{ apiKey: [] }],
        response: { 200: demonstrationResponse, ...deps.errors },
      },
    },
    async (req) => {
      const body = req.body as {
        command: string;
        context?: { user?: string; groups?: string[] };
        screen: { pngBase64?: string; path?: string; ref?: string };
        actions?: unknown[];
        expect?: Record<string, unknown>;
        wait?: boolean;
      };
      const given = ['pngBase64', 'path', 'ref'].filter((k) => body.screen[k as keyof typeof body.screen]);
      if (given.length !== 1)
        throw new IroncliwError('E_INPUT_INVALID', 'screen needs exactly one of pngBase64, path or ref', {
          hint: 'Send the image as screen.pngBase64, or name a kept screen as screen.ref "screen:<id>".',
        });
      const screen: DemonstrationScreen = body.screen.pngBase64
        ? { bytes: Buffer.from(body.screen.pngBase64, 'base64') }
        : body.screen.path
          ? { bytes: await deps.screenFile(body.screen.path) }
          : { ref: body.screen.ref! };
      return ironcliw.demonstrate(body.command, deps.context(req, body.context), {
        screen,
        ...(body.actions ? { actions: body.actions } : {}),
        ...(body.expect ? { expect: body.expect } : {}),
        ...(body.wait ? { wait: true } : {}),
      });
    },
  );

  app.get(
    '/v1/screens/:id',
    {
      preHandler: async (req) => deps.requireCredentials(req),
      schema: {
        summary: 'A kept screen (of a failed command or a demonstration), as the image it was received as',
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,100}$' } },
        },
        security: [{ apiKey: [] }],
      },
    },
    async (req, reply: FastifyReply) => {
      const { id } = req.params as { id: string };
      const screen = await ironcliw.store.screens.get(id);
      if (!screen)
        throw new IroncliwError(
          'E_NOT_FOUND',
          `no kept screen "${id}" (purged after demonstrations.screenRetentionMs?)`,
        );
      const jpeg = screen.bytes[0] === 0xff && screen.bytes[1] === 0xd8;
      return reply
        .header('content-type', jpeg ? 'image/jpeg' : 'image/png')
        .header('cache-control', 'private, max-age=3600')
        .send(Buffer.from(screen.bytes));
    },
  );
}
