import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import type { Ironcliw, IroncliwEvents } from '../ironcliw.js';

/**
 * The dashboard: static files in `public/` (no build step), read once at start-up, plus a server-sent-events
 * stream (`/v1/events`) that tells open pages when something changed. The page itself reads only /v1/*.
 */
const PUBLIC = new URL('../../public/', import.meta.url);
const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  // The demonstrate page (a failed command's kept screen: click on it, type, send as a demonstration).
  'demonstrate.html': 'text/html; charset=utf-8',
  'demonstrate.js': 'text/javascript; charset=utf-8',
};

/** Events that change what the dashboard shows; `command` is left out (it is counted, not listed). */
const LIVE_EVENTS: (keyof IroncliwEvents)[] = ['failure', 'stage', 'rollout'];

/** A page needs at most this many refresh nudges per second, however busy the node is. */
const SSE_MIN_GAP_MS = 500;

export function registerDashboard(app: FastifyInstance, ironcliw: Ironcliw): void {
  const files = Object.fromEntries(
    Object.keys(ASSETS).map((name) => [name, readFileSync(new URL(name, PUBLIC), 'utf8')]),
  );
  app.get('/', { schema: { hide: true } }, async (_req, reply) =>
    reply.type(ASSETS['index.html']!).send(files['index.html']),
  );
  app.get('/dashboard/:file', { schema: { hide: true } }, async (req, reply) => {
    const { file } = req.params as { file: string };
    const type = ASSETS[file];
    if (!type || file === 'index.html') return reply.callNotFound();
    return reply.type(type).header('cache-control', 'no-cache').send(files[file]);
  });

  // Open event streams never finish on their own: end them before close() waits for in-flight requests.
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of streams) end();
  });

  app.get('/v1/events', { schema: { hide: true } }, (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.write('retry: 3000\n\n');
    let last = 0;
    let pending: NodeJS.Timeout | undefined;
    const send = (kind: string) => {
      const wait = last + SSE_MIN_GAP_MS - Date.now();
      if (wait > 0) {
        pending ??= setTimeout(() => {
          pending = undefined;
          send(kind);
        }, wait);
        return;
      }
      last = Date.now();
      res.write(`data: ${JSON.stringify({ kind, at: new Date(last).toISOString() })}\n\n`);
    };
    const offs = LIVE_EVENTS.map((e) => ironcliw.on(e, () => send(e)));
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const stop = () => {
      offs.forEach((off) => off());
      clearInterval(heartbeat);
      clearTimeout(pending);
      streams.delete(end);
    };
    const end = () => {
      stop();
      res.end();
    };
    streams.add(end);
    req.raw.on('close', stop);
  });
}
