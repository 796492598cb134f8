import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Capability, Pattern } from '../../src/domain/index.js';
import { countShapesFamily, visionFamily } from '../../src/generation/index.js';
import type { Store } from '../../src/store/index.js';
import { openStore } from '../../src/store/index.js';
import { synthesize } from '../../src/synthesis/index.js';
import { renderScene } from '../../src/vision/index.js';

/**
 * A store for the tests about processes, with two capabilities at production 100% so no learning is needed
 * (learning them through the loop takes minutes of verification on a busy machine):
 * - "read the title" is answered by OCR: the template generator's read-text capability, generated and
 *   transformed as the pipeline would;
 * - "count the red circles" never finishes: its code spins until the sandbox's wall-time limit (60 s) —
 *   a request that is still in flight when the server is told to stop.
 * The screen's title bar says "Invoice Editor". `config` is an ironcliw.config.json next to them.
 */
export async function processStore(dir: string): Promise<{ db: string; screen: string; config: string }> {
  const db = join(dir, 'store.db');
  const screen = join(dir, 'screen.png');
  const config = join(dir, 'ironcliw.config.json');
  const { png } = await renderScene({
    width: 800,
    height: 500,
    titlebar: { title: 'Invoice Editor' },
    statusbar: { text: 'Ready' },
    elements: [
      { type: 'button', label: 'Save', region: 'toolbar', x: 8, y: 8 },
      { type: 'button', label: 'Open', region: 'toolbar', x: 90, y: 8 },
      { type: 'button', label: 'Export', region: 'toolbar', x: 172, y: 8 },
      { type: 'shape', shape: 'circle', color: 'red', region: 'content', x: 40, y: 40, size: 30 },
    ],
  });
  writeFileSync(screen, png);
  // The first OCR call of a process starts a tesseract worker (seconds on a busy machine): roomy limits keep
  // these tests about processes, not about how fast that is.
  writeFileSync(
    config,
    JSON.stringify({ sandbox: { timeoutMs: 60_000 }, sharing: { keysDir: join(dir, 'keys') } }),
  );
  const at = new Date().toISOString();
  const pattern = (signature: string, frame: Pattern['frame'], parameters: string[]): Pattern => ({
    id: `pat_${signature}`,
    signature,
    frame,
    parameters,
    count: 3,
    distinctUsers: 3,
    firstSeen: at,
    lastSeen: at,
    status: 'generated',
  });
  const roomy = (c: Capability): Capability => ({
    ...c,
    manifest: { ...c.manifest, limits: { timeoutMs: 60_000, memoryMb: 64 } },
  });
  const reader = roomy(
    visionFamily.emit(
      pattern('read:text[]@region', { action: 'read', target: { kind: 'text' }, region: 'titlebar' }, [
        'region',
      ]),
      1,
      [],
    ),
  );
  const synthesized = synthesize(reader.code, {
    permissions: reader.manifest.permissions,
    inputSchema: reader.manifest.inputSchema,
    outputSchema: reader.manifest.outputSchema,
  });
  if (!synthesized.report.safe) throw new Error('the read-text template failed the static gate');
  const counter = roomy(
    countShapesFamily.emit(
      pattern('count:shape[color,shape]', { action: 'count', target: { kind: 'shape' } }, ['color', 'shape']),
      1,
      [],
    ),
  );
  const store = await openStore(db);
  try {
    await live(store, { manifest: reader.manifest, code: synthesized.code }, at);
    // Test material, run only in the sandbox: a loop its interrupt deadline ends.
    await live(
      store,
      { manifest: counter.manifest, code: 'export default async function run() { for (;;) {} }' },
      at,
    );
  } finally {
    await store.close();
  }
  return { db, screen, config };
}

async function live(store: Store, capability: Capability, at: string): Promise<void> {
  const { id } = capability.manifest;
  await store.capabilities.put(capability);
  await store.rollouts.save({
    id: `rol_${id}`,
    capabilityId: id,
    version: 1,
    stage: 'production',
    percentage: 10_000,
    rolloutKey: `${id}:v1`,
    stageEnteredAt: at,
    updatedAt: at,
  });
}
