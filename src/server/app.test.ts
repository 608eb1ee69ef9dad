import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../config/log.js';
import type { Database } from '../store/index.js';
import { createApp } from './app.js';

const servers: Array<{ close: () => void }> = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function serve(db: Partial<Database>): Promise<string> {
  const app = createApp({
    db: { kind: 'server', location: 'test', ...db } as Database,
    log: createLogger('error', () => undefined),
    schemaVersion: 1,
    demoTenant: null,
    startedAt: new Date(),
  });
  const server = app.listen(0);
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('health', () => {
  it('answers 503 when the database does not answer', async () => {
    const url = await serve({ query: () => Promise.reject(new Error('connection refused')) });
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'unavailable', database: { reachable: false } });
  });

  it('answers 200 when it does, and 404 as JSON for unknown paths', async () => {
    const url = await serve({ query: async () => [] as never[] });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const missing = await fetch(`${url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no such page' } });
  });
});
