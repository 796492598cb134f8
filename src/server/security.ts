import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IroncliwConfig } from '../config/index.js';
import type { RequestContext } from '../domain/index.js';
import { IroncliwError, UNVERIFIED_USER_PREFIX } from '../domain/index.js';

/**
 * The walls of the HTTP surface (docs/security.md): who a request is, whether it may do what it asks, and
 * whether a browser was tricked into sending it. Everything here runs in `onRequest`, before a byte of the
 * body is read, so an unauthenticated or cross-site request costs the server nothing.
 */

/** Who sent a request, as far as the server can tell from credentials (never from the body). */
export type Identity =
  | {
      kind: 'key';
      /** The client's configured name (the legacy `apiKey` is `operator`). */
      client: string;
      /** Groups this client may assert for its users; `*` = any. */
      groups: ReadonlySet<string> | '*';
      admin: boolean;
    }
  | {
      kind: 'proxy';
      /** The user and groups a trusted proxy vouched for in its headers. */
      user: string;
      groups: readonly string[];
      admin: false;
    }
  | { kind: 'anonymous'; admin: false };

interface KnownClient {
  name: string;
  digest: Buffer;
  groups: ReadonlySet<string> | '*';
  admin: boolean;
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Routes whose body is not worth authenticating: probes and the (read-only) documentation. */
const HEALTH_ROUTE = '/healthz';
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Mutating routes any caller may use (the command itself; what it may claim is checked per request). */
const OPEN_MUTATING_ROUTES = new Set(['/v1/commands']);
/** Mutating routes any authenticated client may use (feedback on the answers it was given). */
const CLIENT_ROUTES = new Set(['/v1/feedback']);

const LOCAL_HOSTNAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']);

/** `host[:port]` or `[v6]:port` → lower-case hostname without brackets. */
function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  // One colon: host:port. Several: a bare IPv6 address (not valid in a Host header, but harmless).
  return colon > 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/** Whether an Origin names the host the request was sent to (default ports normalised: `:80` = none). */
function sameHost(origin: URL, host: string): boolean {
  try {
    return new URL(`${origin.protocol}//${host}`).host === origin.host;
  } catch {
    return false;
  }
}

interface SecurityPolicy {
  /** Who the request is; throws E_UNAUTHORIZED for a key that matches no client. */
  identify(headers: FastifyRequest['headers'], socketAddress: string | undefined): Identity;
  /** Throws E_FORBIDDEN when the Host header names a host that is not this server (DNS rebinding). */
  checkHost(host: string | undefined): void;
  /** Throws E_FORBIDDEN for a cross-site mutating request. */
  checkOrigin(headers: FastifyRequest['headers']): void;
  /** The request context a command runs with: groups from the credentials, never from an anonymous body. */
  commandContext(
    identity: Identity,
    claimed: { user?: string; groups?: string[] } | undefined,
  ): RequestContext;
  /** Whether any credentials exist (then mutating routes other than commands need an admin client). */
  readonly keysConfigured: boolean;
}

/** Builds the policy from config once (digests computed at start, not per request). */
export function createSecurityPolicy(config: IroncliwConfig): SecurityPolicy {
  const s = config.server;
  const clients: KnownClient[] = s.clients.map((c) => ({
    name: c.name,
    digest: c.key !== undefined ? sha256(c.key) : Buffer.from(c.keySha256!, 'hex'),
    groups: c.groups.includes('*') ? '*' : new Set(c.groups),
    admin: c.admin,
  }));
  // The legacy single key: an operator who could always change rollouts, now also vouching for any group.
  if (config.apiKey)
    clients.push({ name: 'operator', digest: sha256(config.apiKey), groups: '*', admin: true });
  const trusted = new Set(s.trustProxy);
  const ownHost = hostnameOf(config.host);
  const allowedHosts = new Set(s.allowedHosts.map(hostnameOf));
  const allowedOrigins = new Set(s.allowedOrigins.map((o) => new URL(o).origin));

  const hostAllowed = (hostname: string): boolean =>
    isIP(hostname) !== 0 ||
    LOCAL_HOSTNAMES.has(hostname) ||
    hostname.endsWith('.localhost') ||
    hostname === ownHost ||
    allowedHosts.has(hostname);

  const fromTrustedProxy = (address: string | undefined): boolean => {
    if (!address || trusted.size === 0) return false;
    const a = address.startsWith('::ffff:') ? address.slice(7) : address;
    return trusted.has(a) || trusted.has(address);
  };

  return {
    keysConfigured: clients.length > 0,
    identify(headers, socketAddress) {
      const given = headers['x-api-key'];
      if (given !== undefined) {
        // Digests of equal length are compared in constant time: neither the key's length nor how much of it
        // matched leaks through timing. Every client is compared, so which one matched does not either.
        const digest = sha256(Array.isArray(given) ? given.join(',') : given);
        let found: KnownClient | undefined;
        for (const c of clients) if (timingSafeEqual(digest, c.digest) && !found) found = c;
        if (!found) throw new IroncliwError('E_UNAUTHORIZED', 'the x-api-key matches no configured client');
        return { kind: 'key', client: found.name, groups: found.groups, admin: found.admin };
      }
      if (s.proxyIdentity && fromTrustedProxy(socketAddress)) {
        const user = headers[s.proxyIdentity.userHeader];
        if (typeof user === 'string' && user.length > 0) {
          if (user.length > 200)
            throw new IroncliwError('E_INPUT_INVALID', `header ${s.proxyIdentity.userHeader} is too long`);
          const raw = headers[s.proxyIdentity.groupsHeader];
          const groups = (typeof raw === 'string' ? raw.split(',') : [])
            .map((g) => g.trim())
            .filter((g) => g.length > 0 && g.length <= 100)
            .slice(0, 50);
          return { kind: 'proxy', user, groups, admin: false };
        }
      }
      return { kind: 'anonymous', admin: false };
    },
    checkHost(host) {
      // Browsers always send Host; a client that sends none is not a browser a hostile page drives.
      if (host === undefined) return;
      const name = hostnameOf(host);
      if (!hostAllowed(name))
        throw new IroncliwError(
          'E_FORBIDDEN',
          `this server does not answer to host "${name.slice(0, 100)}"`,
          {
            hint: 'Reach the server by its address or a name in config key server.allowedHosts (DNS rebinding guard).',
          },
        );
    },
    checkOrigin(headers) {
      const origin = headers.origin;
      if (origin === undefined) {
        // Fetch metadata: a browser that sends no Origin still says when a request is cross-site.
        if (headers['sec-fetch-site'] === 'cross-site')
          throw new IroncliwError('E_FORBIDDEN', 'cross-site requests may not change anything here');
        return;
      }
      let parsed: URL | undefined;
      try {
        parsed = new URL(origin);
      } catch {
        parsed = undefined; // "null" (sandboxed frames, file: pages) and garbage: never same-origin
      }
      if (parsed && allowedOrigins.has(parsed.origin)) return;
      const host = headers.host;
      if (parsed && host !== undefined && sameHost(parsed, host)) return;
      throw new IroncliwError(
        'E_FORBIDDEN',
        `requests from origin "${origin.slice(0, 100)}" may not change anything here`,
        {
          hint: 'Send it from the server’s own pages, or add the origin to config key server.allowedOrigins.',
        },
      );
    },
    commandContext(identity, claimed) {
      const claimedGroups = claimed?.groups ?? [];
      if (identity.kind === 'key') {
        if (identity.groups !== '*') {
          const allowed = identity.groups;
          const extra = claimedGroups.find((g) => !allowed.has(g));
          if (extra !== undefined)
            throw new IroncliwError(
              'E_FORBIDDEN',
              `client "${identity.client}" may not assert group "${extra.slice(0, 100)}"`,
              {
                hint: `Add the group to this client's groups in config key server.clients, or leave it out.`,
              },
            );
        }
        // A client vouches for its users (it authenticated them); without one the request is anonymous.
        return { user: claimed?.user ?? 'anonymous', groups: claimedGroups };
      }
      if (identity.kind === 'proxy') {
        if (claimed?.user !== undefined && claimed.user !== identity.user)
          throw new IroncliwError(
            'E_FORBIDDEN',
            'context.user differs from the user the proxy authenticated',
            {
              hint: 'Leave context.user out: behind a trusted proxy the user comes from its header.',
            },
          );
        const extra = claimedGroups.find((g) => !identity.groups.includes(g));
        if (extra !== undefined)
          throw new IroncliwError(
            'E_FORBIDDEN',
            `group "${extra.slice(0, 100)}" was not asserted by the proxy`,
            {
              hint: 'Leave context.groups out: behind a trusted proxy the groups come from its header.',
            },
          );
        return { user: identity.user, groups: [...identity.groups] };
      }
      if (claimedGroups.length > 0)
        throw new IroncliwError('E_FORBIDDEN', 'an unauthenticated request may not claim groups', {
          hint: 'Send the x-api-key of a client allowed those groups (config key server.clients), or leave context.groups out.',
        });
      // The claimed id still keys rollout buckets (a stable experience per caller) but is marked unverified:
      // it never matches a rollout's target users and never counts as a distinct user for learning.
      return {
        user: claimed?.user !== undefined ? `${UNVERIFIED_USER_PREFIX}${claimed.user}` : 'anonymous',
        groups: [],
      };
    },
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set in onRequest by installSecurity (null until then: treat as anonymous). */
    identity: Identity | null;
  }
}

/** What a request is when no hook identified it (e.g. it failed before identification). */
export const ANONYMOUS_IDENTITY: Identity = Object.freeze({ kind: 'anonymous', admin: false });

/**
 * Installs the walls as one `onRequest` hook on every route declared afterwards (after the rate limiter's, so
 * a key-guessing flood is limited too):
 * Host check on every route but /healthz, identity from credentials, Origin and content type on mutating
 * routes, and the admin requirement on the mutating routes that change state.
 */
export function installSecurity(app: FastifyInstance, policy: SecurityPolicy, config: IroncliwConfig): void {
  app.decorateRequest('identity', null);
  const hook = (req: FastifyRequest, _reply: unknown, done: (err?: Error) => void) => {
    try {
      const route = req.routeOptions.url;
      if (route === HEALTH_ROUTE) return done();
      policy.checkHost(req.headers.host);
      const identity = policy.identify(req.headers, req.socket.remoteAddress);
      req.identity = identity;
      if (MUTATING.has(req.method)) {
        policy.checkOrigin(req.headers);
        // Forms and text bodies are what a cross-site page can send without a preflight; JSON is not.
        const type = req.headers['content-type'];
        if (typeof type !== 'string' || type.split(';')[0]!.trim().toLowerCase() !== 'application/json')
          throw new IroncliwError(
            'E_UNSUPPORTED_MEDIA_TYPE',
            `${req.method} requests need content-type application/json (got ${type === undefined ? 'none' : `"${String(type).slice(0, 60)}"`})`,
          );
        if (route !== undefined && OPEN_MUTATING_ROUTES.has(route)) {
          if (identity.kind === 'anonymous' && !config.server.allowAnonymous)
            throw new IroncliwError('E_UNAUTHORIZED', 'this server serves authenticated clients only', {
              hint: 'Send a client key in x-api-key (config key server.clients).',
            });
        } else if (route !== undefined && CLIENT_ROUTES.has(route)) {
          if (policy.keysConfigured && identity.kind === 'anonymous')
            throw new IroncliwError('E_UNAUTHORIZED', 'missing or wrong x-api-key');
        } else if (policy.keysConfigured && !identity.admin) {
          throw new IroncliwError(
            identity.kind === 'key' ? 'E_FORBIDDEN' : 'E_UNAUTHORIZED',
            identity.kind === 'key'
              ? `client "${identity.client}" may not change rollouts, verify or import (not admin)`
              : 'missing or wrong x-api-key',
          );
        }
      }
      done();
    } catch (err) {
      done(err as Error);
    }
  };
  // A route-level hook appended after the rate limiter's (installed the same way, earlier): a flood of
  // wrong keys is rate-limited like everything else, and /healthz stays answerable.
  app.addHook('onRoute', (route) => {
    const existing = route.onRequest;
    route.onRequest = [
      ...(Array.isArray(existing) ? existing : existing ? [existing] : []),
      hook,
    ] as typeof existing;
  });
}

/** Who a person's rollout decision is recorded as: never only what an authenticated client's body claims. */
export function recordedBy(identity: Identity, claimed: string | undefined): string {
  if (identity.kind === 'key')
    return claimed ? `${identity.client}:${claimed}`.slice(0, 200) : identity.client;
  return claimed ?? 'http';
}
