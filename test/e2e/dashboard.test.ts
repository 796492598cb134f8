import type { FastifyInstance } from 'fastify';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ironcliw } from '../../src/ironcliw.js';
import { createIroncliw } from '../../src/ironcliw.js';
import { buildServer } from '../../src/server/index.js';
import { countScene, renderScene } from '../../src/vision/index.js';

const CHROMIUM = '/usr/bin/chromium';

// Real Chromium against a real server on loopback; reported skipped (never passed) without the browser.
describe.skipIf(!existsSync(CHROMIUM))('dashboard in Chromium', () => {
  let ironcliw: Ironcliw;
  let app: FastifyInstance;
  let url: string;
  let browser: Browser;
  let capabilityId: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ironcliw-dash-'));
    const screen = join(dir, 'toolbar.png');
    writeFileSync(
      screen,
      (
        await renderScene(
          countScene({ color: 'green', shape: 'circle', region: 'toolbar', count: 2, seed: 5 }),
        )
      ).png,
    );
    ironcliw = await createIroncliw({ db: join(dir, 'store.db') }, { startWorkers: false });
    for (const user of ['ana', 'ben', 'cleo'])
      await ironcliw.processCommand(
        'count the green circles on the toolbar',
        { user },
        { screen: { path: screen } },
      );
    await ironcliw.waitForLearning(120_000);
    const caps = await ironcliw.capabilities.list();
    expect(caps).toHaveLength(1);
    capabilityId = caps[0]!.manifest.id;
    app = await buildServer(ironcliw);
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await ironcliw?.close();
  });

  it('loads without console errors and shows the capability learned during the test', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(url);
    const row = page.locator(`tr[data-capability="${capabilityId}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('.stage').textContent()).toBe('canary');
    expect(await page.locator('#cards').textContent()).toContain('learned capabilities');
    expect(await page.locator('#patterns tbody').textContent()).toContain('count');
    await page.locator('#live').filter({ hasText: 'live' }).waitFor();

    // The capability's page: code, manifest, verification checks and the decision timeline.
    await row.locator('a').click();
    await page.locator('#d-title').filter({ hasText: capabilityId }).waitFor();
    expect(await page.locator('#d-code').textContent()).toContain('export default async function run');
    expect(await page.locator('#d-checks tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('#d-events tbody').textContent()).toContain('register');
    if (process.env['IRONCLIW_SCREENSHOT'])
      await page.screenshot({ path: process.env['IRONCLIW_SCREENSHOT'], fullPage: true });

    // A rollback clicked in the page takes effect in the API, and the page shows it.
    await page.locator('#d-actions button[data-action="rollback"]').click();
    await page.locator('#d-msg').filter({ hasText: 'rolled_back' }).waitFor();
    const status = (await (await fetch(`${url}/v1/rollouts/${capabilityId}`)).json()) as {
      rollout: { stage: string };
      events: Array<{ kind: string; actor: string; reason: string }>;
    };
    expect(status.rollout.stage).toBe('rolled_back');
    expect(status.events.at(-1)).toMatchObject({
      kind: 'rollback',
      actor: 'user',
      reason: 'rollback from the dashboard',
    });
    await page.locator('#d-events tbody').filter({ hasText: 'rollback' }).waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });
});
