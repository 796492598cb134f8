import type { Action, IntentFrame, PartFrame } from '../domain/index.js';
import { ACTING_ACTIONS as ACTING } from '../domain/index.js';

/** What about a request makes automating it risky. */
export type ConcernKind = 'destructive' | 'bulk' | 'credential' | 'system';

export interface SafetyConcern {
  kind: ConcernKind;
  /** `block`: never generate; `lower`: generate only on stronger evidence (see raisedThresholds). */
  severity: 'block' | 'lower';
  reason: string;
  /** The words of the request that raised it. */
  evidence: string;
}

export interface SafetyAssessment {
  verdict: 'ok' | 'lower' | 'block';
  concerns: SafetyConcern[];
}

/** Actions that act on targets (bulk when on "all" of them or on several). */
const TARGETING: ReadonlySet<Action> = new Set([
  'click',
  'select',
  'toggle',
  'expand',
  'collapse',
  'close',
  'double-click',
  'right-click',
  'drag',
]);

/**
 * Word lists per concern. A request that *acts* (click, type, press) on such a thing is blocked; one that
 * only looks at it (count, find, read …) gets a lower priority — finding the Delete button is harmless,
 * pressing it is not something to learn from three anonymous failures.
 */
const WORDS: Record<ConcernKind, RegExp> = {
  destructive:
    /\b(?:delete|remove|erase|wipe|format|destroy|uninstall|drop|discard|purge|overwrite|empty (?:the )?(?:trash|bin)|factory reset|reset all)\b/,
  bulk: /\b(?:all|every|everything|each|everyone)\b/,
  credential:
    /\b(?:passwords?|passcodes?|passphrases?|pin code|credentials?|tokens?|secrets?|api[ -]?keys?|private keys?|credit cards?|card numbers?|cvv|ssn|social security|2fa|one[- ]time code|otp)\b/,
  system:
    /\b(?:sudo|root|terminal|shell|command prompt|cmd\.exe|powershell|registry|regedit|shutdown|shut down|reboot|restart the (?:computer|system|machine)|task manager|system (?:settings|preferences)|firewall|antivirus|bios|kernel)\b/,
};

/** Key chords that end sessions or reach the OS. */
const SYSTEM_KEYS = /\b(?:ctrl\+alt\+(?:del|delete|t)|alt\+f4|cmd\+q|super\+l|win\+r|ctrl\+shift\+esc)\b/;

function framesOf(frame: Omit<IntentFrame, 'raw'>): PartFrame[] {
  const out: PartFrame[] = [];
  if (frame.condition) out.push(frame.condition.frame as PartFrame);
  if (frame.parts?.frames.length) out.push(...frame.parts.frames);
  else out.push(frame);
  return out;
}

/**
 * The safety concerns a request raises by itself, from its structure (does it act? on what?) and its words.
 * Blocked requests never reach a generator; lowered ones need more occurrences and users first. Every concern
 * carries the words that raised it, so the pattern's status reason says why.
 *
 * @example assessSafety(parseCommand('click the Delete button').frame).verdict // 'block'
 */
export function assessSafety(frame: Pick<IntentFrame, 'raw'> & Omit<IntentFrame, 'raw'>): SafetyAssessment {
  const text = frame.raw.normalize('NFKC').toLowerCase();
  const frames = framesOf(frame);
  const acting = frames.filter((f) => ACTING.has(f.action));
  const concerns: SafetyConcern[] = [];
  const add = (kind: ConcernKind, severity: SafetyConcern['severity'], reason: string, evidence: string) =>
    concerns.push({ kind, severity, reason, evidence });
  const actsOn = acting.map((f) => f.action).join('/');

  const destructive = WORDS.destructive.exec(text);
  if (destructive)
    add(
      'destructive',
      acting.length ? 'block' : 'lower',
      acting.length
        ? `destructive action: it would ${actsOn} "${destructive[0]}"`
        : `asks about a destructive control ("${destructive[0]}")`,
      destructive[0],
    );
  const bulk = WORDS.bulk.exec(text);
  const clicks = acting.filter((f) => TARGETING.has(f.action));
  if (clicks.length && (bulk || clicks.some((f) => (f.quantity ?? 1) > 1)))
    add(
      'bulk',
      'block',
      `bulk action: it would click ${bulk ? `"${bulk[0]}"` : 'several'} targets at once`,
      bulk?.[0] ?? String(clicks.find((f) => (f.quantity ?? 1) > 1)?.quantity),
    );
  const credential = WORDS.credential.exec(text);
  if (credential) {
    // Typing or reading a credential hands a secret to (or takes one from) generated code.
    const handles = acting.some((f) => f.action === 'type') || frames.some((f) => f.action === 'read');
    add(
      'credential',
      handles || acting.length ? 'block' : 'lower',
      handles
        ? `credential-related: it would type or read a ${credential[0]}`
        : acting.length
          ? `credential-related: it would ${actsOn} on a ${credential[0]} control`
          : `asks about a ${credential[0]} on the screen`,
      credential[0],
    );
  }
  const system = WORDS.system.exec(text) ?? SYSTEM_KEYS.exec(text);
  if (system)
    add(
      'system',
      acting.length ? 'block' : 'lower',
      acting.length
        ? `system-level action: it would ${actsOn} "${system[0]}"`
        : `asks about a system-level control ("${system[0]}")`,
      system[0],
    );
  const verdict = concerns.some((c) => c.severity === 'block') ? 'block' : concerns.length ? 'lower' : 'ok';
  return { verdict, concerns };
}

/** One line for a pattern's status reason. */
export function describeConcerns(a: SafetyAssessment): string {
  return a.concerns.map((c) => c.reason).join('; ');
}
