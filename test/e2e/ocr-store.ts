import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pattern } from '../../src/domain/index.js';
import { visionFamily } from '../../src/generation/index.js';
import { openStore } from '../../src/store/index.js';
import { synthesize } from '../../src/synthesis/index.js';
import { renderScene } from '../../src/vision/index.js';

/**
 * A store in which "read the title" is answered by OCR: the template generator's read-text capability (as the
 * pipeline would have generated and transformed it) at production 100%, and a screen whose title bar says
 * "Invoice Editor". Learning it through the loop would take minutes of verification on a busy machine.
 */
export async function ocrStore(dir: string): Promise<{ db: string; screen: string }> {
  const db = join(dir, 'store.db');
  const screen = join(dir, 'screen.png');
  const { png } = await renderScene({
    width: 800,
    height: 500,
    titlebar: { title: 'Invoice Editor' },
    statusbar: { text: 'Ready' },
    elements: [
      { type: 'button', label: 'Save', region: 'toolbar', x: 8, y: 8 },
      { type: 'button', label: 'Open', region: 'toolbar', x: 90, y: 8 },
      { type: 'button', label: 'Export', region: 'toolbar', x: 172, y: 8 },
    ],
  });
  writeFileSync(screen, png);
  const at = new Date().toISOString();
  const pattern: Pattern = {
    id: 'pat_read_title',
    signature: 'read:text[]@region',
    frame: { action: 'read', target: { kind: 'text' }, region: 'titlebar' },
    parameters: ['region'],
    count: 3,
    distinctUsers: 3,
    firstSeen: at,
    lastSeen: at,
    status: 'generated',
  };
  const generated = visionFamily.emit(pattern, 1, []);
  // The first OCR call of a process starts a tesseract worker (seconds on a busy machine): a roomy limit
  // keeps these tests about processes, not about how fast that start is.
  const emitted = {
    ...generated,
    manifest: { ...generated.manifest, limits: { timeoutMs: 60_000, memoryMb: 64 } },
  };
  const synthesized = synthesize(emitted.code, {
    permissions: emitted.manifest.permissions,
    inputSchema: emitted.manifest.inputSchema,
    outputSchema: emitted.manifest.outputSchema,
  });
  if (!synthesized.report.safe) throw new Error('the read-text template failed the static gate');
  const store = await openStore(db);
  try {
    await store.capabilities.put({ manifest: emitted.manifest, code: synthesized.code });
    await store.rollouts.save({
      id: 'rol_read_title',
      capabilityId: emitted.manifest.id,
      version: 1,
      stage: 'production',
      percentage: 10_000,
      rolloutKey: `${emitted.manifest.id}:v1`,
      stageEnteredAt: at,
      updatedAt: at,
    });
  } finally {
    await store.close();
  }
  return { db, screen };
}
