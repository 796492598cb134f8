// Measures learning from demonstrations on the task pages (docs/generation.md "Show it once"): per family, a
// fresh Ironcliw over HTTP (in-process inject); after 1, 2 and 3 demonstrations (dev seeds 1..3, what a person
// would show, read from the page's DOM), success on new episodes of the test half (seeds 1001.., never tuned
// on): the command and a screenshot go to POST /v1/commands, `data.actions` are applied in Chromium, and the
// page's own reward judges. Run: npx tsx test/ui/measure-demonstrations.mts [episodes=10] [families,…]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIroncliw } from '../../src/ironcliw.js';
import { buildServer } from '../../src/server/index.js';
import { decodeImage, detectElements, emptyScene, renderScene } from '../../src/vision/index.js';
import { demonstrationFor } from './demonstrations.js';
import { launchBrowser, openTask, TASK_FAMILIES } from './harness.js';

const episodes = Number(process.argv[2] ?? 10);
const families = process.argv[3] ? process.argv[3].split(',') : TASK_FAMILIES;
const context = { user: 'ana', groups: ['internal'] };
// The operator's key: claiming groups and recording demonstrations are authenticated writes.
const KEY = 'measure-demonstrations-key';
const headers = { 'x-api-key': KEY };
const browser = await launchBrowser();
await detectElements(await decodeImage((await renderScene(emptyScene(1))).png));
const rows: Array<Record<string, unknown>> = [];
for (const family of families) {
  const dir = mkdtempSync(join(tmpdir(), 'ironcliw-measure-'));
  const ironcliw = await createIroncliw(
    { db: join(dir, 'store.db'), apiKey: KEY, pipeline: { verificationLevel: 'comprehensive' } },
    { startWorkers: false },
  );
  const app = await buildServer(ironcliw);
  const row: Record<string, unknown> = { family };
  for (const k of [1, 2, 3]) {
    const task = await openTask(browser, family, k);
    const demo = await demonstrationFor(task);
    const t0 = performance.now();
    const r = await app.inject({
      method: 'POST',
      url: '/v1/demonstrations',
      headers,
      payload: {
        command: task.instruction,
        context,
        screen: { pngBase64: (await task.screenshot()).toString('base64') },
        actions: demo!.actions,
        wait: true,
      },
    });
    await task.close();
    const status =
      r.statusCode === 200
        ? (r.json() as { status: string }).status
        : `HTTP ${r.statusCode}: ${r.body.slice(0, 200)}`;
    let ok = 0;
    const misses: string[] = [];
    for (let e = 0; e < episodes; e++) {
      const t = await openTask(browser, family, 1001 + e);
      const res = await app.inject({
        method: 'POST',
        url: '/v1/commands',
        headers,
        payload: {
          command: t.instruction,
          context,
          screen: { pngBase64: (await t.screenshot()).toString('base64') },
        },
      });
      const body = res.json() as {
        ok?: boolean;
        capability?: { id: string; origin: string };
        result?: { answer: string; data: { actions?: unknown[] } };
        failure?: { message: string };
        error?: { code: string; message: string };
      };
      if (body.ok) await t.apply(body.result!.data.actions ?? []);
      const reward = (await t.reward()) as number;
      if (reward === 1) ok++;
      else if (misses.length < 3) {
        const what =
          res.statusCode !== 200
            ? `HTTP ${res.statusCode} ${body.error?.code ?? ''} ${body.error?.message ?? res.body}`
            : body.ok
              ? `${body.capability?.origin ?? '?'} ${body.capability?.id ?? '?'}: ${body.result!.answer}`
              : `failure: ${body.failure?.message ?? '?'}`;
        misses.push(`${t.target}: ${what}`.slice(0, 220));
      }
      await t.close();
    }
    row[`after ${k}`] = `${ok}/${episodes}`;
    row[`status ${k}`] = status.slice(0, 160);
    row[`learn ms ${k}`] = Math.round(performance.now() - t0);
    if (misses.length) row[`misses ${k}`] = misses;
    console.log(JSON.stringify({ family, k, ok, episodes, status: status.slice(0, 200), misses }));
  }
  rows.push(row);
  await app.close();
  await ironcliw.close();
  rmSync(dir, { recursive: true, force: true });
}
await browser.close();
console.log(JSON.stringify(rows, null, 1));
