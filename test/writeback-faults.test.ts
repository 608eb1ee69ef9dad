/**
 * Writeback under faults, with worker processes (`leadscore worker`) sharing a Postgres server
 * and the CRM emulator in its own process: a worker killed with SIGKILL in the middle of a batch,
 * two workers at once, a CRM outage and a storm of limit errors. Every score must land, none twice
 * except the batch in flight when a worker died (repeated with the same values), none older after
 * newer. Needs the Postgres server (TEST_DATABASE_URL's, or 127.0.0.1:5432); each run makes a
 * database of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/config/log.js';
import { createVault } from '../src/config/secrets.js';
import type { Lead, TenantId } from '../src/domain/index.js';
import { ensureTenant, listDeadLetters, migrate, openPostgres, saveConnection, upsertLeads, type Database } from '../src/store/index.js';
import { FolderModelSource, SHIPPED_DEFAULT_MODEL } from '../src/scoring/model-source.js';
import { Workers } from '../src/workers/workers.js';
import { CrmEmulator } from './helpers/emulator.js';
import { blankLead } from './helpers/leads.js';

const server = (process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres').replace(/\/[^/]*$/, '');
const reachable = await (async () => {
  const client = new pg.Client({ connectionString: `${server}/postgres`, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
})();

const KEY = randomBytes(32).toString('base64');
const root = path.resolve(import.meta.dirname, '..');
const name = `leadscore_faults_${process.pid}_${randomBytes(3).toString('hex')}`;
const url = `${server}/${name}`;
let db: Database;
let emulator: CrmEmulator;
let sender: Workers;
let dataDir: string;
const workers: ChildProcess[] = [];

const lead = (id: string): Lead => blankLead(id, { createdAt: new Date('2026-01-01T00:00:00Z') });
const leadId = (tenant: string, i: number) => `00Q${tenant.slice(0, 3)}${String(i).padStart(12, '0')}`;

/** A tenant with a Salesforce org (the emulator) and `n` leads, each with a score write waiting; every third has an older one too. */
async function tenantWithWrites(tenant: TenantId, n: number): Promise<void> {
  await ensureTenant(db, tenant, tenant);
  const vault = createVault(Buffer.from(KEY, 'base64'));
  const tokens = { accessToken: 'emulator-token', refreshToken: null, instanceUrl: emulator.url, loginUrl: 'https://login.salesforce.com', orgId: '00D000000000001EAA', userId: '005000000000001AAA', issuedAt: '0' };
  await saveConnection(db, tenant, { id: `sf-${tenant}`, kind: 'salesforce', externalAccountId: tokens.orgId, status: 'active', settings: {}, credentials: vault.seal(tokens) });
  const ids = Array.from({ length: n }, (_, i) => leadId(tenant, i));
  await upsertLeads(db, tenant, ids.map(lead), `salesforce:${tokens.orgId}`);
  const payload = (score: number) => ({ status: 'scored', composite: score, fit: 50, engagement: 50, grade: 'B2', tier: 'Warm', reasons: 'Director-level title', nextAction: 'Call', scoredAt: '2026-06-30T00:00:00.000Z', modelVersion: 'm1' });
  const rows = [...ids.filter((_, i) => i % 3 === 0).map((id) => ({ id, p: payload(1) })), ...ids.map((id, i) => ({ id, p: payload(10 + (i % 80)) }))];
  await db.query(`INSERT INTO outbox (tenant_id, lead_id, kind, payload) SELECT $1, r.id, 'score', r.p FROM jsonb_to_recordset($2::jsonb) AS r(id text, p jsonb, n int) ORDER BY r.n`, [
    tenant,
    JSON.stringify(rows.map((r, n) => ({ ...r, n }))),
  ]);
}

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, [path.join(root, 'bin/leadscore.js'), 'worker'], {
    env: { ...process.env, DATABASE_URL: url, LEADSCORE_ENCRYPTION_KEY: KEY, DATA_DIR: dataDir, SALESFORCE_CLIENT_ID: 'emulator-app', WRITEBACK_LEASE_MS: '2000', WORKER_SCHEDULES: 'off', SALESFORCE_REALTIME: 'off', LOG_LEVEL: process.env.FAULTS_LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  workers.push(child);
  return child;
}

async function until(what: string, check: () => Promise<boolean>, seconds = 90): Promise<void> {
  for (const started = Date.now(); !(await check()); ) {
    if (Date.now() - started > seconds * 1000) throw new Error(`waited ${seconds} s for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const pending = async (tenant: TenantId) => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE tenant_id = $1 AND sent_at IS NULL AND failed_at IS NULL`, [tenant]))[0]!.n;

/** Every lead's last write is its newest score, and a lead written more than once got the same values each time. */
async function expectLanded(tenant: TenantId, n: number): Promise<{ repeated: number }> {
  const state = await emulator.state();
  const byLead = new Map<string, Array<Record<string, unknown>>>();
  for (const w of state.writes) if (w.id.startsWith(`00Q${tenant.slice(0, 3)}`)) byLead.set(w.id, [...(byLead.get(w.id) ?? []), w.fields]);
  expect(byLead.size).toBe(n);
  let repeated = 0;
  for (let i = 0; i < n; i++) {
    const writes = byLead.get(leadId(tenant, i))!;
    expect(writes.at(-1)!.Leadscore_Score__c).toBe(10 + (i % 80));
    if (writes.length > 1) repeated++;
    for (const w of writes) expect(w).toEqual(writes[0]);
  }
  return { repeated };
}

describe.skipIf(!reachable)('writeback with worker processes, a Postgres server and the CRM emulator', () => {
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: `${server}/postgres` });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    db = openPostgres({ url, poolSize: 4, ssl: 'off' });
    await migrate(db);
    emulator = await CrmEmulator.start();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-'));
    const models = new FolderModelSource({ defaultDir: SHIPPED_DEFAULT_MODEL, tenantsDir: path.join(dataDir, 'models') });
    sender = await Workers.start({ db, models, log: createLogger('error', () => undefined), vault: createVault(Buffer.from(KEY, 'base64')), salesforceApp: null, outDir: path.join(dataDir, 'out') }, { work: false });
  });

  beforeEach(async () => {
    await emulator.reset();
  });

  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await sender?.stop();
    await emulator?.stop();
    await db?.close();
    const admin = new pg.Client({ connectionString: `${server}/postgres` });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('a worker killed in the middle of a batch: its rows are taken over, every score lands, only the batch in flight is repeated', async () => {
    const tenant = 'killed' as TenantId;
    await tenantWithWrites(tenant, 3000);
    await emulator.configure({ latencyMs: 150 });
    const first = startWorker();
    await sender.enqueue('writeback', tenant, 'test');
    await until('the first calls', async () => (await emulator.state()).calls >= 3, 60);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    await emulator.configure({ latencyMs: 0 });
    startWorker();
    await sender.enqueue('writeback', tenant, 'test after the kill');
    await until('every write settled', async () => (await pending(tenant)) === 0);
    const { repeated } = await expectLanded(tenant, 3000);
    // At most the batches that were in flight (4 at once, 200 records each) are sent twice.
    expect(repeated).toBeLessThanOrEqual(800);
    expect(await listDeadLetters(db, tenant)).toEqual([]);
  }, 120_000);

  it('two workers at once: every score lands exactly once', async () => {
    const tenants = ['alpha', 'bravo', 'charlie'] as TenantId[];
    for (const t of tenants) await tenantWithWrites(t, 1000);
    await emulator.configure({ latencyMs: 10 });
    startWorker();
    startWorker();
    for (const t of tenants) await sender.enqueue('writeback', t, 'test');
    for (const t of tenants) await until(`${t} settled`, async () => (await pending(t)) === 0);
    for (const t of tenants) expect(await expectLanded(t, 1000)).toEqual({ repeated: 0 });
    expect((await emulator.state()).rejectedBatches).toBe(0);
  }, 120_000);

  it('a CRM outage and a storm of limit errors: everything lands afterwards, nothing is lost or dead-lettered', async () => {
    const tenant = 'outage' as TenantId;
    await tenantWithWrites(tenant, 2000);
    await emulator.configure({ outageMs: 4000, limit: { calls: 3, perMs: 1000 } });
    startWorker();
    await sender.enqueue('writeback', tenant, 'test');
    await until('every write settled', async () => (await pending(tenant)) === 0, 110);
    expect(await expectLanded(tenant, 2000)).toEqual({ repeated: 0 });
    const state = await emulator.state();
    expect(state.failed).toBeGreaterThan(0);
    expect(state.limited).toBeGreaterThan(0);
    expect(await listDeadLetters(db, tenant)).toEqual([]);
  }, 120_000);
});
