import { describe, expect, it } from 'vitest';
import type { CapabilityManifest } from '../domain/index.js';
import { schemaProblem } from '../capabilities/index.js';
import type { VerificationCheck } from './index.js';
import {
  decide,
  findSecrets,
  fuzzInputs,
  outputProblems,
  resolveVerificationOptions,
  riskScore,
  VERIFICATION_DEFAULTS,
} from './index.js';
import { generatedCount } from '../../test/support/verification-capabilities.js';

const schema = generatedCount().manifest.outputSchema;
const manifest: Pick<CapabilityManifest, 'permissions' | 'origin'> = {
  permissions: ['screen.capture', 'vision.analyze'],
  origin: { kind: 'generated', generator: 'template/count-shapes', failureIds: [] },
};
const pass = (name: string, severity: VerificationCheck['severity'] = 'blocking'): VerificationCheck => ({
  name,
  passed: true,
  detail: 'ok',
  level: 'comprehensive',
  severity,
});
const fail = (
  name: string,
  severity: VerificationCheck['severity'],
  conditions?: string[],
): VerificationCheck => ({
  ...pass(name, severity),
  passed: false,
  detail: 'bad',
  ...(conditions ? { conditions } : {}),
});
const options = VERIFICATION_DEFAULTS;

describe('decision', () => {
  it('approves when every check passed and risk is low', () => {
    expect(
      decide({ level: 'comprehensive', checks: [pass('a')], riskScore: 0.05, manifest, options }),
    ).toMatchObject({
      decision: 'approve',
      conditions: [],
    });
  });
  it('rejects on a failed blocking check whatever the risk, and on risk ≥ rejectMinRisk', () => {
    expect(
      decide({
        level: 'comprehensive',
        checks: [fail('secrets', 'blocking')],
        riskScore: 0,
        manifest,
        options,
      }).decision,
    ).toBe('reject');
    expect(
      decide({ level: 'comprehensive', checks: [pass('a')], riskScore: 0.6, manifest, options }).decision,
    ).toBe('reject');
  });
  it('makes failed advisory checks, risky permissions and low levels conditional with their conditions', () => {
    const d = decide({
      level: 'comprehensive',
      checks: [fail('resources', 'advisory', ['max-stage:canary'])],
      riskScore: 0.1,
      manifest,
      options,
    });
    expect(d).toMatchObject({ decision: 'conditional', conditions: ['max-stage:canary'] });
    const acts = decide({
      level: 'comprehensive',
      checks: [],
      riskScore: 0.1,
      manifest: { ...manifest, permissions: ['actions.type'] },
      options,
    });
    expect(acts.conditions).toEqual(['limited-group:internal', 'manual-promotion']);
    const low = decide({
      level: 'standard',
      checks: [fail('resources', 'advisory', ['max-stage:canary'])],
      riskScore: 0.1,
      manifest,
      options,
    });
    // The development cap is stricter than canary and replaces it.
    expect(low.conditions).toEqual(['manual-promotion', 'max-stage:development']);
    const risky = decide({ level: 'comprehensive', checks: [], riskScore: 0.3, manifest, options });
    expect(risky.conditions).toEqual(['manual-promotion', 'max-stage:canary']);
  });
  it('scores risk as the weighted mean of measured factors, clamped to 0..1', () => {
    expect(
      riskScore([
        { name: 'static', value: 0.5, weight: 0.2, detail: '' },
        { name: 'tests', value: 0, weight: 0.2, detail: '' },
      ]),
    ).toBe(0.25);
    expect(riskScore([{ name: 'resources', value: 7, weight: 1, detail: '' }])).toBe(1);
    expect(riskScore([])).toBe(1);
  });
});

describe('options', () => {
  it('override defaults and reject unknown keys or inconsistent thresholds with E_CONFIG_INVALID', () => {
    expect(resolveVerificationOptions({ weights: { static: 1 } }).weights).toMatchObject({
      static: 1,
      tests: 0.2,
    });
    expect(() => resolveVerificationOptions({ nope: 1 } as never)).toThrow(
      expect.objectContaining({ code: 'E_CONFIG_INVALID' }),
    );
    expect(() => resolveVerificationOptions({ approveMaxRisk: 0.7 })).toThrow(/approveMaxRisk must be below/);
  });
});

describe('output validation', () => {
  const items = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ kind: 'shape', bbox: { x: i, y: 0, width: 4, height: 4 } }));
  it('accepts a consistent output', () => {
    expect(
      outputProblems(schema, { answer: 'There are 2 red circles.', data: { count: 2, items: items(2) } }),
    ).toEqual([]);
    expect(
      outputProblems(schema, { answer: 'There are no red circles.', data: { count: 0, items: [] } }),
    ).toEqual([]);
  });
  it('finds schema violations, empty answers and answers that contradict the data', () => {
    expect(outputProblems(schema, { answer: 'x', data: { count: -1, items: [] } }).join()).toContain(
      'outputSchema',
    );
    expect(outputProblems(schema, { answer: '  ', data: { count: 0, items: [] } })).toContain(
      'answer is empty or not a string',
    );
    expect(
      outputProblems(schema, { answer: 'There are 3 circles.', data: { count: 2, items: items(2) } }).join(),
    ).toContain('does not state data.count 2');
    expect(
      outputProblems(schema, { answer: 'There are 2 circles.', data: { count: 2, items: items(1) } }).join(),
    ).toContain('data.items holds 1');
    expect(
      outputProblems({}, { answer: 'There are 2.', data: { count: 2, present: false } }).join(),
    ).toContain('data.present is false');
  });
});

describe('secrets in outputs', () => {
  it('finds secret shapes with where they are, never echoing them', () => {
    const f = findSecrets([
      { where: 'run', value: { answer: 'ok', data: { t: 'ghp_0123456789abcdefghijABCDEFGHIJ012345' } } },
      { where: 'log', value: ['token=Zx9Qw8Er7Ty6Ui5Op4'] },
    ]);
    expect(f).toEqual([
      { where: 'run.data.t', kind: 'GitHub token' },
      { where: 'log[0]', kind: 'credential assignment' },
    ]);
    expect(JSON.stringify(f)).not.toContain('ghp_');
  });
  it('finds nothing in ordinary answers, items and OCR-like text', () => {
    expect(
      findSecrets([
        {
          where: 'run',
          value: {
            answer: 'There are 2 red circles in the toolbar.',
            data: { text: 'Invoice 2024-0117 is overdue', items: [{ kind: 'shape', color: 'red' }] },
          },
        },
      ]),
    ).toEqual([]);
  });
});

describe('fuzz inputs', () => {
  it('are valid against the input schema, distinct, and the same for the same seed', () => {
    const s = generatedCount(['color', 'shape', 'region']).manifest.inputSchema;
    const a = fuzzInputs(s, 6, 3);
    expect(a).toHaveLength(6);
    expect(new Set(a.map((x) => JSON.stringify(x))).size).toBe(6);
    expect(fuzzInputs(s, 6, 3)).toEqual(a);
    for (const x of a) expect(schemaProblem(s, x)).toBeUndefined();
    const req = fuzzInputs(
      {
        type: 'object',
        properties: { n: { type: 'integer', minimum: 2, maximum: 9 }, t: { type: 'string' } },
        required: ['n'],
      },
      4,
      1,
    );
    expect(req.every((x) => typeof x.n === 'number' && x.n >= 2 && x.n <= 9)).toBe(true);
    // Optional fields are sometimes present and sometimes left out.
    expect(req.some((x) => 't' in x) && req.some((x) => !('t' in x))).toBe(true);
  });
});
