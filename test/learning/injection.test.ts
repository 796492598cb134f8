import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generaliseFrame } from '../../src/discovery/index.js';
import type { Pattern } from '../../src/domain/index.js';
import { familyFor } from '../../src/generation/index.js';
import { analyze } from '../../src/synthesis/index.js';
import { frameSignature, matchCapability, parseCommand } from '../../src/understanding/index.js';

function patternOf(command: string): { pattern: Pattern; frame: ReturnType<typeof parseCommand>['frame'] } {
  const { frame } = parseCommand(command);
  const g = generaliseFrame(frame);
  const pattern: Pattern = {
    id: 'pat_x',
    signature: frameSignature(frame),
    frame: g.frame,
    parameters: g.parameters,
    count: 3,
    distinctUsers: 2,
    firstSeen: '2025-01-01T00:00:00Z',
    lastSeen: '2025-01-01T00:00:00Z',
    status: 'collecting',
  };
  return { pattern, frame };
}

/** Commands where user text lands in a slot: labels, texts to type or find, keys, and combinations. */
const TEMPLATES: Array<(s: string) => string> = [
  (s) => `click the "${s}" button`,
  (s) => `type "${s}"`,
  (s) => `type ${s}`,
  (s) => `find the text "${s}"`,
  (s) => `is there a "${s}" button`,
  (s) => `if you see a "${s}" button, click it`,
  (s) => `read the title and then type "${s}"`,
  (s) => `click ${s}`,
  (s) => `press ${s}`,
  (s) => `count the red circles ${s}`,
];

const hostile = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '"',
        "'",
        '`',
        '${',
        '}',
        '*/',
        '/*',
        '//',
        '\n',
        '\r\n',
        '\u2028',
        '\\u0022',
        '\\',
        '</script>',
        'constructor',
        '__proto__',
        '); sdk.actions.type(process.env.HOME); (',
        '${globalThis.process}',
        "' + require('fs') + '",
        '`; import("fs"); `',
      ),
      fc.string({ maxLength: 12 }),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((parts) => parts.join(''));

describe('command text never changes the generated code', () => {
  it('emits the same module as for a benign command of the same shape, free of the injected text', () => {
    const benign = TEMPLATES.map((t) => patternOf(t('Save')));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: TEMPLATES.length - 1 }), hostile, (ti, payload) => {
        const command = TEMPLATES[ti]!(payload).slice(0, 1000);
        const { pattern, frame } = patternOf(command);
        const family = familyFor(pattern);
        if (!family) return; // not learnable at all: nothing is generated
        const cap = family.emit(pattern, 1, ['f1']);
        const report = analyze(cap.code, { permissions: cap.manifest.permissions });
        expect(report.violations).toEqual([]);
        const ref = benign[ti]!;
        if (pattern.signature === ref.pattern.signature) {
          // Same structure as the benign command: byte-identical module and manifest.
          const refCap = familyFor(ref.pattern)!.emit(ref.pattern, 1, ['f1']);
          expect(cap.code).toBe(refCap.code);
          expect(cap.manifest).toEqual(refCap.manifest);
        }
        // No fragment of the payload that is not already in a benign module reaches the code or the manifest.
        const text = cap.code + JSON.stringify(cap.manifest);
        for (const piece of payload.split(/[\s"'`]+/)) {
          if (piece.length >= 6 && !/^[a-z]+$/i.test(piece)) expect(text).not.toContain(piece);
        }
        // The value itself travels as data: the capability receives it through `input`.
        const m = matchCapability(frame, cap.manifest);
        expect(m).toBeDefined();
      }),
      { numRuns: 400 },
    );
  });

  it('passes slot values only through input', () => {
    const { pattern, frame } = patternOf('click the "x`); sdk.actions.type(1); (`" button');
    const cap = familyFor(pattern)!.emit(pattern, 1, []);
    expect(cap.code).not.toContain('sdk.actions.type');
    expect(matchCapability(frame, cap.manifest)?.input).toEqual({ label: 'x`); sdk.actions.type(1); (`' });
  });
});
