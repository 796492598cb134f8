/**
 * Typed errors with stable string codes. Codes are never reused or renamed; `docs/errors.md` lists every one
 * (a test keeps the two in step). Each error says what was wrong (`message`) and what to do (`hint`).
 */

interface ErrorSpec {
  /** HTTP status the service answers with. */
  status: number;
  /** Default advice for the user. */
  hint: string;
}

/** The catalogue. Adding a code: add it here and in docs/errors.md. */
export const ERROR_CODES = {
  E_USAGE: { status: 400, hint: 'Run the command with --help to see its arguments.' },
  E_CONFIG_INVALID: {
    status: 400,
    hint: 'Fix the named key in ironcliw.config.json, the environment or the flags.',
  },
  E_COMMAND_EMPTY: { status: 400, hint: 'Send a non-empty command, e.g. "count the red circles".' },
  E_COMMAND_TOO_LONG: { status: 413, hint: 'Shorten the command; the limit is config key maxCommandLength.' },
  E_INPUT_INVALID: { status: 400, hint: 'Correct the named field and send the request again.' },
  E_SCREEN_UNREADABLE: {
    status: 400,
    hint: 'Pass a readable PNG or JPEG file (check the path and permissions).',
  },
  E_IMAGE_INVALID: {
    status: 400,
    hint: 'The bytes are not a decodable PNG/JPEG image; re-capture the screen.',
  },
  E_IMAGE_TOO_LARGE: {
    status: 413,
    hint: 'Downscale the image; the pixel limit is config key maxImagePixels.',
  },
  E_SCREEN_UNAVAILABLE: {
    status: 503,
    hint: 'No screen can be captured here (no X display, or no screenshot tool); pass a screen image instead.',
  },
  E_ACTUATOR_UNAVAILABLE: {
    status: 503,
    hint: 'UI actions cannot be performed here (no X display, or xdotool missing); use the recording actuator.',
  },
  E_DB_URL_INVALID: {
    status: 400,
    hint: 'Use a file path, sqlite:<path>, :memory: or postgres://user@host:port/db.',
  },
  E_DB_UNAVAILABLE: { status: 503, hint: 'Check that the database is running and reachable, then retry.' },
  E_NOT_FOUND: {
    status: 404,
    hint: 'List what exists (e.g. `ironcliw capabilities list`) and use one of those ids.',
  },
  E_CAPABILITY_INVALID: { status: 400, hint: 'Fix the manifest or module as the message says.' },
  E_CODE_UNPARSABLE: {
    status: 400,
    hint: 'The module is not valid JavaScript/TypeScript; fix the syntax at the position given.',
  },
  E_PERMISSION_DENIED: {
    status: 403,
    hint: 'Declare the permission in the manifest, or ask without that action.',
  },
  E_SANDBOX_UNAVAILABLE: {
    status: 503,
    hint: 'The sandbox tier cannot run on this machine; use another tier.',
  },
  E_VISION_UNAVAILABLE: {
    status: 503,
    hint: 'The text reader process stopped during the call; retry (the next call starts it again).',
  },
  E_STATE_CONFLICT: { status: 409, hint: 'Re-read the current state and retry with an allowed transition.' },
  E_UNAUTHORIZED: { status: 401, hint: 'Send the API key in the x-api-key header.' },
  E_BUNDLE_INVALID: {
    status: 400,
    hint: 'The bundle is malformed or was changed after signing; ask its sender to export it again.',
  },
  E_BUNDLE_UNTRUSTED: {
    status: 403,
    hint: "Put the sender's public key (ironcliw export --public-key) in .ironcliw/keys/trusted/ if you trust them.",
  },
  E_ID_RESERVED: {
    status: 409,
    hint: 'Built-in capability ids are reserved: ask the sender to export it under another id.',
  },
  E_BODY_TOO_LARGE: {
    status: 413,
    hint: 'Send a smaller body (config key maxBodyBytes), e.g. a downscaled screen.',
  },
  E_RATE_LIMITED: {
    status: 429,
    hint: 'Slow down and retry after the retry-after header (config key server.rateLimitPerMinute).',
  },
  E_DEMO_STORE_NOT_EMPTY: {
    status: 409,
    hint: 'Run `ironcliw demo` without --db (it fills a fresh temporary store), or give --db a new file.',
  },
  E_FORBIDDEN: {
    status: 403,
    hint: 'Use credentials allowed to do this (config key server.clients), or send the request from an allowed origin and host (server.allowedOrigins, server.allowedHosts).',
  },
  E_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    hint: 'Send the body as JSON with the header content-type: application/json (an empty object {} when there is nothing to say).',
  },
  E_BUSY: {
    status: 503,
    hint: 'The server is decoding as many screens as its memory budget allows (config key hostWork.decodePixelsInFlight); retry after the retry-after header.',
  },
  E_HOST_BUDGET_EXCEEDED: {
    status: 429,
    hint: 'The run used up its host work budget (config keys hostWork.maxSdkCalls, hostWork.maxHostMs); make fewer or cheaper sdk calls.',
  },
  E_METHOD_NOT_ALLOWED: {
    status: 405,
    hint: 'Use one of the methods in the Allow header (see /openapi.json for the routes).',
  },
  E_URL_TOO_LONG: { status: 414, hint: 'Shorten the path or the query string (e.g. the id in it).' },
  E_REQUEST_TIMEOUT: { status: 408, hint: 'Send the whole request promptly, then retry.' },
  E_HEADERS_TOO_LARGE: { status: 431, hint: 'Send smaller request headers (cookies, long tokens).' },
  E_PORT_IN_USE: {
    status: 503,
    hint: 'choose another with --port or IRONCLIW_PORT',
  },
  E_INTERNAL: { status: 500, hint: 'This is a bug in Ironcliw; please report it with the request id.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class IroncliwError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly status: number;
  readonly details?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; hint?: string; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IroncliwError';
    this.code = code;
    this.hint = options.hint ?? ERROR_CODES[code].hint;
    this.status = ERROR_CODES[code].status;
    if (options.details) this.details = options.details;
  }

  toJSON(): { code: ErrorCode; message: string; hint: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      hint: this.hint,
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export function isIroncliwError(err: unknown): err is IroncliwError {
  return err instanceof IroncliwError;
}

/** Wraps anything thrown into an IroncliwError without losing the cause. */
export function toIroncliwError(err: unknown, fallback: ErrorCode = 'E_INTERNAL'): IroncliwError {
  if (isIroncliwError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new IroncliwError(fallback, message, { cause: err });
}
