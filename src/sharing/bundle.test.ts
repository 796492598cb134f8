import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Capability } from '../domain/index.js';
import { createBundle, loadOrCreateSigningKey, loadTrustedKeys, openBundle, publicKeyPem } from './index.js';

const capability: Capability = {
  manifest: {
    id: 'count-shapes-by-color',
    name: 'Count shapes by colour',
    version: 2,
    description: 'Counts shapes of one colour',
    intents: [{ action: 'count', targetKind: 'shape', slots: ['color'], examples: ['count the red shapes'] }],
    permissions: ['screen.capture', 'vision.analyze'],
    inputSchema: { type: 'object', properties: { color: { type: 'string' } } },
    outputSchema: { type: 'object' },
    limits: { timeoutMs: 1000, memoryMb: 64 },
    origin: { kind: 'generated', generator: 'template:count-shapes', failureIds: ['f1'] },
  },
  code: 'export default async function run(input, sdk) { return { answer: "0", data: { count: 0 } }; }',
};
const reports = [{ kind: 'verification', at: '2026-11-25T00:00:00.000Z', report: { decision: 'approve' } }];

describe('capability bundles', () => {
  const alice = loadOrCreateSigningKey({ dir: mkdtempSync(join(tmpdir(), 'keys-a-')) });
  const bobDir = mkdtempSync(join(tmpdir(), 'keys-b-'));
  const bob = loadOrCreateSigningKey({ dir: bobDir });

  it('keeps one signing key per deployment across loads', () => {
    expect(loadOrCreateSigningKey({ dir: bobDir }).keyId).toBe(bob.keyId);
    expect(alice.keyId).not.toBe(bob.keyId);
  });

  it('opens a bundle signed by a trusted key, unchanged', () => {
    writeFileSync(join(bobDir, 'trusted', 'alice.pem'), publicKeyPem(alice));
    const bundle = JSON.parse(JSON.stringify(createBundle(capability, reports, alice)));
    const opened = openBundle(bundle, loadTrustedKeys({ dir: bobDir }, bob));
    expect(opened.keyId).toBe(alice.keyId);
    expect(opened.capability).toEqual(capability);
    expect(opened.reports).toEqual(reports);
  });

  it('refuses every kind of tampering with E_BUNDLE_INVALID', () => {
    const trusted = loadTrustedKeys({ dir: bobDir }, bob);
    const fresh = () => JSON.parse(JSON.stringify(createBundle(capability, reports, alice)));
    const tamper: Array<[string, (b: any) => void]> = [
      ['code', (b) => (b.code = b.code.replace('0', '1'))],
      ['permissions', (b) => b.manifest.permissions.push('actions.click')],
      ['reports', (b) => (b.reports[0].report.decision = 'reject')],
      ['hash and content', (b) => ((b.code += ' '), (b.contentHash = 'sha256:' + '0'.repeat(64)))],
      ['signature', (b) => (b.signature.value = Buffer.alloc(64, 1).toString('base64'))],
      ['format', (b) => (b.format = 'something-else/9')],
    ];
    for (const [what, change] of tamper) {
      const b = fresh();
      change(b);
      expect(() => openBundle(b, trusted), what).toThrow(
        expect.objectContaining({ code: 'E_BUNDLE_INVALID' }),
      );
    }
    // Re-hashing after a change does not help: the signature covers the hash.
    const b = fresh();
    b.code = 'export default async function run() { return { answer: "pwned", data: {} }; }';
    const { contentHash } = createBundle({ ...capability, code: b.code }, reports, bob);
    b.contentHash = contentHash;
    expect(() => openBundle(b, trusted)).toThrow(expect.objectContaining({ code: 'E_BUNDLE_INVALID' }));
    for (const junk of [null, [], 'x', 42, {}])
      expect(() => openBundle(junk, trusted)).toThrow(expect.objectContaining({ code: 'E_BUNDLE_INVALID' }));
  });

  it('refuses a valid bundle from a key that is not trusted with E_BUNDLE_UNTRUSTED', () => {
    const stranger = loadOrCreateSigningKey({ dir: mkdtempSync(join(tmpdir(), 'keys-c-')) });
    const bundle = createBundle(capability, reports, stranger);
    expect(() => openBundle(bundle, loadTrustedKeys({ dir: bobDir }, bob))).toThrow(
      expect.objectContaining({ code: 'E_BUNDLE_UNTRUSTED' }),
    );
  });

  it('validates the manifest inside a correctly signed bundle', () => {
    const bad = { ...capability, manifest: { ...capability.manifest, permissions: ['root.everything'] } };
    const bundle = createBundle(bad as unknown as Capability, reports, bob);
    expect(() => openBundle(bundle, loadTrustedKeys({ dir: bobDir }, bob))).toThrow(
      expect.objectContaining({ code: 'E_CAPABILITY_INVALID' }),
    );
  });
});
