/* global window */
// The UI harness: render interface pages in real Chromium, screenshot them, apply Ironcliw's actions to them,
// and read what the page says happened. Used by the vision tests, the demonstration tests and the vision bench.
//
//   import { launchBrowser, renderCorpusPage, openTask, TASK_FAMILIES } from '../../test/ui/harness.js';
//   const browser = await launchBrowser();                    // headless Chromium (/usr/bin/chromium)
//   const { png, truth } = await renderCorpusPage(browser, 7, { scale: 2 });
//       // png: Buffer (screenshot, device pixels); truth.elements[{kind, text, bbox, state, occluded}] in the
//       // same pixels; truth.half 'dev' | 'test' (never tune on 'test')
//   const task = await openTask(browser, 'click-button', 3, { scale: 1 });
//   task.instruction                                           // 'Click on the "Save" button.'
//   const shot = await task.screenshot();                      // PNG Buffer, 160×210 × scale
//   await task.apply([{ type: 'click', x: 40, y: 80 }]);       // Ironcliw's data.actions, in screenshot pixels
//   await task.reward();                                       // 1 done, -1 done wrong, 0 not done (page's own)
//   await task.close(); await browser.close();
//
// Actions are {type:'click', x, y, button?: 'right'} | {type:'hover', x, y} | {type:'drag', x, y, to: {x, y}} |
// {type:'type', text} |
// {type:'press', keys} as in `data.actions`
// (keys: '+'-joined chords such as 'ctrl+a' or 'Return', several separated by spaces).
import { corpusPage, CORPUS_SIZE, LAYOUTS, STYLES } from '../fixtures/ui/corpus.js';
import { TASK_FAMILIES, TASK_HEIGHT, TASK_WIDTH, taskPage } from '../fixtures/ui/tasks.js';
import { domTruth } from '../fixtures/ui/truth.js';

export { corpusPage, CORPUS_SIZE, LAYOUTS, STYLES, TASK_FAMILIES, taskPage };
export const CHROMIUM = '/usr/bin/chromium';

/** Headless Chromium through playwright-core. */
export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
}

const scaleRect = (b, s) => ({ x: b.x * s, y: b.y * s, width: b.width * s, height: b.height * s });

/**
 * Corpus page `index` rendered at `scale` (device pixels per CSS pixel): its screenshot and the DOM's truth,
 * boxes in screenshot pixels.
 */
export async function renderCorpusPage(browser, index, { scale = 1 } = {}) {
  const meta = corpusPage(index);
  const page = await browser.newPage({
    viewport: { width: meta.width, height: meta.height },
    deviceScaleFactor: scale,
  });
  try {
    await page.setContent(meta.html);
    const t = await page.evaluate(domTruth);
    const png = await page.screenshot({ type: 'png' });
    const elements = t.elements.map((e) => ({ ...e, bbox: scaleRect(e.bbox, scale) }));
    return {
      png,
      truth: { ...t, width: meta.width * scale, height: meta.height * scale, scale, elements },
      meta: { index, style: meta.style, layout: meta.layout, half: meta.half, scale },
    };
  } finally {
    await page.close();
  }
}

/** Maps a chord such as 'ctrl+shift+a' or 'Return' to Playwright's key names. */
function chord(keys) {
  const names = {
    ctrl: 'Control',
    control: 'Control',
    shift: 'Shift',
    alt: 'Alt',
    meta: 'Meta',
    super: 'Meta',
    return: 'Enter',
    enter: 'Enter',
    esc: 'Escape',
    escape: 'Escape',
    tab: 'Tab',
    backspace: 'Backspace',
    delete: 'Delete',
    space: 'Space',
    up: 'ArrowUp',
    down: 'ArrowDown',
    left: 'ArrowLeft',
    right: 'ArrowRight',
  };
  return keys
    .split('+')
    .map((k) => names[k.toLowerCase()] ?? (k.length === 1 ? k : k[0].toUpperCase() + k.slice(1)))
    .join('+');
}

/** Applies Ironcliw's `data.actions` (screenshot pixels) to a Playwright page shown at `scale`. */
export async function applyActions(page, actions, scale = 1) {
  for (const a of actions ?? []) {
    if (a.type === 'click')
      await page.mouse.click(a.x / scale, a.y / scale, a.button === 'right' ? { button: 'right' } : {});
    else if (a.type === 'hover') await page.mouse.move(a.x / scale, a.y / scale);
    else if (a.type === 'drag') {
      await page.mouse.move(a.x / scale, a.y / scale);
      await page.mouse.down();
      // In steps, so the page sees the pointer travel with the button held (mousemove / dragover on the way).
      await page.mouse.move(a.to.x / scale, a.to.y / scale, { steps: 5 });
      await page.mouse.up();
    } else if (a.type === 'type') await page.keyboard.type(a.text);
    else if (a.type === 'press')
      for (const c of a.keys.split(/\s+/).filter(Boolean)) await page.keyboard.press(chord(c));
    else throw new Error(`unknown action type ${JSON.stringify(a.type)}`);
  }
}

/** Opens task page `family`/`seed` at `scale`. */
export async function openTask(browser, family, seed, { scale = 1 } = {}) {
  const t = taskPage(family, seed);
  const page = await browser.newPage({
    viewport: { width: TASK_WIDTH, height: TASK_HEIGHT },
    deviceScaleFactor: scale,
  });
  await page.setContent(t.html);
  return {
    family,
    seed,
    scale,
    instruction: t.instruction,
    /** What the task asks for (the button/link/tab label, the text to type, the count…), for test messages. */
    target: t.target,
    page,
    screenshot: () => page.screenshot({ type: 'png' }),
    apply: (actions) => applyActions(page, actions, scale),
    reward: () => page.evaluate(() => window.__reward),
    /** Clicks the page saw ({type, x, y, target}, CSS pixels), for messages when a task fails. */
    events: () => page.evaluate(() => window.__events),
    truth: async () => {
      const tr = await page.evaluate(domTruth);
      return { ...tr, elements: tr.elements.map((e) => ({ ...e, bbox: scaleRect(e.bbox, scale) })) };
    },
    close: () => page.close(),
  };
}
