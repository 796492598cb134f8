import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from './index.js';

describe('config', () => {
  it('has documented defaults and is frozen', () => {
    const c = parseConfig({});
    expect(c.db).toBe('.ironcliw/ironcliw.db');
    expect(c.discovery).toEqual({
      minOccurrences: 3,
      minDistinctUsers: 2,
      windowMs: 604_800_000,
      textSimilarity: 0.6,
      observeDelayMs: 100,
    });
    expect(Object.isFrozen(c) && Object.isFrozen(c.sandbox)).toBe(true);
  });

  it('has documented security defaults, and a client needs exactly one of key and keySha256', () => {
    const c = parseConfig({});
    expect(c.hostWork).toEqual({
      maxSdkCalls: 200,
      maxHostMs: 3000,
      decodePixelsInFlight: 48_000_000,
      decodeQueue: 16,
      decodeWaitMs: 10_000,
    });
    expect(c.server).toMatchObject({ clients: [], trustProxy: [], allowAnonymous: true, allowedOrigins: [] });
    const key = 'k'.repeat(16);
    expect(parseConfig({ server: { clients: [{ name: 'a', key }] } }).server.clients[0]).toMatchObject({
      groups: [],
      admin: false,
    });
    for (const client of [
      { name: 'a' },
      { name: 'a', key, keySha256: 'a'.repeat(64) },
      { name: 'a', key: 'short' },
    ])
      expect(() => parseConfig({ server: { clients: [client] } })).toThrow(/server\.clients\.0/);
  });

  it('rejects unknown keys, naming them', () => {
    expect(() => parseConfig({ dbb: 'x' })).toThrow(expect.objectContaining({ code: 'E_CONFIG_INVALID' }));
    expect(() => parseConfig({ sandbox: { timeout: 5 } })).toThrow(/sandbox/);
  });

  it('layers file ← env ← overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ironcliw-config-'));
    writeFileSync(
      join(dir, 'ironcliw.config.json'),
      JSON.stringify({ db: 'file.db', port: 1111, discovery: { minOccurrences: 5 } }),
    );
    const c = loadConfig({ cwd: dir, env: { IRONCLIW_PORT: '2222' }, overrides: { db: 'flag.db' } });
    expect(c.db).toBe('flag.db');
    expect(c.port).toBe(2222);
    expect(c.discovery.minOccurrences).toBe(5);
    expect(c.discovery.minDistinctUsers).toBe(2);
  });

  it('reports a broken config file with a code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ironcliw-config-'));
    writeFileSync(join(dir, 'ironcliw.config.json'), '{not json');
    expect(() => loadConfig({ cwd: dir, env: {} })).toThrow(
      expect.objectContaining({ code: 'E_CONFIG_INVALID' }),
    );
    expect(() => loadConfig({ cwd: dir, env: { IRONCLIW_PORT: 'abc' }, file: 'missing.json' })).toThrow(
      expect.objectContaining({ code: 'E_CONFIG_INVALID' }),
    );
  });
});
