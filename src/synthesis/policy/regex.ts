import safeRegex from 'safe-regex2';
import type { N } from '../ast-utils.js';
import type { PolicyContext } from './context.js';

export function checkRegExpConstructor(call: N, ctx: PolicyContext): void {
  const arg: N | undefined = call.arguments?.[0];
  const resolved = ctx.folder.resolveConstant(arg);
  if (resolved?.type === 'Literal' && resolved.regex) return;
  const f = ctx.folder.fold(arg);
  if (!f || f.primitive || f.strings.size === 0) {
    ctx.report('redos', call, 'RegExp with a pattern that is not a constant cannot be checked');
    return;
  }
  for (const s of f.strings) checkRegexSource(s, call, ctx);
}

export function checkRegexSource(source: string, node: N, ctx: PolicyContext): void {
  let safe: boolean;
  try {
    safe = safeRegex(source);
  } catch {
    // A pattern safe-regex2 cannot parse cannot be shown safe.
    safe = false;
  }
  if (!safe)
    ctx.report('redos', node, `regular expression /${truncate(source, 60)}/ may backtrack catastrophically`);
}

function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n) + '…' : s;
}
