import { OpenFeature } from '@openfeature/server-sdk';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ironcliw } from '../../src/ironcliw.js';
import { createIroncliw } from '../../src/ironcliw.js';
import { buildServer } from '../../src/server/index.js';
import { createBundle, loadOrCreateSigningKey, publicKeyPem } from '../../src/sharing/index.js';
import { countScene, renderScene } from '../../src/vision/index.js';

const API_KEY = 'test-key-0123456789';

/**
 * The service end to end over HTTP (in-process inject): learn a capability from failures, serve it, take
 * feedback, verify it on demand, move its rollout by hand behind the API key, export and import it.
 */
describe('the service: learning, rollout, feedback, verification and sharing over HTTP', () => {
  let ironcliw: Ironcliw;
  let app: FastifyInstance;
  let dir: string;
  let pngBase64: string;
  const id = 'count-shapes-by-color-shape-in-region';

  const command = (command: string, user: string, groups: string[] = []) =>
    app.inject({
      method: 'POST',
      url: '/v1/commands',
      payload: { command, context: { user, groups }, screen: { pngBase64 } },
      // The operator's key vouches for the users and groups it names (docs/security.md).
      headers: { 'x-api-key': API_KEY },
    });
  const post = (url: string, payload: object, key: string | null = API_KEY) =>
    app.inject({ method: 'POST', url, payload, headers: key ? { 'x-api-key': key } : {} });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ironcliw-svc-'));
    const png = (
      await renderScene(countScene({ color: 'blue', shape: 'square', region: 'toolbar', count: 4, seed: 3 }))
    ).png;
    pngBase64 = png.toString('base64');
    writeFileSync(join(dir, 'screen.png'), png);
    ironcliw = await createIroncliw(
      {
        db: join(dir, 'store.db'),
        apiKey: API_KEY,
        sharing: { keysDir: join(dir, 'keys') },
        // A missed latency budget on a busy machine makes the version conditional, which the rollout gate
        // holds in development for a person (issue 16): latency is judged by npm run bench, not here.
        verification: { p99BudgetMs: 60_000 },
      },
      { startWorkers: false },
    );
    app = await buildServer(ironcliw);
    for (const user of ['ana', 'ben', 'cleo']) {
      const r = await command('count the blue squares on the toolbar', user);
      expect(r.json()).toMatchObject({ ok: false, failure: { category: 'missing_handler' } });
    }
    await ironcliw.waitForLearning(120_000);
  }, 180_000);

  afterAll(async () => {
    await OpenFeature.close();
    await app?.close();
    await ironcliw?.close();
  });

  it('serves the learned capability to the internal group with the right count, and stores its evidence', async () => {
    const r = await command('count the blue squares on the toolbar', 'dana', ['internal']);
    expect(r.json()).toMatchObject({
      ok: true,
      capability: { id, version: 1 },
      result: { data: { count: 4 } },
    });
    const detail = (await app.inject({ method: 'GET', url: `/v1/capabilities/${id}` })).json();
    const kinds = new Set(detail.reports.map((x: { kind: string }) => x.kind));
    expect([...kinds].sort()).toEqual(['benchmark', 'sandbox', 'synthesis', 'verification']);
    const verification = detail.reports.find((x: { kind: string }) => x.kind === 'verification').report;
    expect(verification.level).toBe('production');
    const svg = await app.inject({ method: 'GET', url: `/v1/capabilities/${id}/plots/latency.svg` });
    expect(svg.statusCode).toBe(200);
    expect(svg.headers['content-type']).toContain('image/svg+xml');
    expect(svg.body.startsWith('<svg')).toBe(true);
  });

  it('exposes its rollouts to OpenFeature clients as flags', async () => {
    await OpenFeature.setProviderAndWait('service-loop', ironcliw.openFeatureProvider());
    const client = OpenFeature.getClient('service-loop');
    const internal = await client.getBooleanDetails(id, false, {
      targetingKey: 'dana',
      groups: ['internal'],
    });
    expect(internal).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
    expect(internal.flagMetadata).toMatchObject({ stage: 'canary' });
  });

  it('takes feedback once per answered request, behind the API key', async () => {
    const answered = (await command('count the blue squares on the toolbar', 'eli', ['internal'])).json();
    expect(answered.ok).toBe(true);
    const body = { requestId: answered.requestId, positive: true };
    expect((await post('/v1/feedback', body, null)).json().error.code).toBe('E_UNAUTHORIZED');
    expect((await post('/v1/feedback', body, 'wrong-key-0000000')).statusCode).toBe(401);
    expect((await post('/v1/feedback', body)).json()).toEqual({ ok: true });
    expect((await post('/v1/feedback', body)).json().error.code).toBe('E_STATE_CONFLICT');
    expect((await post('/v1/feedback', { requestId: 'req_nope', positive: false })).json().error.code).toBe(
      'E_NOT_FOUND',
    );
    const status = (await app.inject({ method: 'GET', url: `/v1/rollouts/${id}` })).json();
    expect(status.window.positive).toBe(1);
  });

  it('verifies on demand and stores the report', async () => {
    const res = await post(`/v1/capabilities/${id}/verify`, { level: 'comprehensive' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ level: 'comprehensive', decision: 'approve' });
    expect((await post(`/v1/capabilities/${id}/verify`, { level: 'paranoid' })).statusCode).toBe(400);
    expect((await post(`/v1/capabilities/nope/verify`, { level: 'basic' })).statusCode).toBe(404);
  });

  it('moves the rollout by hand, records who and why, and a rollback withdraws it at once', async () => {
    const pause = await post(`/v1/rollouts/${id}/pause`, { reason: 'checking a report' });
    expect(pause.statusCode).toBe(200);
    expect(pause.json()).toMatchObject({
      event: { kind: 'pause', actor: 'user', reason: 'checking a report' },
    });
    expect((await post(`/v1/rollouts/${id}/resume`, {})).json().event.kind).toBe('resume');
    expect((await post(`/v1/rollouts/${id}/rollback`, {}, null)).statusCode).toBe(401);
    const rb = await post(`/v1/rollouts/${id}/rollback`, { reason: 'wrong counts reported' });
    expect(rb.json()).toMatchObject({ event: { kind: 'rollback' }, rollout: { stage: 'rolled_back' } });
    const after = (await command('count the blue squares on the toolbar', 'dana', ['internal'])).json();
    expect(after).toMatchObject({ ok: false });
    expect((await post(`/v1/rollouts/${id}/rollback`, {})).json().error.code).toBe('E_STATE_CONFLICT');
    expect((await post(`/v1/rollouts/${id}/launch`, {})).statusCode).toBe(400);
  });

  it('imports a signed bundle from a trusted deployment into development, and refuses a tampered one', async () => {
    const cap = (await ironcliw.capabilities.get(id))!;
    const partnerDir = mkdtempSync(join(tmpdir(), 'partner-keys-'));
    const partner = loadOrCreateSigningKey({ dir: partnerDir });
    const bundle = createBundle({ manifest: cap.manifest, code: cap.code }, [], partner);
    // Not trusted yet.
    expect((await post('/v1/capabilities/import', bundle)).json().error.code).toBe('E_BUNDLE_UNTRUSTED');
    writeFileSync(join(dir, 'keys', 'trusted', 'partner.pem'), publicKeyPem(partner));
    const tampered = { ...bundle, code: bundle.code.replace('count', 'count ') };
    expect((await post('/v1/capabilities/import', tampered)).json().error.code).toBe('E_BUNDLE_INVALID');
    expect((await ironcliw.capabilities.get(id))!.manifest.version).toBe(1);
    const imported = await post('/v1/capabilities/import', bundle);
    expect(imported.json()).toMatchObject({
      capabilityId: id,
      version: 2,
      stage: 'development',
      keyId: partner.keyId,
    });
    expect(['approve', 'conditional']).toContain(imported.json().decision);
    const stored = (await ironcliw.capabilities.get(id))!;
    expect(stored.manifest.origin.kind).toBe('imported');
    expect(await ironcliw.rollouts.get(id)).toMatchObject({ version: 2, stage: 'development' });
  });
});
