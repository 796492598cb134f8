import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ironcliw } from '../../src/ironcliw.js';
import { createIroncliw } from '../../src/ironcliw.js';
import { main } from '../../src/cli/main.js';
import { buildServer } from '../../src/server/index.js';
import { decodeImage, detectElements, emptyScene, renderScene } from '../../src/vision/index.js';
import { launchBrowser, openTask } from '../ui/harness.js';
import { demonstrationFor } from '../ui/demonstrations.js';

const API_KEY = 'demo-key-0123456789';
const internal = { user: 'ana', groups: ['internal'] };

/**
 * Show it once, end to end over HTTP: a demonstration on one task page (one layout, one label), then a new
 * episode — another seed, so another screen and another value — served by the learned capability, its
 * `data.actions` applied in real Chromium, and the page's own reward as the judge.
 */
describe('learning from a demonstration over HTTP, judged by the task page', () => {
  let ironcliw: Ironcliw;
  let app: FastifyInstance;
  let browser: Browser;
  let dir: string;

  const post = (url: string, payload: object, key: string | null = API_KEY) =>
    app.inject({ method: 'POST', url, payload, headers: key ? { 'x-api-key': key } : {} });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ironcliw-demo-'));
    browser = (await launchBrowser()) as Browser;
    ironcliw = await createIroncliw(
      {
        db: join(dir, 'store.db'),
        apiKey: API_KEY,
        pipeline: { verificationLevel: 'comprehensive' },
      },
      { startWorkers: false },
    );
    app = await buildServer(ironcliw);
    // The element detector's first call starts its OCR (seconds on a busy machine): done here, so the 5 s limit
    // of a learned capability's runs in verification measures the capability, not that start-up.
    await detectElements(await decodeImage((await renderScene(emptyScene(1))).png));
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await ironcliw?.close();
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Demonstrates a task episode over HTTP (waiting for learning) and returns the response body. */
  async function demonstrate(family: string, seed: number) {
    const task = await openTask(browser, family, seed);
    try {
      const demo = (await demonstrationFor(task))!;
      const r = await post('/v1/demonstrations', {
        command: task.instruction,
        context: internal,
        screen: { pngBase64: (await task.screenshot()).toString('base64') },
        actions: demo.actions,
        wait: true,
      });
      expect(r.statusCode, r.body).toBe(200);
      return r.json() as { status: string; patternId: string; demonstrations: number; recorded: boolean };
    } finally {
      await task.close();
    }
  }

  /** Runs a new episode through POST /v1/commands and applies the answer in Chromium: the page's reward. */
  async function episode(family: string, seed: number) {
    const task = await openTask(browser, family, seed);
    try {
      const r = await post('/v1/commands', {
        command: task.instruction,
        context: internal,
        screen: { pngBase64: (await task.screenshot()).toString('base64') },
      });
      const body = r.json() as {
        ok: boolean;
        capability?: { id: string };
        result?: { data: { actions?: unknown[] } };
      };
      if (body.ok) await task.apply(body.result!.data.actions ?? []);
      return {
        body,
        reward: (await task.reward()) as number,
        task: { instruction: task.instruction, target: task.target },
      };
    } finally {
      await task.close();
    }
  }

  it('clicks a named button: shown once on one page, served on another page with another label', async () => {
    const first = await demonstrate('click-button', 1);
    expect(first).toMatchObject({ recorded: true, demonstrations: 1 });
    expect(first.status).toMatch(/^learned: demo-click-button-label v1$/);
    // Another seed: other buttons, another layout, another label in the sentence.
    const shown = await openTask(browser, 'click-button', 1);
    const target = shown.target;
    await shown.close();
    let checked = 0;
    // Seeds whose target button the element detector reads (on 102, 103 and 106 it misses it: a detector
    // matter, measured per family in docs/generation.md, not this test's subject).
    for (const seed of [101, 104, 105]) {
      const e = await episode('click-button', seed);
      if (e.task.target === target) continue;
      expect(e.body.ok, JSON.stringify(e.body)).toBe(true);
      expect(e.body.capability?.id).toBe('demo-click-button-label');
      expect(e.reward, `${e.task.instruction} → ${JSON.stringify(e.body.result?.data.actions)}`).toBe(1);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(2);
    // The learned version's evidence: the register decision says what was learned, from how many.
    const events = await ironcliw.store.events.list({ capabilityId: 'demo-click-button-label' });
    const register = events.find((e) => e.kind === 'register');
    expect(register?.reason).toMatch(
      /learned from 1 demonstration\(s\): click the .*labelled the command's label/,
    );
    expect(register?.numbers.demonstrations).toBe(1);
  }, 300_000);

  it('types the quoted text into the field and submits, for another name on another layout', async () => {
    // "…and press Submit" names the button too: the button's label from the command and "the only button" fit
    // equally and would differ elsewhere, so Ironcliw asks for more until demonstrations.askUntil (3).
    let shown = await demonstrate('enter-text', 1);
    for (let seed = 2; seed <= 3 && !shown.status.startsWith('learned: '); seed++) {
      expect(shown.status).toMatch(/^needs another demonstration: 2 programs fit/);
      shown = await demonstrate('enter-text', seed);
    }
    expect(shown.status).toMatch(/^learned: /);
    for (const seed of [201, 202]) {
      const e = await episode('enter-text', seed);
      expect(e.body.ok, JSON.stringify(e.body)).toBe(true);
      expect(e.reward, `${e.task.instruction} → ${JSON.stringify(e.body.result?.data.actions)}`).toBe(1);
    }
  }, 300_000);

  it('library: ironcliw.demonstrate a list of 3 boxes once; a list of 2 other names on another page is served', async () => {
    // Through the library (`ironcliw.demonstrate`, `ironcliw.processCommand`), not HTTP: the same learning.
    const shown = await openTask(browser, 'click-checkboxes', 1);
    let outcome;
    try {
      expect(shown.instruction).toBe('Select Plum, Dublin and Madrid and click Submit.');
      outcome = await ironcliw.demonstrate(shown.instruction, internal, {
        screen: { bytes: await shown.screenshot() },
        actions: (await demonstrationFor(shown))!.actions,
        wait: true,
      });
    } finally {
      await shown.close();
    }
    expect(outcome).toMatchObject({ recorded: true, demonstrations: 1 });
    expect(outcome.status).toBe('learned: demo-seq-select-element-label-click-element-label v1');
    const pattern = await ironcliw.store.patterns.get(outcome.patternId);
    expect(pattern?.signature).toBe('seq(select:element[label]*|click:element[label]*)');
    const task = await openTask(browser, 'click-checkboxes', 3);
    try {
      // Two other names, another layout: the loop clicks each named box, then Submit.
      expect(task.instruction).toBe('Select Madrid and Pear and click Submit.');
      const r = await ironcliw.processCommand(task.instruction, internal, {
        screen: { bytes: await task.screenshot() },
      });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      if (!r.ok) return;
      expect(r.capability.id).toBe('demo-seq-select-element-label-click-element-label');
      const actions = (r.result.data as { actions: unknown[] }).actions;
      expect(actions).toHaveLength(3);
      await task.apply(actions);
      expect(await task.reward(), JSON.stringify(actions)).toBe(1);
    } finally {
      await task.close();
    }
  }, 300_000);

  it('dashboard: a failed command opened on its kept screen, clicked on and sent, then served on other pages', async () => {
    // The failure, with its uploaded screen (kept for demonstrations.screenRetentionMs).
    const shown = await openTask(browser, 'click-link', 1);
    const demo = (await demonstrationFor(shown))!;
    const failed = await post('/v1/commands', {
      command: shown.instruction,
      context: internal,
      screen: { pngBase64: (await shown.screenshot()).toString('base64') },
    });
    await shown.close();
    const failure = (failed.json() as { ok: boolean; failure: { id: string } }).failure;
    expect(failure?.id, failed.body).toBeDefined();
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const page = await browser.newPage();
    try {
      await page.addInitScript({
        content: `localStorage.setItem('ironcliw-api-key', ${JSON.stringify(API_KEY)})`,
      });
      await page.goto(`${url}/dashboard/demonstrate.html?failure=${encodeURIComponent(failure.id)}`);
      await page.waitForFunction(
        "document.querySelector('#img') && document.querySelector('#img').naturalWidth > 0",
      );
      // Click on the screenshot where the link is, as a person would (the page maps it to screen pixels).
      const size = (await page.evaluate(
        "(() => { const i = document.querySelector('#img'); return { w: i.clientWidth, h: i.clientHeight, nw: i.naturalWidth, nh: i.naturalHeight }; })()",
      )) as { w: number; h: number; nw: number; nh: number };
      for (const a of demo.actions as Array<{ type: string; x: number; y: number }>)
        await page.click('#img', { position: { x: (a.x * size.w) / size.nw, y: (a.y * size.h) / size.nh } });
      await page.click('#send');
      await page.waitForFunction("!/^learning/.test(document.querySelector('#msg').textContent)", null, {
        timeout: 240_000,
      });
      expect(await page.textContent('#msg')).toMatch(
        /^learned: demo-click-\S+ v1 \(1 demonstration\(s\) of this pattern\)$/,
      );
    } finally {
      await page.close();
    }
    // Other pages, other link labels: each is served by what was learned, and either clicks the named link or
    // says it could not find it (the detector does not report every label: docs/generation.md, per family).
    let rewarded = 0;
    for (const seed of [101, 102, 103, 104, 105]) {
      const e = await episode('click-link', seed);
      expect(e.body.ok, JSON.stringify(e.body)).toBe(true);
      expect(e.body.capability?.id).toMatch(/^demo-click-/);
      expect(e.reward, `${e.task.instruction} → ${JSON.stringify(e.body.result?.data.actions)}`).not.toBe(-1);
      if (e.reward === 1) rewarded++;
    }
    expect(rewarded).toBeGreaterThanOrEqual(2);
  }, 300_000);

  it('CLI: teach --demo on one screen file, then run on another screen with another label is served', async () => {
    const db = join(dir, 'cli.db');
    const cli = async (...argv: string[]) => {
      let out = '';
      const code = await main([...argv, '--db', db, '--json'], {
        out: (t) => (out += t),
        err: () => undefined,
      });
      return { code, json: JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, unknown> };
    };
    const shown = await openTask(browser, 'click-button', 1);
    const demoScreen = join(dir, 'cli-demo.png');
    writeFileSync(demoScreen, await shown.screenshot());
    const actions = (await demonstrationFor(shown))!.actions;
    const target = shown.target;
    const instruction = shown.instruction;
    await shown.close();
    const taught = await cli(
      'teach',
      instruction,
      '--screen',
      demoScreen,
      '--demo',
      JSON.stringify({ actions }),
      '--user',
      'ana',
      '--groups',
      'internal',
    );
    expect(taught.code, JSON.stringify(taught.json)).toBe(0);
    expect(taught.json.status).toBe('learned: demo-click-button-label v1');
    let checked = 0;
    for (const seed of [101, 104, 105]) {
      const task = await openTask(browser, 'click-button', seed);
      try {
        if (task.target === target) continue;
        const screenFile = join(dir, `cli-${seed}.png`);
        writeFileSync(screenFile, await task.screenshot());
        const r = await cli(
          'run',
          task.instruction,
          '--screen',
          screenFile,
          '--user',
          'ana',
          '--groups',
          'internal',
        );
        const body = r.json as {
          ok: boolean;
          capability?: { id: string };
          result?: { data: { actions: unknown[] } };
        };
        expect(body.ok, JSON.stringify(body)).toBe(true);
        expect(body.capability?.id).toBe('demo-click-button-label');
        await task.apply(body.result!.data.actions);
        expect(
          await task.reward(),
          `${task.instruction} → ${JSON.stringify(body.result!.data.actions)}`,
        ).toBe(1);
        checked++;
      } finally {
        await task.close();
      }
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  }, 300_000);

  it('refuses a demonstration without the API key, and bad actions with E_INPUT_INVALID, storing nothing', async () => {
    const task = await openTask(browser, 'click-button', 7);
    const pngBase64 = (await task.screenshot()).toString('base64');
    await task.close();
    const before = (await ironcliw.store.demonstrations.list({})).length;
    const payload = {
      command: task.instruction,
      screen: { pngBase64 },
      actions: [{ type: 'click', x: 10, y: 10 }],
    };
    const noKey = await post('/v1/demonstrations', payload, null);
    expect(noKey.statusCode).toBe(401);
    expect(noKey.json()).toMatchObject({ error: { code: 'E_UNAUTHORIZED' } });
    const outside = await post('/v1/demonstrations', {
      ...payload,
      actions: [{ type: 'click', x: 500, y: 10 }],
    });
    expect(outside.statusCode).toBe(400);
    expect(outside.json().error.message).toMatch(/outside the 160×210 screen/);
    const nothing = await post('/v1/demonstrations', { command: task.instruction, screen: { pngBase64 } });
    expect(nothing.json()).toMatchObject({ error: { code: 'E_INPUT_INVALID' } });
    expect((await ironcliw.store.demonstrations.list({})).length).toBe(before);
  }, 120_000);
});
