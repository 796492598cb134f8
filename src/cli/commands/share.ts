import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { IroncliwError } from '../../domain/index.js';
import type { CommonOpts, RegisterCommand } from '../kit.js';
import { positiveInt, withCommon, withIroncliw } from '../kit.js';

/** `ironcliw export` / `ironcliw import`: verified capabilities travel between deployments as signed bundles. */
export const registerShare: RegisterCommand = (program, { io, setExit }) => {
  withCommon(
    program
      .command('export')
      .description('write a capability as a signed bundle, e.g. ironcliw export count-shapes --out b.json')
      .argument('[capability]', 'capability id')
      .option('--out <file>', 'bundle file to write')
      .option('--version <n>', 'version to export (default: the latest)', positiveInt('--version'))
      .option('--public-key', "print this deployment's public key (give it to whoever imports your bundles)"),
  ).action(
    async (
      id: string | undefined,
      opts: CommonOpts & { out?: string; version?: number; publicKey?: boolean },
    ) => {
      await withIroncliw(opts, async (ironcliw) => {
        const { createBundle, loadOrCreateSigningKey, publicKeyPem } = await import('../../sharing/index.js');
        const key = loadOrCreateSigningKey({ dir: ironcliw.config.sharing.keysDir });
        if (opts.publicKey) {
          const pem = publicKeyPem(key);
          io.out(opts.json ? JSON.stringify({ keyId: key.keyId, publicKey: pem }) : pem.trimEnd());
          return;
        }
        if (!id || !opts.out)
          throw new IroncliwError(
            'E_USAGE',
            'export needs a capability id and --out <file> (or --public-key)',
          );
        const cap = await ironcliw.capabilities.get(id, opts.version);
        if (!cap)
          throw new IroncliwError(
            'E_NOT_FOUND',
            `no capability "${id}"${opts.version ? ` version ${opts.version}` : ''}`,
          );
        const reports = (await ironcliw.store.reports.list(id, cap.manifest.version)).map((r) => ({
          kind: r.kind,
          at: r.at,
          report: r.report,
        }));
        const bundle = createBundle({ manifest: cap.manifest, code: cap.code }, reports, key);
        mkdirSync(dirname(opts.out), { recursive: true });
        writeFileSync(opts.out, JSON.stringify(bundle, null, 2) + '\n');
        if (opts.json)
          io.out(JSON.stringify({ out: opts.out, keyId: key.keyId, contentHash: bundle.contentHash }));
        else
          io.out(
            `wrote ${opts.out}: ${id} v${cap.manifest.version}, ${reports.length} reports, signed by key ${key.keyId}`,
          );
        setExit(0);
      });
    },
  );
};

/** `ironcliw import <bundle.json>`: verified again here; lands in development as `imported`, or is rejected. */
export const registerImport: RegisterCommand = (program, { io, setExit }) => {
  withCommon(
    program
      .command('import')
      .description('import a signed capability bundle, e.g. ironcliw import bundle.json')
      .argument('<bundle>', 'bundle file written by ironcliw export'),
  ).action(async (file: string, opts: CommonOpts) => {
    const bundle = readBundleFile(file);
    await withIroncliw(opts, async (ironcliw) => {
      const outcome = await ironcliw.importBundle(bundle);
      if (opts.json) io.out(JSON.stringify(outcome));
      else if (outcome.decision === 'reject')
        io.out(`✗ ${outcome.capabilityId} refused by verification:\n  ${outcome.reasons.join('\n  ')}`);
      else
        io.out(
          `imported ${outcome.capabilityId} v${outcome.version} (signed by ${outcome.keyId}); verification ${outcome.decision}; stage ${outcome.stage}` +
            (outcome.previous
              ? `\n  a new version of the learned ${outcome.capabilityId} (v${outcome.previous.version} ${outcome.previous.stage ?? ''})`.trimEnd()
              : '') +
            (outcome.conditions.length
              ? `\n  conditions: ${outcome.conditions.join(', ')} — a person promotes it: ironcliw rollout promote ${outcome.capabilityId} --reason "…"`
              : ''),
        );
      setExit(outcome.decision === 'reject' ? 1 : 0);
    });
  });
};

/** Reads a bundle file as JSON, with codes for the two ways it can fail. */
function readBundleFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new IroncliwError('E_INPUT_INVALID', `cannot read bundle ${file}: ${(cause as Error).message}`, {
      cause,
    });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new IroncliwError('E_BUNDLE_INVALID', `bundle ${file} is not JSON`, { cause });
  }
}
