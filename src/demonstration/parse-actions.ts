import { IroncliwError } from '../domain/index.js';
import type { DemoAction } from './types.js';

/** Most actions one demonstration may hold (a demonstration shows one command, not a session). */
const MAX_DEMO_ACTIONS = 20;
const MAX_TEXT = 1000;
/** The key chords the SDK's `actions.press` accepts. */
const KEY = /^[A-Za-z0-9+_ -]{1,64}$/;

const bad = (message: string, hint?: string): never => {
  throw new IroncliwError(
    'E_INPUT_INVALID',
    message,
    hint
      ? { hint }
      : {
          hint: `e.g. [{"type":"click","x":74,"y":120},{"type":"type","text":"Kasey"},{"type":"press","key":"Enter"}]`,
        },
  );
};

/**
 * Validates demonstrated actions (from `--demo` JSON or an HTTP body): clicks at integer pixels inside the
 * screen, typed text, key chords. Bad input → E_INPUT_INVALID naming the action and what is wrong.
 */
export function parseDemoActions(value: unknown, screen?: { width: number; height: number }): DemoAction[] {
  if (!Array.isArray(value)) return bad('actions must be an array of {type: click|type|press, …}');
  if (value.length > MAX_DEMO_ACTIONS)
    return bad(`a demonstration has at most ${MAX_DEMO_ACTIONS} actions (got ${value.length})`);
  return value.map((a: unknown, i): DemoAction => {
    const at = `actions[${i}]`;
    if (!a || typeof a !== 'object' || Array.isArray(a)) return bad(`${at} must be an object`);
    const o = a as Record<string, unknown>;
    const extra = (allowed: string[]) => {
      const k = Object.keys(o).find((x) => !allowed.includes(x));
      if (k) bad(`${at} has an unknown field "${k.slice(0, 40)}"`);
    };
    if (o.type === 'click') {
      extra(['type', 'x', 'y']);
      for (const k of ['x', 'y'] as const)
        if (typeof o[k] !== 'number' || !Number.isFinite(o[k]) || (o[k] as number) < 0)
          bad(`${at}.${k} must be a non-negative number of pixels`);
      const x = Math.round(o.x as number);
      const y = Math.round(o.y as number);
      if (screen && (x >= screen.width || y >= screen.height))
        bad(`${at} clicks at (${x}, ${y}), outside the ${screen.width}×${screen.height} screen`);
      return { type: 'click', x, y };
    }
    if (o.type === 'type') {
      extra(['type', 'text']);
      if (typeof o.text !== 'string' || !o.text.length || o.text.length > MAX_TEXT)
        bad(`${at}.text must be a string of 1..${MAX_TEXT} characters`);
      return { type: 'type', text: o.text as string };
    }
    if (o.type === 'press') {
      extra(['type', 'key']);
      if (typeof o.key !== 'string' || !KEY.test(o.key))
        bad(`${at}.key must be a key chord such as "Enter" or "ctrl+s"`);
      return { type: 'press', key: o.key as string };
    }
    return bad(`${at}.type must be click, type or press`);
  });
}
