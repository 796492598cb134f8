import { describe, expect, it } from 'vitest';
import { ownCode, transform } from './index.js';

describe('ownCode', () => {
  const manifest = {
    permissions: ['screen.capture' as const],
    inputSchema: {
      type: 'object' as const,
      properties: { n: { type: 'integer' as const } },
      additionalProperties: false,
    },
  };

  it('takes the injected wrapper off a transformed module and keeps what the author wrote', () => {
    const source = [
      'const LIMIT = 3;',
      'function twice(x) { return x * 2; }',
      'export default async function run(input, api) {',
      '  const shot = await api.screen.capture();',
      '  return { answer: String(twice(input.n ?? LIMIT)), data: { shot: Boolean(shot) } };',
      '}',
    ].join('\n');
    const stored = transform(source, manifest).code;
    expect(stored).toContain('__ironcliwValidateInput');
    const own = ownCode(stored)!;
    expect(own).not.toContain('__ironcliw');
    expect(own).toContain('const LIMIT = 3;');
    expect(own).toContain('function twice(x)');
    // The SDK parameter keeps the author's name; the module is runnable-shaped again.
    expect(own).toMatch(/export default async function run\(input, api\) \{/);
    expect(own).toContain('await api.screen.capture()');
    // Transforming the own code again gives the stored module back.
    expect(transform(own, manifest).code).toBe(stored);
  });

  it('handles an arrow function without an input parameter', () => {
    const stored = transform('export default async () => ({ answer: "hi", data: {} });', {}).code;
    const own = ownCode(stored)!;
    expect(own).toMatch(/export default async \(input, sdk\) => \(\{/);
    expect(own).not.toContain('__ironcliw');
  });

  it('is undefined for code the transform did not write', () => {
    expect(ownCode('export default async function run(input, sdk) { return 1; }')).toBeUndefined();
    expect(ownCode('this is not javascript (')).toBeUndefined();
  });
});
