import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { OCR_LANG_PATH } from '../src/vision/ocr-workers.js';

/**
 * What the OCR diagnostics (ocr-floor-probe.ts, ocr-tesseract-probe.ts) share: a screenshot of a task page or a
 * mock-up rendered in Chromium, and a bare tesseract.js worker with the model and settings OCR uses.
 */

type Page = {
  goto(url: string): Promise<unknown>;
  screenshot(o?: object): Promise<Buffer>;
  close(): Promise<void>;
};
type Harness = {
  launchBrowser(): Promise<{ close(): Promise<void>; newPage(o: object): Promise<Page> }>;
  openTask(b: unknown, family: string, seed: number): Promise<Page>;
};

/** PNG screenshots of `family` at each seed; a family ending in .html is a test/fixtures/browser mock-up at 1920×1080. */
export async function screenshots(family: string, seeds: readonly number[]): Promise<Buffer[]> {
  const h = (await import(pathToFileURL(join(process.cwd(), 'test/ui/harness.js')).href)) as Harness;
  const browser = await h.launchBrowser();
  const out: Buffer[] = [];
  try {
    for (const seed of seeds) {
      const mockUp = family.endsWith('.html');
      const page = mockUp
        ? await browser.newPage({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1 })
        : await h.openTask(browser, family, seed);
      if (mockUp) await page.goto(pathToFileURL(join(process.cwd(), 'test/fixtures/browser', family)).href);
      out.push(await page.screenshot({ type: 'png' }));
      await page.close();
    }
  } finally {
    await browser.close();
  }
  return out;
}

export type BareWorker = {
  recognize(
    i: Buffer,
    o?: Record<string, string>,
    out?: Record<string, boolean>,
  ): Promise<{ data: { text: string; tsv: string | null } }>;
  setParameters(p: Record<string, string>): Promise<unknown>;
  terminate(): Promise<unknown>;
};

/** A tesseract.js worker with OCR's model (`OCR_LANG_PATH`) and its settings (ocr-workers.ts), nothing else. */
export async function bareWorker(): Promise<BareWorker> {
  const { createWorker } = (await import('tesseract.js')) as unknown as {
    createWorker: (lang: string, oem: number, o: Record<string, unknown>) => Promise<BareWorker>;
  };
  const w = await createWorker('eng', 1, { langPath: OCR_LANG_PATH, gzip: true, cacheMethod: 'none' });
  await w.setParameters({ tessedit_pageseg_mode: '11', user_defined_dpi: '300', tessedit_do_invert: '0' });
  return w;
}
