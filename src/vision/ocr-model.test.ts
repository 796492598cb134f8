import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { OCR_LANG_PATH } from './index.js';

/**
 * The vendored OCR model (vendor/tessdata-fast): the file is the one its README names, and OCR reads text with
 * it in a process that has no network at all, so nothing is fetched at run time.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const vendor = join(root, 'vendor', 'tessdata-fast');
const readme = readFileSync(join(vendor, 'README.md'), 'utf8');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** The checksum the README gives in the table row whose first cell starts with `row`. */
const stated = (row: string) => {
  const line = readme.split('\n').find((l) => l.startsWith(`| sha256 of \`${row}\``));
  return /`([0-9a-f]{64})`/.exec(line ?? '')?.[1];
};

/** Whether this machine lets a process run in a network namespace of its own (root, or user namespaces). */
const canIsolate = spawnSync('unshare', ['-n', 'true']).status === 0;

describe('the vendored OCR model', () => {
  it('is the file its README names, and OCR points at it', () => {
    const gz = readFileSync(join(vendor, 'eng.traineddata.gz'));
    expect(stated('eng.traineddata.gz')).toMatch(/^[0-9a-f]{64}$/);
    expect(sha256(gz)).toBe(stated('eng.traineddata.gz'));
    const model = gunzipSync(gz);
    expect(sha256(model)).toBe(stated('eng.traineddata'));
    // tessdata_fast: LSTM components only (the legacy engine's tables would make it ≈ 23 MB).
    expect(model.length).toBe(4_113_088);
    expect(OCR_LANG_PATH).toBe(vendor.replace(/[/\\]$/, ''));
  });

  it.skipIf(!canIsolate)(
    'reads text in a process without a network (unshare -n: not even a resolver)',
    () => {
      // CommonJS (`-e`'s default) with a dynamic import: `--input-type` would pass on to the OCR worker threads.
      const script = `(async () => {
        const v = await import(${JSON.stringify(join(root, 'src/vision/index.ts'))});
        const net = await fetch('http://example.invalid/').then(() => 'reachable', () => 'unreachable');
        const r = await v.renderScene({
          width: 480, height: 200, theme: 'light',
          titlebar: { title: 'Offline model check' },
          elements: [{ type: 'text', text: 'Invoice 2024-0117 is overdue', x: 20, y: 60, size: 16 }],
        });
        const { text } = await v.readText(await v.decodeImage(r.png));
        await v.closeOcr();
        console.log(JSON.stringify({ net, text }));
      })();`;
      const out = execFileSync('unshare', ['-n', process.execPath, '--import', 'tsx', '-e', script], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      });
      const got = JSON.parse(out.trim().split('\n').pop()!) as { net: string; text: string };
      expect(got.net).toBe('unreachable');
      expect(got.text).toContain('Offline model check');
      expect(got.text).toContain('Invoice 2024-0117 is overdue');
    },
    90_000,
  );
});
