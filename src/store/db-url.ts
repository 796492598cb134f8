import { IroncliwError } from '../domain/index.js';

/** Where `npm start` keeps its data when no URL is given (relative to the working directory). */
export const DEFAULT_DB_PATH = '.ironcliw/ironcliw.db';

/** What a store URL names. `path` is `:memory:` for an in-memory SQLite database. */
export type DbTarget =
  | { kind: 'sqlite'; path: string }
  /** `schema`: from the URL's `?schema=` parameter, which is taken out of `url`. */
  | { kind: 'postgres'; url: string; schema?: string }
  | { kind: 'memory' };

const SUPPORTED =
  'a file path, sqlite:<path>, sqlite::memory:, :memory:, memory: or postgres://user@host:port/db';

/**
 * Parses a store URL: a file path (`./x.db`, `/abs/x.db`), `sqlite:<path>` (`sqlite:///abs/x.db` too),
 * `sqlite::memory:` or `:memory:` (SQLite in memory), `memory:` (the in-memory JS store), or
 * `postgres://…` / `postgresql://…`. Anything else is E_DB_URL_INVALID naming the value (password hidden).
 * A PostgreSQL URL may name the schema holding Ironcliw's tables as `?schema=<name>` (see
 * `OpenStoreOptions.schema`), so one `--db` / `IRONCLIW_DB` value says everything a node needs.
 *
 * @example parseDbUrl('sqlite:./data/ironcliw.db') // → { kind: 'sqlite', path: './data/ironcliw.db' }
 */
export function parseDbUrl(url: string): DbTarget {
  const u = typeof url === 'string' ? url.trim() : '';
  const invalid = (why: string, cause?: unknown): IroncliwError =>
    new IroncliwError('E_DB_URL_INVALID', `store URL ${JSON.stringify(redactUrl(u))} ${why}`, {
      details: { url: redactUrl(u) },
      hint: `Use ${SUPPORTED}.`,
      ...(cause === undefined ? {} : { cause }),
    });

  if (u.length === 0) throw invalid('is empty');
  if (u.includes('\0')) throw invalid('contains a NUL character');
  if (u === 'memory:') return { kind: 'memory' };
  if (u === ':memory:' || u === 'sqlite::memory:') return { kind: 'sqlite', path: ':memory:' };

  if (/^postgres(?:ql)?:\/\//i.test(u)) {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch (cause) {
      throw invalid('is not a valid PostgreSQL URL', cause);
    }
    // A socket directory may come as ?host=/var/run/postgresql instead of a host name.
    if (!parsed.hostname && !parsed.searchParams.get('host')) throw invalid('names no PostgreSQL host');
    const schemas = parsed.searchParams.getAll('schema');
    if (!schemas.length) return { kind: 'postgres', url: u };
    if (schemas.length > 1) throw invalid('names the schema more than once');
    // The driver does not know `schema`: hand it the URL without it.
    parsed.searchParams.delete('schema');
    return { kind: 'postgres', url: parsed.toString(), schema: schemas[0]! };
  }

  if (/^sqlite:/i.test(u)) {
    let path = u.slice('sqlite:'.length);
    if (path.startsWith('//')) {
      // sqlite:///abs/x.db is the URL spelling of /abs/x.db; sqlite://name has a host, which SQLite has not.
      if (!path.startsWith('///')) throw invalid('has a host part; use sqlite:<path> or sqlite:///abs/path');
      path = path.slice(2);
    }
    if (!path.trim()) throw invalid('names no SQLite file');
    return { kind: 'sqlite', path };
  }

  // A scheme we do not speak (mysql://, http:, file:, redis:…) is a mistake, not a file name. One letter
  // before the colon is a Windows drive (C:\data\x.db), so it stays a path.
  if (/^[a-z][a-z0-9+.-]+:/i.test(u)) throw invalid('uses an unsupported scheme');
  return { kind: 'sqlite', path: u };
}

/** The URL with any password replaced by `***`, fit for messages and logs. */
export function redactUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*:)[^@/?#]*@/i, '$1***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
}
