import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../config/log.js';
import { createVault } from '../config/secrets.js';
import { tenantId } from '../domain/index.js';
import { FolderModelSource, SHIPPED_DEFAULT_MODEL } from '../scoring/model-source.js';
import { ensureTenant, type Database } from '../store/index.js';
import { openTestDatabase } from '../../test/helpers/db.js';
import { Workers } from './workers.js';

const acme = tenantId('acme');
let db: Database;
let workers: Workers | null = null;
let dataDir: string;

beforeEach(async () => {
  db = await openTestDatabase();
  await ensureTenant(db, acme, 'Acme');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'workers-'));
});
afterEach(async () => {
  await workers?.stop();
  workers = null;
  await db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<Workers> {
  const models = new FolderModelSource({ defaultDir: SHIPPED_DEFAULT_MODEL, tenantsDir: path.join(dataDir, 'models') });
  // A poll interval far longer than the test may wait: only the wake-ups can start the jobs in time.
  workers = await Workers.start(
    { db, models, log: createLogger('error', () => undefined), vault: createVault(Buffer.alloc(32, 1)), salesforceApp: null, outDir: path.join(dataDir, 'out') },
    { pollSeconds: 120, schedules: false },
  );
  return workers;
}

async function completedWithin(jobId: string, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const rows = await db.query<{ state: string }>(`SELECT state FROM pgboss.job WHERE id = $1`, [jobId]);
    if (rows[0]?.state === 'completed') return true;
  }
  return false;
}

// The retention job: quick on an empty tenant, and it sends no follow-up jobs that could still be
// running when the test stops the workers.
describe('job workers in the process that sends the jobs', () => {
  it('start a job sent here at once, not at the next poll', async () => {
    const w = await start();
    const id = await w.enqueue('retention', acme, 'test');
    expect(id).toBeTruthy();
    expect(await completedWithin(id!, 5000)).toBe(true);
  });

  it('start a job sent to start later when it falls due', async () => {
    const w = await start();
    const id = await w.enqueue('retention', acme, 'test', 1);
    const rows = await db.query<{ state: string }>(`SELECT state FROM pgboss.job WHERE id = $1`, [id]);
    expect(rows[0]?.state).toBe('created');
    expect(await completedWithin(id!, 6000)).toBe(true);
  });
});
