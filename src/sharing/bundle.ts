import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import stringify from 'safe-stable-stringify';
import { validateManifest } from '../capabilities/index.js';
import type { Capability } from '../domain/index.js';
import { IroncliwError } from '../domain/index.js';

/**
 * Capability bundles: how verified capabilities travel between deployments (the marketplace foundation).
 *
 * A bundle is JSON: the manifest, the code and the reports that justified it, a SHA-256 content hash over the
 * canonical JSON of those three, and an Ed25519 signature over the hash. Import checks the hash, then the
 * signature against the receiver's trusted keys — and then the receiver verifies the capability again itself:
 * a signature says who sent it, not that it is safe here.
 */
export const BUNDLE_FORMAT = 'ironcliw-capability-bundle/1';

export interface BundleReport {
  kind: string;
  at: string;
  report: unknown;
}

export interface CapabilityBundle {
  format: typeof BUNDLE_FORMAT;
  manifest: Capability['manifest'];
  code: string;
  reports: BundleReport[];
  exportedAt: string;
  /** `sha256:<hex>` of the canonical JSON of {manifest, code, reports}. */
  contentHash: string;
  signature: { algorithm: 'ed25519'; keyId: string; value: string };
}

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Where keys live: `<dir>/signing-key.pem` (private, 0600) and `<dir>/trusted/*.pub.pem`. */
export interface KeyPaths {
  dir: string;
}

/** A key's id: the first 16 hex digits of the SHA-256 of its public key (SPKI DER). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/** This deployment's signing key, created on first use. Its public half is always trusted here. */
export function loadOrCreateSigningKey({ dir }: KeyPaths): SigningKey {
  const file = join(dir, 'signing-key.pem');
  let privateKey: KeyObject;
  if (existsSync(file)) {
    try {
      privateKey = createPrivateKey(readFileSync(file));
    } catch (cause) {
      throw new IroncliwError('E_CONFIG_INVALID', `signing key ${file} is not a PEM private key`, { cause });
    }
    if (privateKey.asymmetricKeyType !== 'ed25519')
      throw new IroncliwError('E_CONFIG_INVALID', `signing key ${file} is not an Ed25519 key`);
  } else {
    mkdirSync(join(dir, 'trusted'), { recursive: true });
    privateKey = generateKeyPairSync('ed25519').privateKey;
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

/** The public key as PEM, to hand to other deployments (they put it in their `trusted/` folder). */
export function publicKeyPem(key: SigningKey): string {
  return key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

/** Trusted public keys by id: every `*.pem` in `<dir>/trusted/`, plus this deployment's own key. */
export function loadTrustedKeys(paths: KeyPaths, own?: SigningKey): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  if (own) keys.set(own.keyId, own.publicKey);
  const dir = join(paths.dir, 'trusted');
  if (!existsSync(dir)) return keys;
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.pem'))) {
    let key: KeyObject;
    try {
      key = createPublicKey(readFileSync(join(dir, name)));
    } catch (cause) {
      throw new IroncliwError('E_CONFIG_INVALID', `trusted key ${join(dir, name)} is not a PEM public key`, {
        cause,
      });
    }
    if (key.asymmetricKeyType === 'ed25519') keys.set(keyIdOf(key), key);
  }
  return keys;
}

const contentHash = (manifest: unknown, code: string, reports: unknown): string =>
  'sha256:' +
  createHash('sha256')
    .update(stringify({ manifest, code, reports }) ?? '')
    .digest('hex');

export function createBundle(
  capability: Capability,
  reports: BundleReport[],
  key: SigningKey,
  now = new Date(),
): CapabilityBundle {
  const hash = contentHash(capability.manifest, capability.code, reports);
  return {
    format: BUNDLE_FORMAT,
    manifest: capability.manifest,
    code: capability.code,
    reports,
    exportedAt: now.toISOString(),
    contentHash: hash,
    signature: {
      algorithm: 'ed25519',
      keyId: key.keyId,
      value: sign(null, Buffer.from(hash), key.privateKey).toString('base64'),
    },
  };
}

const invalid = (message: string, details?: Record<string, unknown>) =>
  new IroncliwError('E_BUNDLE_INVALID', message, details ? { details } : {});

/**
 * Checks a parsed bundle: shape, content hash, signature by a trusted key, manifest validity. Returns the
 * capability exactly as sent (the caller decides its new origin and version). Throws E_BUNDLE_INVALID for
 * anything malformed or tampered with, E_BUNDLE_UNTRUSTED for a valid signature by a key not trusted here.
 */
export function openBundle(
  value: unknown,
  trusted: Map<string, KeyObject>,
): {
  capability: Capability;
  reports: BundleReport[];
  keyId: string;
} {
  const b = value as Partial<CapabilityBundle> | null;
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw invalid('a bundle is a JSON object');
  if (b.format !== BUNDLE_FORMAT)
    throw invalid(`unknown bundle format ${JSON.stringify(b.format)}; expected ${BUNDLE_FORMAT}`);
  if (typeof b.code !== 'string' || !b.manifest || typeof b.manifest !== 'object')
    throw invalid('the bundle has no manifest or no code');
  if (!Array.isArray(b.reports)) throw invalid('the bundle has no reports list');
  const sig = b.signature;
  if (!sig || sig.algorithm !== 'ed25519' || typeof sig.keyId !== 'string' || typeof sig.value !== 'string')
    throw invalid('the bundle has no Ed25519 signature');
  const hash = contentHash(b.manifest, b.code, b.reports);
  if (hash !== b.contentHash)
    throw invalid('the content does not match its hash: the bundle was changed after it was signed', {
      expected: b.contentHash,
      actual: hash,
    });
  const key = trusted.get(sig.keyId);
  if (!key)
    throw new IroncliwError(
      'E_BUNDLE_UNTRUSTED',
      `the bundle is signed by key ${sig.keyId}, which is not trusted here`,
      {
        details: { keyId: sig.keyId },
      },
    );
  if (!verify(null, Buffer.from(hash), key, Buffer.from(sig.value, 'base64')))
    throw invalid(`the signature does not verify with key ${sig.keyId}`, { keyId: sig.keyId });
  const manifest = validateManifest(b.manifest);
  return { capability: { manifest, code: b.code }, reports: b.reports, keyId: sig.keyId };
}
