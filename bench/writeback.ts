/**
 * Writeback throughput: `npm run bench -- writeback [--leads N]`. N changed scores wait in the
 * outbox of a Postgres server database; the writeback drains them to the CRM emulator (its own
 * process, test/crm-emulator/server.mjs), which enforces a sliding-window call limit. Reported:
 * records a second as a share of what the limit allows (calls a second x records a call), from
 * the same run.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createVault } from '../src/config/secrets.js';
import type { TenantId } from '../src/domain/index.js';
import { hubspotAppFromEnv } from '../connectors/hubspot/index.js';
import { writebackHubspot } from '../src/crm/hubspot-writeback.js';
import { writebackSalesforce } from '../src/crm/salesforce-writeback.js';
import { ensureTenant, migrate, openPostgres, saveConnection } from '../src/store/index.js';

const root = path.resolve(import.meta.dirname, '../..');

function startEmulator(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [path.join(root, 'test/crm-emulator/server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => {
    child.stdout.once('data', (chunk: Buffer) => resolve({ url: `http://127.0.0.1:${/listening (\d+)/.exec(chunk.toString())![1]}`, stop: () => child.kill('SIGTERM') }));
  });
}

export async function benchWriteback(url: string, leads: number): Promise<Record<string, unknown>> {
  const emulator = await startEmulator();
  const db = openPostgres({ url, poolSize: 6, ssl: 'off' });
  try {
    await migrate(db);
    const key = createVault(randomBytes(32));
    const results: Record<string, unknown> = {};
    // HubSpot's public-app limit, 110 calls in any 10 seconds, for both: batches of 100 and collections of 200.
    const limit = { calls: 110, perMs: 10_000 };
    for (const run of [
      { name: 'hubspot', recordsPerCall: 100 },
      { name: 'salesforce', recordsPerCall: 200 },
    ]) {
      const tenant = `bench_${run.name}` as TenantId;
      await ensureTenant(db, tenant, tenant);
      if (run.name === 'salesforce') {
        const tokens = { accessToken: 'x', refreshToken: null, instanceUrl: emulator.url, loginUrl: 'https://login.salesforce.com', orgId: '00D000000000001EAA', userId: '005000000000001AAA', issuedAt: '0' };
        await saveConnection(db, tenant, { id: 'sf', kind: 'salesforce', externalAccountId: tokens.orgId, status: 'active', settings: {}, credentials: key.seal(tokens) });
      } else {
        const tokens = { mode: 'private', accessToken: 'pat-na1-bench', refreshToken: null, expiresAt: null, hubId: 1234567, hubDomain: 'bench.hubspot.com', scopes: [] };
        await saveConnection(db, tenant, { id: 'hubspot-1234567', kind: 'hubspot', externalAccountId: '1234567', status: 'active', settings: {}, credentials: key.seal(tokens) });
      }
      await db.query(
        `INSERT INTO leads (tenant_id, lead_id, source, created_at, attributes) SELECT $1, '00Q' || lpad(g::text, 15, '0'), $3, now(), '{}' FROM generate_series(1, $2) g`,
        // A Salesforce org's leads are sourced 'salesforce:<org id>'.
        [tenant, leads, run.name === 'salesforce' ? 'salesforce:00D000000000001EAA' : run.name],
      );
      await db.query(
        `INSERT INTO outbox (tenant_id, lead_id, kind, payload)
         SELECT $1, '00Q' || lpad(g::text, 15, '0'), 'score', jsonb_build_object('status', 'scored', 'composite', g % 100, 'fit', 50, 'engagement', 40, 'grade', 'B2', 'tier', 'Warm',
           'reasons', 'Director-level title in Operations', 'nextAction', 'Follow up within 2 business days', 'scoredAt', '2026-06-30T00:00:00Z', 'modelVersion', 'bench')
         FROM generate_series(1, $2) g`,
        [tenant, leads],
      );
      await fetch(`${emulator.url}/__admin/reset`, { method: 'POST' });
      await fetch(`${emulator.url}/__admin/config`, { method: 'POST', body: JSON.stringify({ limit }) });
      const started = performance.now();
      const report =
        run.name === 'salesforce'
          ? (await writebackSalesforce(db, key, { loginUrl: 'https://login.salesforce.com', clientId: 'bench' }, tenant, { rateLimit: { ...limit, concurrency: 4 }, maxRecords: leads }))!
          : (await writebackHubspot(db, key, hubspotAppFromEnv({ HUBSPOT_API_BASE: emulator.url, HUBSPOT_PRIVATE_APP_TOKEN: 'pat-na1-bench' }), tenant, { rateLimit: { ...limit, concurrency: 4 }, maxRecords: leads }))!;
      const seconds = (performance.now() - started) / 1000;
      const state = (await (await fetch(`${emulator.url}/__admin/state`)).json()) as { calls: number; limited: number; writes: unknown[] };
      const allowed = (limit.calls / (limit.perMs / 1000)) * run.recordsPerCall;
      const rate = report.sent / seconds;
      results[run.name] = { records: report.sent, seconds, recordsPerSecond: rate, allowedPerSecond: allowed, share: rate / allowed, calls: state.calls, refusedOverLimit: state.limited, landed: state.writes.length };
      console.log(
        `${run.name}: ${report.sent} records in ${seconds.toFixed(1)} s = ${Math.round(rate)} records/s, ${((100 * rate) / allowed).toFixed(1)}% of the ${allowed} a second that ${limit.calls} calls per ${limit.perMs / 1000} s of ${run.recordsPerCall} allow; ` +
          `${state.calls} calls, ${state.limited} refused over the limit, ${state.writes.length} records landed`,
      );
    }
    return results;
  } finally {
    await db.close();
    emulator.stop();
  }
}
