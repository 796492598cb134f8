import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorCode } from '../domain/index.js';
import { IroncliwError, isIroncliwError } from '../domain/index.js';

/**
 * Every HTTP error in the documented shape `{error: {code, message, hint}}`, whoever raised it: our routes,
 * schema validation, Fastify's body parsing and limits, its router (bad or over-long URL), the HTTP parser
 * (timeouts, oversized headers), and a known path called with the wrong method (405 with `Allow`).
 * A client can then handle one shape, and every status it sees is the one docs/errors.md lists for the code.
 */

/** Fastify's own 4xx errors (bad JSON, wrong content type, body too large, …) as our codes. */
function clientError(e: { statusCode: number; message: string; code?: string }): IroncliwError {
  const byStatus: Partial<Record<number, ErrorCode>> = {
    404: 'E_NOT_FOUND',
    405: 'E_METHOD_NOT_ALLOWED',
    408: 'E_REQUEST_TIMEOUT',
    413: 'E_BODY_TOO_LARGE',
    414: 'E_URL_TOO_LONG',
    415: 'E_UNSUPPORTED_MEDIA_TYPE',
    429: 'E_RATE_LIMITED',
    431: 'E_HEADERS_TOO_LARGE',
  };
  const code = byStatus[e.statusCode] ?? 'E_INPUT_INVALID';
  if (code === 'E_BODY_TOO_LARGE')
    return new IroncliwError(code, 'the request body is larger than maxBodyBytes');
  return new IroncliwError(code, e.message.slice(0, 300));
}

const send = (reply: FastifyReply, err: IroncliwError) => {
  // E_BUSY (the decode budget) says when to come back, like a 429.
  const retry = err.code === 'E_BUSY' ? err.details?.['retryAfterSeconds'] : undefined;
  if (typeof retry === 'number') void reply.header('retry-after', String(retry));
  return reply.status(err.status).send({ error: err.toJSON() });
};

/** `frameworkErrors` (Fastify option): errors raised by the router before any route or hook runs. */
export function frameworkError(err: Error & { code?: string }, req: FastifyRequest, reply: FastifyReply) {
  const path = req.raw.url?.split('?')[0] ?? '';
  const shown = path.length > 80 ? `${path.slice(0, 80)}…` : path;
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return send(
      reply,
      new IroncliwError('E_URL_TOO_LONG', `a parameter in ${shown} is longer than the server accepts`),
    );
  if (err.code === 'FST_ERR_BAD_URL')
    return send(
      reply,
      new IroncliwError('E_INPUT_INVALID', `${shown} is not a valid URL (bad percent-encoding)`),
    );
  req.log.error({ err }, 'router error');
  return send(reply, new IroncliwError('E_INTERNAL', `internal error (request ${req.id})`));
}

/**
 * `clientErrorHandler` (Fastify option): the HTTP parser's errors, answered on the raw socket — there is no
 * request yet. Connection resets need no answer.
 */
export function socketError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const e =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new IroncliwError('E_REQUEST_TIMEOUT', 'the request was not received in time')
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? new IroncliwError('E_HEADERS_TOO_LARGE', 'the request headers are larger than the server accepts')
        : new IroncliwError('E_INPUT_INVALID', `malformed HTTP request (${err.code ?? 'parse error'})`, {
            hint: 'Send a well-formed HTTP/1.1 request.',
          });
  const body = JSON.stringify({ error: e.toJSON() });
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(err);
}

/** Fastify's route pattern (`/v1/rollouts/:id/:action`, `/dashboard/*`) as a path matcher. */
function matcher(url: string): RegExp {
  const source = url
    .split('/')
    .map((part) =>
      part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${source}/?$`);
}

/**
 * Records each route's methods as routes are added (call before registering them), and answers the
 * not-found case: a path some route takes with another method is 405 with `Allow`, anything else 404.
 */
export function methodAwareNotFound(
  app: FastifyInstance,
): (req: FastifyRequest, reply: FastifyReply) => void {
  const routes: Array<{ match: RegExp; methods: string[] }> = [];
  app.addHook('onRoute', (route) => {
    const methods = ([] as string[]).concat(route.method);
    routes.push({ match: matcher(route.url), methods });
  });
  return (req, reply) => {
    const path = req.raw.url?.split('?')[0] ?? '/';
    const allowed = [...new Set(routes.filter((r) => r.match.test(path)).flatMap((r) => r.methods))].sort();
    // A route that took the method and then found nothing (an unknown dashboard file) is a plain 404.
    if (allowed.length && !allowed.includes(req.method)) {
      void reply.header('allow', allowed.join(', '));
      return send(
        reply,
        new IroncliwError(
          'E_METHOD_NOT_ALLOWED',
          `${req.method} is not allowed on ${path.slice(0, 200)}; it takes ${allowed.join(', ')}`,
        ),
      );
    }
    return send(
      reply,
      new IroncliwError('E_NOT_FOUND', `no route ${req.method} ${req.url.slice(0, 200)}`, {
        hint: 'See /openapi.json for the routes.',
      }),
    );
  };
}

/** The error handler: our errors as they are, validation and Fastify's 4xx mapped, anything else 500. */
export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  if (isIroncliwError(err)) return send(reply, err);
  const e = err as { validation?: unknown; statusCode?: number; message: string; code?: string };
  if (e.validation) return send(reply, new IroncliwError('E_INPUT_INVALID', e.message));
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
    return send(reply, clientError({ statusCode: e.statusCode, message: e.message }));
  req.log.error({ err }, 'unhandled error');
  return send(reply, new IroncliwError('E_INTERNAL', `internal error (request ${req.id})`));
}
