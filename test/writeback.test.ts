import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lead, TenantId } from '../src/domain/index.js';
import { claimDueOutbox, ensureTenant, listDeadLetters, queryAudit, requeueDeadLetters, settleWrites, upsertLeads, type Database } from '../src/store/index.js';
import { drainOutbox, RateGate, type RetryPolicy, type WritebackTarget } from '../src/writeback/index.js';
import { openTestDatabase } from './helpers/db.js';
import { FakeCrmSink } from './helpers/fake-sink.js';
import { blankLead } from './helpers/leads.js';

const tenant = 'acme' as TenantId;
const FAST: RetryPolicy = { callTries: 3, baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 };

const lead = (id: string): Lead => blankLead(id, { createdAt: new Date('2026-01-01T00:00:00Z') });

let db: Database;
let sink: FakeCrmSink;

function target(overrides: Partial<WritebackTarget> = {}): WritebackTarget {
  return {
    connectionId: 'conn-1',
    source: 'salesforce',
    sink,
    fieldsFor: (p) => ({ Score__c: p.composite as number, Tier__c: p.tier as string }),
    rateLimit: { calls: 1000, perMs: 1000, concurrency: 3 },
    ...overrides,
  };
}

/** Score writes in the outbox: [lead, composite] in order, so a later entry of a lead is its newer score. */
async function enqueue(writes: Array<[string, number]>): Promise<void> {
  await db.query(
    `INSERT INTO outbox (tenant_id, lead_id, kind, payload)
     SELECT $1, w.lead, 'score', jsonb_build_object('status', 'scored', 'composite', w.score, 'tier', 'Warm')
     FROM jsonb_to_recordset($2::jsonb) AS w(lead text, score int, n int) ORDER BY w.n`,
    [tenant, JSON.stringify(writes.map(([lead, score], n) => ({ lead, score, n })))],
  );
}

async function pendingCount(): Promise<number> {
  const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE tenant_id = $1 AND sent_at IS NULL AND failed_at IS NULL`, [tenant]);
  return rows[0]!.n;
}

beforeEach(async () => {
  db = await openTestDatabase();
  await ensureTenant(db, tenant, 'Acme');
  await upsertLeads(db, tenant, Array.from({ length: 60 }, (_, i) => lead(`L${i}`)), 'salesforce');
  await upsertLeads(db, tenant, [lead('F1')], 'file');
  sink = new FakeCrmSink(10);
});

afterEach(async () => {
  await db.close();
});

describe('drainOutbox', () => {
  it("sends each lead's newest score in batches of the CRM's maximum, retires older ones, and audits each write", async () => {
    await enqueue([
      ...Array.from({ length: 25 }, (_, i): [string, number] => [`L${i}`, 10]),
      ['L3', 40],
      ['F1', 70],
    ]);
    const report = await drainOutbox(db, tenant, target(), { holder: 'w1', retry: FAST });
    expect(report).toMatchObject({ sent: 25, failed: 0, retryLater: 0, calls: 3, superseded: 1 });
    expect(sink.records.get('L3')!.fields).toEqual({ Score__c: 40, Tier__c: 'Warm' });
    expect(sink.received.filter((r) => r.leadId === 'L3')).toHaveLength(1);
    expect(sink.records.has('F1')).toBe(false); // a lead of another source is another connection's
    expect(await pendingCount()).toBe(1);
    const superseded = await db.query<{ superseded_by: string }>(`SELECT superseded_by FROM outbox WHERE tenant_id = $1 AND lead_id = 'L3' AND superseded_by IS NOT NULL`, [tenant]);
    expect(superseded).toHaveLength(1);

    // A second run finds nothing to send: nothing is written twice.
    const again = await drainOutbox(db, tenant, target(), { holder: 'w1', retry: FAST });
    expect(again).toMatchObject({ sent: 0, calls: 0 });

    // A newer score is audited with what the CRM had before.
    await enqueue([['L3', 55]]);
    await drainOutbox(db, tenant, target(), { holder: 'w1', retry: FAST });
    const [entry] = await queryAudit(db, tenant, { recordId: 'L3', limit: 1 });
    expect(entry).toMatchObject({ action: 'field_write', outcome: 'written', before: { Score__c: 40 }, after: { Score__c: 55 }, connectionId: 'conn-1' });
    expect(entry!.cause).toMatch(/^score \d+$/);
  });

  it('puts records the CRM refuses for good on the dead-letter list, with the reason, and sends them when requeued', async () => {
    sink.refuse.add('L2');
    await enqueue([['L1', 10], ['L2', 20], ['L4', 30]]);
    const report = await drainOutbox(db, tenant, target(), { holder: 'w1', retry: FAST });
    expect(report).toMatchObject({ sent: 2, failed: 1 });
    const dead = await listDeadLetters(db, tenant);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ leadId: 'L2', source: 'salesforce' });
    expect(dead[0]!.reason).toContain('FIELD_CUSTOM_VALIDATION_EXCEPTION: tier is not allowed');
    expect((await queryAudit(db, tenant, { outcome: 'failed' }))[0]!.recordId).toBe('L2');

    sink.refuse.clear();
    expect(await requeueDeadLetters(db, tenant, [dead[0]!.id])).toEqual({ requeued: [dead[0]!.id], superseded: [] });
    expect(await drainOutbox(db, tenant, target(), { holder: 'w1', retry: FAST })).toMatchObject({ sent: 1 });
    expect(sink.records.get('L2')!.fields.Score__c).toBe(20);
    expect(await listDeadLetters(db, tenant)).toHaveLength(0);
  });

  it('retires a requeued dead letter whose lead has had a newer score written since', async () => {
    sink.refuse.add('L2');
    await enqueue([['L2', 20]]);
    await drainOutbox(db, tenant, target(), { holder: 'w1', retry: FAST });
    sink.refuse.clear();
    await enqueue([['L2', 35]]);
    await drainOutbox(db, tenant, target(), { holder: 'w1', retry: FAST });
    const [dead] = await listDeadLetters(db, tenant);
    expect(await requeueDeadLetters(db, tenant, 'all')).toEqual({ requeued: [], superseded: [dead!.id] });
    await drainOutbox(db, tenant, target(), { holder: 'w1', retry: FAST });
    expect(sink.records.get('L2')!.fields.Score__c).toBe(35);
  });

  it('keeps the records of calls that fail (a CRM outage) for a later run, without dead-lettering them', async () => {
    await enqueue(Array.from({ length: 20 }, (_, i): [string, number] => [`L${i}`, i]));
    sink.failNextCalls = 1000;
    const down = await drainOutbox(db, tenant, target(), { holder: 'w1', retry: FAST, sleep: async () => {} });
    expect(down).toMatchObject({ sent: 0, failed: 0, retryLater: 20 });
    expect(down.errors[0]).toContain('503');
    // Outage over: every record lands, none is lost or dead-lettered, however many runs it waited.
    for (let run = 0; run < 5; run++) {
      await db.query(`UPDATE outbox SET next_attempt_at = now() WHERE tenant_id = $1`, [tenant]);
      await drainOutbox(db, tenant, target(), { holder: 'w1', retry: FAST, sleep: async () => {} });
    }
    sink.failNextCalls = 0;
    await db.query(`UPDATE outbox SET next_attempt_at = now() WHERE tenant_id = $1`, [tenant]);
    expect(await drainOutbox(db, tenant, target(), { holder: 'w1', retry: FAST })).toMatchObject({ sent: 20 });
    expect(sink.records.size).toBe(20);
    expect(await listDeadLetters(db, tenant)).toHaveLength(0);
  });

  it("waits out 429s for the CRM's Retry-After and then sends everything", async () => {
    await enqueue(Array.from({ length: 30 }, (_, i): [string, number] => [`L${i}`, i]));
    sink.rateLimitNextCalls = 5;
    const report = await drainOutbox(db, tenant, target(), { holder: 'w1', retry: FAST });
    expect(report).toMatchObject({ sent: 30, rateLimited: 5, retryLater: 0 });
    expect(sink.records.size).toBe(30);
  });

  it('shares the work between two workers at once: each score written once, never an older one after a newer', async () => {
    sink.latencyMs = 5;
    await enqueue(Array.from({ length: 60 }, (_, i): [string, number] => [`L${i}`, i]));
    await enqueue(Array.from({ length: 30 }, (_, i): [string, number] => [`L${i * 2}`, 100 + i]));
    const [a, b] = await Promise.all([
      drainOutbox(db, tenant, target(), { holder: 'w1', retry: FAST }),
      drainOutbox(db, tenant, target(), { holder: 'w2', retry: FAST }),
    ]);
    expect(a.sent + b.sent).toBe(60);
    expect(sink.received).toHaveLength(60);
    expect(new Set(sink.received.map((r) => r.leadId)).size).toBe(60);
    for (let i = 0; i < 30; i++) expect(sink.records.get(`L${i * 2}`)!.fields.Score__c).toBe(100 + i);
  });

  it("takes over a killed worker's rows when its lease runs out; the dead worker's late answer changes nothing", async () => {
    await enqueue([['L1', 10], ['L2', 20]]);
    const claimed = await claimDueOutbox(db, tenant, 'salesforce', 10, 'dead-worker', 1);
    expect(claimed).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 20));
    expect(await drainOutbox(db, tenant, target(), { holder: 'w2', retry: FAST })).toMatchObject({ sent: 2 });
    expect(await settleWrites(db, tenant, 'dead-worker', [{ id: claimed[0]!.id, leadId: 'L1', result: 'failed', note: 'late' }])).toEqual({ settled: 0, superseded: 0 });
    expect(await listDeadLetters(db, tenant)).toHaveLength(0);
  });

  it('stops claiming when told to stop, finishing what it sent', async () => {
    await enqueue(Array.from({ length: 60 }, (_, i): [string, number] => [`L${i}`, i]));
    const stop = new AbortController();
    sink.latencyMs = 5;
    const original = sink.writeFieldUpdates.bind(sink);
    sink.writeFieldUpdates = async (u) => {
      stop.abort();
      return original(u);
    };
    const report = await drainOutbox(db, tenant, target({ rateLimit: { calls: 1000, perMs: 1000, concurrency: 1 } }), { holder: 'w1', retry: FAST, signal: stop.signal });
    expect(report.sent).toBe(10);
    expect(await pendingCount()).toBe(50);
    const leased = await db.query(`SELECT 1 FROM outbox WHERE tenant_id = $1 AND lease_holder IS NOT NULL`, [tenant]);
    expect(leased).toHaveLength(0);
  });
});

describe('RateGate', () => {
  it('never lets more than the limit start in any window, and holds everyone after a pause', async () => {
    let now = 0;
    const starts: number[] = [];
    const gate = new RateGate({ calls: 3, perMs: 100, concurrency: 1 }, 0, () => now, async (ms) => {
      now += ms;
    });
    for (let i = 0; i < 10; i++) {
      await gate.take();
      starts.push(now);
    }
    for (const t of starts) expect(starts.filter((s) => s >= t && s < t + 100).length).toBeLessThanOrEqual(3);
    expect(starts.slice(0, 4)).toEqual([0, 0, 0, 100]);
    gate.pause(500);
    const before = now;
    await gate.take();
    expect(now).toBe(before + 500);
  });
});
