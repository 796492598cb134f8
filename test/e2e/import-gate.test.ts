import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Capability, Pattern } from '../../src/domain/index.js';
import { frameSignature, parseCommand } from '../../src/understanding/index.js';
import { generaliseFrame } from '../../src/discovery/index.js';
import { FAMILIES, familyFor } from '../../src/generation/index.js';
import type { Ironcliw } from '../../src/ironcliw.js';
import { createIroncliw } from '../../src/ironcliw.js';
import { bucketOf } from '../../src/rollout/index.js';
import { buildServer } from '../../src/server/index.js';
import { createBundle, loadOrCreateSigningKey, publicKeyPem } from '../../src/sharing/index.js';
import { countScene, decodeImage, renderScene } from '../../src/vision/index.js';

/**
 * Issue 16 items 1-2 end to end: a signed bundle imported over HTTP is verified here (conditional:
 * imported code needs manual promotion) and is then never served outside the internal group — whatever the
 * engine's evaluations do — until a person promotes it, which is stored with who and why. Built-in ids
 * cannot be imported; an import of a learned id is a new version of it that leaves the live one in place.
 */
const API_KEY = 'test-key-0123456789';
const COMMAND = 'count the blue squares on the toolbar';

let ironcliw: Ironcliw;
let app: FastifyInstance;
let dir: string;
let capability: Capability;
let partner: ReturnType<typeof loadOrCreateSigningKey>;
let screen: Awaited<ReturnType<typeof decodeImage>>;

const post = (url: string, payload: object) =>
  app.inject({ method: 'POST', url, payload, headers: { 'x-api-key': API_KEY } });
const run = (user: string, groups: string[] = []) =>
  ironcliw.processCommand(COMMAND, { user, groups }, { screen: { image: screen } });
const USERS = Array.from({ length: 400 }, (_, i) => `user${i}`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ironcliw-import-gate-'));
  const png = (
    await renderScene(countScene({ color: 'blue', shape: 'square', region: 'toolbar', count: 4, seed: 3 }))
  ).png;
  screen = await decodeImage(png);
  ironcliw = await createIroncliw(
    { db: join(dir, 'store.db'), apiKey: API_KEY, sharing: { keysDir: join(dir, 'keys') } },
    { startWorkers: false },
  );
  app = await buildServer(ironcliw);
  // The partner deployment's capability: what its template generator writes for this command.
  const { frame } = parseCommand(COMMAND);
  const g = generaliseFrame(frame);
  const at = new Date().toISOString();
  const pattern: Pattern = {
    id: 'pat_partner',
    signature: frameSignature(frame),
    frame: g.frame,
    parameters: g.parameters,
    count: 3,
    distinctUsers: 3,
    firstSeen: at,
    lastSeen: at,
    status: 'queued',
  };
  capability = familyFor(pattern, FAMILIES)!.emit(pattern, 1, []);
  partner = loadOrCreateSigningKey({ dir: mkdtempSync(join(dir, 'partner-')) });
  loadOrCreateSigningKey({ dir: join(dir, 'keys') });
  writeFileSync(join(dir, 'keys', 'trusted', 'partner.pem'), publicKeyPem(partner));
}, 120_000);

afterAll(async () => {
  await app?.close();
  await ironcliw?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('importing a signed bundle', () => {
  it('refuses a built-in id and stores nothing', async () => {
    const bundle = createBundle(
      { ...capability, manifest: { ...capability.manifest, id: 'describe-screen' } },
      [],
      partner,
    );
    const res = await post('/v1/capabilities/import', bundle);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'E_ID_RESERVED' });
    expect(await ironcliw.capabilities.get('describe-screen')).toBeUndefined();
    expect(await ironcliw.store.events.list({ capabilityId: 'describe-screen' })).toEqual([]);
  });

  it('is served to the internal group only until a person promotes it', async () => {
    const id = capability.manifest.id;
    const res = await post('/v1/capabilities/import', createBundle(capability, [], partner));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      capabilityId: id,
      version: 1,
      decision: 'conditional',
      stage: 'development',
      previous: null,
    });
    expect(res.json().conditions).toContain('manual-promotion');

    // The engine judges (as its timer does every 5 s while serving): nothing moves, the refusal is stored.
    for (let i = 0; i < 3; i++) await ironcliw.rollouts.evaluate();
    expect(await ironcliw.rollouts.get(id)).toMatchObject({ stage: 'development' });
    const held = (await ironcliw.store.events.list({ capabilityId: id })).filter((e) => e.kind === 'hold');
    expect(held).toHaveLength(1);
    expect(held[0]!.reason).toContain('manual-promotion');

    let served = 0;
    for (const user of USERS) if ((await run(user)).ok) served++;
    expect(served).toBe(0);
    const insider = await run('ines', ['internal']);
    expect(insider.ok && insider.result.data).toMatchObject({ count: 4 });

    const status = (await app.inject({ method: 'GET', url: `/v1/rollouts/${id}` })).json();
    expect(status.gate.needsPerson).toContain('a person must promote v1');

    // A person promotes over the API (the dashboard's path): stored with who and why.
    const promoted = await post(`/v1/rollouts/${id}/promote`, { reason: 'read the partner code', by: 'ana' });
    expect(promoted.statusCode).toBe(200);
    expect(promoted.json()).toMatchObject({
      event: { kind: 'promote', fromStage: 'development', toStage: 'canary', actor: 'user' },
      rollout: { stage: 'canary' },
    });
    const stored = (await ironcliw.store.events.list({ capabilityId: id })).filter(
      (e) => e.kind === 'promote',
    );
    // Who: the authenticated client, with the name the caller gave (server: `<client>:<by>`).
    expect(promoted.json().event.by).toMatch(/ana$/);
    expect(stored).toEqual([expect.objectContaining({ by: promoted.json().event.by, actor: 'user' })]);
    expect(stored[0]!.reason).toContain('read the partner code');
    // Now the canary's 1% bucket gets it, and only them.
    const expected = USERS.filter((u) => bucketOf(`${id}:v1`, u) < 100);
    expect(expected.length).toBeGreaterThan(0);
    const got: string[] = [];
    for (const user of USERS) if ((await run(user)).ok) got.push(user);
    expect(got).toEqual(expected);
  }, 120_000);

  it('an import of a learned id is a new version; the live one is neither replaced nor displaced', async () => {
    const id = capability.manifest.id;
    // v1 is still rolling out (canary): an import would take its users away without anyone deciding it.
    const refused = await post('/v1/capabilities/import', createBundle(capability, [], partner));
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('E_STATE_CONFLICT');
    expect((await ironcliw.capabilities.list()).map((c) => c.manifest.version)).toEqual([1]);

    // A person takes v1 to production; then the import becomes v2 and v1 stays stable for everyone else.
    for (let i = 0; i < 10 && (await ironcliw.rollouts.get(id))!.stage !== 'production'; i++)
      await ironcliw.rollouts.promote(id, { force: true, by: 'ana', reason: 'checked' });
    const res = await post('/v1/capabilities/import', createBundle(capability, [], partner));
    expect(res.json()).toMatchObject({
      version: 2,
      stage: 'development',
      previous: { version: 1, stage: 'production' },
    });
    await ironcliw.rollouts.evaluate();
    expect(await ironcliw.rollouts.get(id)).toMatchObject({ version: 2, stage: 'development' });
    const v1 = await ironcliw.capabilities.get(id, 1);
    expect(v1?.manifest.version).toBe(1);
    for (const user of USERS.slice(0, 50)) {
      const r = await run(user);
      expect(r.ok && r.capability, user).toMatchObject({ id, version: 1 });
    }
    const insider = await run('ines', ['internal']);
    expect(insider.ok && insider.capability).toMatchObject({ id, version: 2 });
    const register = (await ironcliw.store.events.list({ capabilityId: id })).find(
      (e) => e.kind === 'register' && e.version === 2,
    );
    expect(register!.reason).toContain('v1 (production) stays the stable version');
  }, 120_000);
});
