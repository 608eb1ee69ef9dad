import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, redactUrl } from './config.js';

describe('loadConfig', () => {
  it('defaults to the embedded database under ./.data and the demo tenant', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      dataDir: path.resolve('.data'),
      database: { kind: 'embedded', dataDir: path.resolve('.data', 'pg') },
      logLevel: 'info',
      demo: { tenant: 'demo', leads: 2000, seed: 42 },
    });
  });

  it('switches to a Postgres server when DATABASE_URL is set, and empty values count as unset', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/x', DATABASE_POOL_SIZE: '', DATABASE_SSL: 'no-verify', PORT: '' });
    expect(config.database).toEqual({ kind: 'server', url: 'postgres://u:p@db:5432/x', poolSize: 10, ssl: 'no-verify' });
    expect(config.port).toBe(3000);
  });

  it('turns the demo off with an empty DEMO_TENANT', () => {
    expect(loadConfig({ DEMO_TENANT: '' }).demo).toBeNull();
  });

  it('names every wrong variable, and never shows a password', () => {
    const env = { PORT: '70000', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://root:hunter2@db/x', DEMO_TENANT: 'Not OK' };
    expect(() => loadConfig(env)).toThrow(/PORT: .*\(got "70000"\)/);
    try {
      loadConfig(env);
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toMatch(/LOG_LEVEL: .*\(got "loud"\)/);
      expect(message).toMatch(/DATABASE_URL: expected a postgres/);
      expect(message).toMatch(/DEMO_TENANT: /);
      expect(message).not.toMatch(/hunter2/);
    }
  });
});

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('postgres://app:s3cr%40t@db.example.com:5432/leads')).toBe('postgres://app:***@db.example.com:5432/leads');
    expect(redactUrl('postgres://db.example.com/leads')).toBe('postgres://db.example.com/leads');
  });
});
