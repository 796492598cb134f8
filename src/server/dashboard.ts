import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import type { Ironcliw, IroncliwEvents } from '../ironcliw.js';
import { registerDashboardData } from './dashboard-data.js';

/**
 * The dashboard: static files in `public/` (no build step), read once at start-up, plus a server-sent-events
 * stream (`/v1/events`) that tells open pages when something changed. The page itself reads only /v1/*; its
 * first state comes with `GET /` (the same /v1 answers, embedded), so it never opens on bare table headers.
 */
const PUBLIC = new URL('../../public/', import.meta.url);
const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'charts.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

/** Events that change what the dashboard shows; `command` is left out (it is counted, not listed). */
const LIVE_EVENTS: (keyof IroncliwEvents)[] = ['failure', 'stage', 'rollout'];

/** What the overview shows first, embedded in `GET /` under these names (app.js renderOverview). */
const INITIAL_STATE: Record<string, string> = {
  status: '/v1/status',
  capabilities: '/v1/capabilities',
  failures: '/v1/failures?limit=20',
  failureTimeline: '/v1/failures/timeline',
};

/**
 * A slow store must not hold the page: past this, `GET /` is sent without its first state and the page
 * shows its loading state and reads the API itself.
 */
const INITIAL_STATE_BUDGET_MS = 2000;

/** JSON that is safe inside <script>: no `<` (so no `</script>` or `<!--`), no line separators. */
const scriptJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

/** Where index.html leaves room for it (formatters may wrap the `null`). */
const INITIAL_SLOT = /<script type="application\/json" id="initial-state">\s*null\s*<\/script>/;

/** A page needs at most this many refresh nudges per second, however busy the node is. */
const SSE_MIN_GAP_MS = 500;

export function registerDashboard(app: FastifyInstance, ironcliw: Ironcliw): void {
  const files = Object.fromEntries(
    Object.keys(ASSETS).map((name) => [name, readFileSync(new URL(name, PUBLIC), 'utf8')]),
  );
  if (!INITIAL_SLOT.test(files['index.html']!))
    throw new Error(`public/index.html lost its initial-state slot: ${INITIAL_SLOT.source}`);

  // The first state is read through the API's own routes (inject: same handlers, schemas and limits), so the
  // page shows exactly what its later reads would. Any route that does not answer 200 in time is left out.
  // The reads carry the page request's own host and credentials, so they pass (or fail) the same walls.
  const initialState = async (
    headers: Record<string, string | string[] | undefined>,
  ): Promise<Record<string, unknown> | null> => {
    const forwarded = Object.fromEntries(
      ['host', 'x-api-key', 'authorization']
        .map((h) => [h, headers[h]] as const)
        .filter((e): e is readonly [string, string] => typeof e[1] === 'string'),
    );
    const reads = Object.entries(INITIAL_STATE).map(async ([name, url]) => {
      const res = await app.inject({ method: 'GET', url, headers: forwarded });
      return res.statusCode === 200 ? ([name, res.json()] as const) : undefined;
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), INITIAL_STATE_BUDGET_MS);
    });
    try {
      const got = await Promise.race([Promise.all(reads), late]);
      if (!got || got.some((x) => x === undefined)) return null;
      return Object.fromEntries(got as (readonly [string, unknown])[]);
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  };

  app.get('/', { schema: { hide: true } }, async (req, reply) => {
    const state = await initialState(req.headers);
    // A replacer function, not a string: `$&` and friends in stored text must stay literal.
    const slot = `<script type="application/json" id="initial-state">${scriptJson(state)}</script>`;
    const html = files['index.html']!.replace(INITIAL_SLOT, () => slot);
    return reply.type(ASSETS['index.html']!).header('cache-control', 'no-store').send(html);
  });
  registerDashboardData(app, ironcliw);
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
