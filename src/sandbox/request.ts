import { PERMISSIONS } from '../domain/index.js';
import type { ResolvedSandboxOptions } from './options.js';
import type { SandboxRequest } from './types.js';

/** Checks the shape of a request before any of it reaches a child. Returns what is wrong, or null. */
export function validateRequest(
  r: SandboxRequest,
  o: Pick<ResolvedSandboxOptions, 'maxCodeBytes'>,
): string | null {
  if (!r || typeof r !== 'object') return 'request must be an object';
  if (typeof r.code !== 'string') return 'request.code must be a string';
  // Source is bounded like output: a megabyte-scale module is a parser-time bomb, not a capability.
  if (Buffer.byteLength(r.code, 'utf8') > o.maxCodeBytes)
    return `request.code exceeds ${o.maxCodeBytes} bytes`;
  if (r.kind !== undefined && r.kind !== 'module' && r.kind !== 'script')
    return "request.kind must be 'module' or 'script'";
  if (!Array.isArray(r.permissions)) return 'request.permissions must be an array';
  for (const p of r.permissions)
    if (!(PERMISSIONS as readonly string[]).includes(p)) return `unknown permission ${String(p)}`;
  if (r.limits !== undefined && (typeof r.limits !== 'object' || r.limits === null))
    return 'request.limits must be an object';
  if (r.host !== undefined && typeof r.host?.call !== 'function') return 'request.host must implement call()';
  return null;
}
