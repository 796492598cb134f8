import { describe, expect, it } from 'vitest';
import type { JsonSchema, Permission } from '../domain/index.js';
import { createProcessTier } from '../sandbox/index.js';
import { analyze, redactSecrets, redactText, REDACTED, synthesize } from './index.js';

const VISION: Permission[] = ['screen.capture', 'vision.analyze'];
const run = (body: string): string => `export default async function run(input, sdk) {\n${body}\n}`;

const AWS = 'AKIAIOSFODNN7EXAMPLE';
const GITHUB = 'ghp_1234567890abcdefghijklmnopqrstuvwxyzAB';
const BASE64 = 'Zx9Qm2Lk8Vb4Nc7Rt1Yp6Wg3Hs5Jd0Fa+/Ek2Uo9Iq';

describe('synthesize', () => {
  it('rewrites randomness and time, re-checks clean, and returns the transformed code as the report', () => {
    const code = run(
      'const n = Math.floor(Math.random() * 3); const t = Date.now(); const d = new Date();\n' +
        "return { answer: 'n=' + n, data: { t, iso: d.toISOString() } };",
    );
    const before = analyze(code, { permissions: [] });
    expect(before.violations.map((v) => v.rule)).toEqual([
      'nondeterminism',
      'nondeterminism',
      'nondeterminism',
    ]);
    expect(before.safe).toBe(false); // three medium findings: 0.729 < 0.8
    const { report, code: out } = synthesize(code, { permissions: [] });
    expect(report).toMatchObject({ safe: true, score: 1, violations: [], transformed: out });
    expect(out).toContain('const n = Math.floor(__ironcliwRandom() * 3);');
    expect(out).toContain('await sdk.random()');
    expect(out).toContain('await sdk.clock.now()');
    expect(out).not.toMatch(/Math\.random|Date\.now|new Date\(\)/);
  });

  it('is idempotent in code and verdict', () => {
    for (const code of [
      run("const k = 'AKIAIOSFODNN7EXAMPLE'; return { answer: k + Math.random(), data: {} };"),
      run(
        'const d = {}; for (const x of input.list) d[x] = (d[x] || 0) + 1; return { answer: String(d[input.k]), data: d };',
      ),
    ]) {
      const once = synthesize(code, { permissions: [] });
      const twice = synthesize(once.code, { permissions: [] });
      expect(twice.code).toBe(once.code);
      expect(twice.report).toEqual(once.report);
    }
  });

  it('removes unused credentials and comments with secrets, and accepts the module', () => {
    const code = `// slack: xoxb-123456789012-abcdefghijkl\n${run(
      `const unused = '${GITHUB}';\nreturn { answer: 'ok', data: {} };`,
    )}`;
    expect(analyze(code).safe).toBe(false);
    const { report, code: out, credentials } = synthesize(code, { permissions: [] });
    expect(credentials).toEqual({ removedUnused: 1, removedUsed: 0 });
    expect(report.safe).toBe(true);
    expect(out).not.toContain(GITHUB);
    expect(out).not.toContain('xoxb-');
  });

  it('removes credentials the code uses and rejects the capability (needs-credential), stably', () => {
    const code = `const KEY = '${AWS}';\n${run(
      `const password = 'Tr0ub4dor&3xQ9!';\nconst headers = { 'x-token': \`Bearer ${BASE64}\` };\n` +
        "return { answer: KEY + password + headers['x-token'], data: {} };",
    )}`;
    const { report, code: out, credentials } = synthesize(code, { permissions: [] });
    expect(credentials).toEqual({ removedUnused: 0, removedUsed: 3 });
    for (const secret of [AWS, 'Tr0ub4dor', BASE64]) expect(out).not.toContain(secret);
    expect(report.safe).toBe(false);
    expect(report.violations.map((v) => v.rule)).toEqual([
      'needs-credential',
      'needs-credential',
      'needs-credential',
    ]);
    // The stored code keeps being rejected when checked again.
    expect(analyze(out).violations.filter((v) => v.rule === 'needs-credential')).toHaveLength(3);
    expect(synthesize(out).report.safe).toBe(false);
  });

  it('keeps hostile findings after the transform', () => {
    const { report } = synthesize(run("return input.constructor.constructor('return 1')();"));
    expect(report.safe).toBe(false);
    expect(report.violations.map((v) => v.rule)).toContain('no-function-constructor');
  });

  it('reports modules it cannot transform as unsafe values, and throws only on unparsable input', () => {
    const noExport = synthesize('const x = 1;');
    expect(noExport.report.safe).toBe(false);
    expect(noExport.report.transformed).toBeUndefined();
    expect(noExport.report.violations.map((v) => v.rule)).toContain('module-shape');

    const reserved = synthesize(
      run('const __ironcliwIn = 1; return { answer: String(__ironcliwIn), data: {} };'),
    );
    expect(reserved.report.safe).toBe(false);
    expect(reserved.report.violations[0]).toMatchObject({
      rule: 'module-shape',
      message: expect.stringMatching(/reserved/),
    });

    const huge = synthesize(run(`return '${'a'.repeat(250 * 1024)}';`));
    expect(huge.report.violations.map((v) => v.rule)).toEqual(['code-too-large']);
    expect(huge.code.length).toBeGreaterThan(250 * 1024);

    expect(() => synthesize(run('return (1;'))).toThrowError(
      expect.objectContaining({ code: 'E_CODE_UNPARSABLE' }) as Error,
    );
  });

  it('checks permissions of the transformed module and lists what it needs', () => {
    const code = run("await sdk.actions.click({ x: 1, y: 2 }); return { answer: 'ok', data: {} };");
    expect(synthesize(code, { permissions: VISION }).report.violations.map((v) => v.rule)).toEqual([
      'permission-mismatch',
    ]);
    const ok = synthesize(code, { permissions: ['actions.click'] });
    expect(ok.report.safe).toBe(true);
    expect(ok.report.requiredPermissions).toEqual(['actions.click']);
    expect(ok.report.sdkMethods).toEqual(['actions.click']);
  });

  it('accepts TypeScript', () => {
    const ts = `export default async function run(input: { n: number }, sdk: any): Promise<{ answer: string; data: object }> {
  const r: number = Math.random();
  return { answer: String(input.n + r), data: {} };
}`;
    const { report, code } = synthesize(ts, { typescript: true, permissions: [] });
    expect(report.safe).toBe(true);
    expect(code).toContain('__ironcliwRandom()');
  });
});

describe('redactSecrets', () => {
  it('redacts secret-shaped strings in values and keys, deep, without mutating', () => {
    const value = {
      answer: `key ${AWS} and more`,
      data: {
        items: [{ text: `token ${GITHUB}` }, { text: 'three green circles' }],
        [`${BASE64}`]: 1,
        conf: 'api_key=9fA7kQ2xL0pZ4mB8 rest',
        n: 3,
        ok: true,
        none: null,
      },
    };
    const copy = structuredClone(value);
    const out = redactSecrets(value);
    expect(value).toEqual(copy);
    expect(out).toEqual({
      answer: `key ${REDACTED} and more`,
      data: {
        items: [{ text: `token ${REDACTED}` }, { text: 'three green circles' }],
        [REDACTED]: 1,
        conf: `api_key=${REDACTED} rest`,
        n: 3,
        ok: true,
        none: null,
      },
    });
  });

  it('leaves prose, UUIDs, placeholders and low-entropy values alone', () => {
    for (const text of [
      'There are 3 green circles in the toolbar.',
      '123e4567-e89b-12d3-a456-426614174000',
      'password=changeme',
      'token: xxxxxxxxxxxx',
    ]) {
      expect(redactText(text)).toEqual({ text, count: 0 });
    }
  });

  it('survives cycles, deep nesting and odd keys; never changes prototypes', () => {
    const a: Record<string, unknown> = { s: AWS };
    a.self = a;
    let deep: unknown = 'x';
    for (let i = 0; i < 200; i++) deep = [deep];
    const out = redactSecrets({ a, deep, f: () => 1 }) as Record<string, any>;
    expect(out.a.s).toBe(REDACTED);
    expect(out.a.self).toBe(REDACTED);
    expect(JSON.stringify(out.deep)).toContain(REDACTED);
    expect(out.f).toBeUndefined();
    const proto = redactSecrets(JSON.parse('{"__proto__": {"polluted": 1}}') as object) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('transformed module in the sandbox (process tier)', () => {
  it('validates input, redacts output with the same shapes as redactSecrets, and replays randomness', async () => {
    const inputSchema: JsonSchema = {
      type: 'object',
      properties: { word: { type: 'string', maxLength: 20 } },
      additionalProperties: false,
    };
    // The secrets come from the screen (OCR), as they would live: never from the code.
    const screenText = `creds ${AWS} / api_key=9fA7kQ2xL0pZ4mB8 / ${BASE64}`;
    const code = run(
      `const pick = Math.floor(Math.random() * 100);
  const screen = await sdk.screen.capture();
  const read = await sdk.vision.readText(screen);
  return { answer: 'read ' + input.word, data: { text: read.text, pick } };`,
    );
    const permissions: Permission[] = ['screen.capture', 'ocr.read'];
    const { report, code: hardened } = synthesize(code, { permissions, inputSchema });
    expect(report.violations).toEqual([]);
    expect(report.safe).toBe(true);
    await using tier = createProcessTier({ poolSize: 1 });
    const replies: Record<string, unknown> = {
      random: 0.42,
      'screen.capture': { $image: 'screen', width: 10, height: 10 },
      'vision.readText': { text: screenText, words: [] },
    };
    const host = { call: async (m: string) => replies[m] ?? null };
    const limits = { timeoutMs: 5000, memoryMb: 64 };
    const runWith = (input: Record<string, unknown>) =>
      tier.run({ code: hardened, input, permissions, limits, host, origin: 'generated' });
    const ok = await runWith({ word: 'hi' });
    expect(ok.error).toBeUndefined();
    expect(ok.status).toBe('ok');
    // The guest's Math.random() became a mulberry32 stream seeded from the host's sdk.random(): reference value.
    const seed = Math.floor(0.42 * 4294967296) >>> 0;
    const state = (seed + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
    const pick = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 100);
    const expected = redactSecrets({ answer: 'read hi', data: { text: screenText, pick } });
    expect(ok.output).toEqual(expected);
    expect(JSON.stringify(ok.output)).not.toMatch(/AKIA|9fA7k|Zx9Q/);
    const again = await runWith({ word: 'hi' });
    expect(again.output).toEqual(ok.output); // replays

    const bad = await runWith({ word: 'hi', extra: 1 });
    expect(bad.status).toBe('error');
    expect(String(bad.error)).toMatch(/invalid input: input has unexpected property extra/);
  }, 30_000);
});
