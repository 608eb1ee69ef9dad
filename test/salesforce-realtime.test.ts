import { randomBytes } from 'node:crypto';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseChangeEvent, StreamFailure, type ChangeEvent, type ChangeStreamClient, type ChangeSubscription } from '../connectors/salesforce/index.js';
import { createLogger } from '../src/config/log.js';
import { createVault } from '../src/config/secrets.js';
import { tenantId } from '../src/domain/index.js';
import { FolderModelSource, SHIPPED_DEFAULT_MODEL } from '../src/scoring/model-source.js';
import { ensureTenant, getConnection, getLeadSource, getOutcome, getReplayId, pendingOutbox, queryAudit, saveConnection, saveReplayId, setConnectionStatus, upsertOutcomes, type Database } from '../src/store/index.js';
import { applyChangeEvents } from '../src/workers/salesforce-changes.js';
import { SalesforceRealtime, type RealtimeDeps, type RealtimeStatus } from '../src/workers/salesforce-realtime.js';
import { openTestDatabase } from './helpers/db.js';
import { leadChangeEvent } from './helpers/salesforce-cdc.js';
import { emptyQuery, INSTANCE, leadRecord, LOGIN, ORG, soql, testSession, tokens, V } from './helpers/salesforce.js';

const ID = `salesforce-${ORG}`;
const SOURCE = `salesforce:${ORG}`;
const CHANNEL = '/data/LeadChangeEvent';
const A = '00Q5e00000AAAAAEA1';
const B = '00Q5e00000BBBBBEA1';
const app = { loginUrl: LOGIN, clientId: '3MVG9test' };
const vault = createVault(randomBytes(32));
const acme = tenantId('acme');
const recent = new Date(Date.now() - 3 * 86_400_000).toISOString().replace('Z', '+0000');
const lead = (id: string, fields: Record<string, unknown> = {}) => leadRecord(id, { CreatedDate: recent, AnnualRevenue: null, ...fields });
const event = (replayId: number, type: string, ids: string[]) => parseChangeEvent(leadChangeEvent(replayId, type, ids)) as ChangeEvent;
const target = { tenant: acme, connectionId: ID, source: SOURCE, channel: CHANNEL };

/** The re-read of the named leads (and their outcomes) that a change event causes. */
function rereadOnce(ids: string[], records: unknown[]) {
  const list = ids.map((id) => `'${id}'`).join(', ').replace(/[()]/g, '\\$&');
  nock(INSTANCE)
    .get(`${V}/query`)
    .query(soql(new RegExp(`FROM Lead WHERE Id IN \\(${list}\\) ORDER BY SystemModstamp, Id$`)))
    .reply(200, { totalSize: records.length, done: true, records })
    .get(`${V}/query`)
    .query(soql(new RegExp(`FROM Lead WHERE \\(IsConverted = true OR Status IN \\('Unqualified', 'Disqualified'\\)\\) AND Id IN \\(${list}\\) ORDER BY`)))
    .reply(200, emptyQuery);
}

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}

let db: Database;
let models: FolderModelSource;
beforeAll(() => {
  nock.disableNetConnect();
  models = new FolderModelSource({ defaultDir: SHIPPED_DEFAULT_MODEL, tenantsDir: null });
});
beforeEach(async () => {
  db = await openTestDatabase();
  await ensureTenant(db, acme, 'Acme');
  await saveConnection(db, acme, { id: ID, kind: 'salesforce', externalAccountId: ORG, status: 'active', settings: {}, credentials: vault.seal(tokens) });
});
afterEach(async () => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
  await db.close();
});
afterAll(async () => {
  nock.enableNetConnect();
  await models.close();
});

describe('applyChangeEvents (against the store)', () => {
  it('reads a created lead, stores it under its org, scores it and keeps the replay id; the same event again writes nothing', async () => {
    rereadOnce([A], [lead(A)]);
    const first = await applyChangeEvents(db, models, testSession(), target, [event(5, 'CREATE', [A])]);
    expect(first).toMatchObject({ reread: 1, changed: 1, skipped: 0, replayId: 5 });
    expect(await getLeadSource(db, acme, A)).toBe(SOURCE);
    expect(await getReplayId(db, acme, ID, CHANNEL)).toBe(5);
    const outbox = await pendingOutbox(db, acme);
    expect(outbox).toHaveLength(first.writes);

    // Redelivered (a reconnect replays from an older id): skipped without a call to Salesforce.
    const again = await applyChangeEvents(db, models, testSession(), target, [event(5, 'CREATE', [A])]);
    expect(again).toMatchObject({ skipped: 1, reread: 0, changed: 0, writes: 0, replayId: 5 });

    // A later event about data that did not change (the replay id was lost in a crash): read, nothing written.
    rereadOnce([A], [lead(A)]);
    const unchanged = await applyChangeEvents(db, models, testSession(), target, [event(6, 'UPDATE', [A])]);
    expect(unchanged).toMatchObject({ reread: 1, changed: 0, writes: 0, replayId: 6 });
    expect(await pendingOutbox(db, acme)).toEqual(outbox);
  });

  it('deletes on DELETE, reads again after an UNDELETE in the same batch, re-reads gap events, and asks for a sync on overflow', async () => {
    rereadOnce([A, B], [lead(A), lead(B, { Title: 'Intern' })]);
    await applyChangeEvents(db, models, testSession(), target, [event(1, 'CREATE', [A, B])]);

    const deleted = await applyChangeEvents(db, models, testSession(), target, [event(2, 'DELETE', [A])]);
    expect(deleted).toMatchObject({ deleted: 1, reread: 0 });
    expect(await getLeadSource(db, acme, A)).toBeNull();

    rereadOnce([A], [lead(A)]);
    const back = await applyChangeEvents(db, models, testSession(), target, [event(3, 'DELETE', [A]), event(4, 'UNDELETE', [A])]);
    expect(back).toMatchObject({ deleted: 0, reread: 1, replayId: 4 });
    expect(await getLeadSource(db, acme, A)).toBe(SOURCE);

    rereadOnce([B], [lead(B, { Title: 'VP Sales' })]);
    const gap = await applyChangeEvents(db, models, testSession(), target, [event(5, 'GAP_UPDATE', [B])]);
    expect(gap).toMatchObject({ reread: 1, changed: 1 });

    const overflow = await applyChangeEvents(db, models, testSession(), target, [event(6, 'GAP_OVERFLOW', [])]);
    expect(overflow).toMatchObject({ needsSync: true, reread: 0, replayId: 6 });
    expect(await getReplayId(db, acme, ID, CHANNEL)).toBe(6);
  });

  it('passes over updates of only Leadscore’s own fields (its writeback coming back), and reads a lead whose other fields changed too', async () => {
    const withFields = (replayId: number, fields: Record<string, unknown>) => parseChangeEvent(leadChangeEvent(replayId, 'UPDATE', [A], fields)) as ChangeEvent;
    const ours = { ...target, ignoredFields: ['Leadscore_Score__c', 'Leadscore_Tier__c'] };
    const echo = await applyChangeEvents(db, models, testSession(), ours, [withFields(11, { Leadscore_Score__c: 88, Leadscore_Tier__c: 'Hot', LastModifiedDate: '2026-11-25T09:00:00.000Z' })]);
    expect(echo).toMatchObject({ ignored: 1, reread: 0, replayId: 11 });
    rereadOnce([A], [lead(A, { Title: 'Chief Operating Officer' })]);
    const edited = await applyChangeEvents(db, models, testSession(), ours, [withFields(12, { Leadscore_Score__c: 88, Title: 'Chief Operating Officer', LastModifiedDate: '2026-11-25T09:05:00.000Z' })]);
    expect(edited).toMatchObject({ ignored: 0, reread: 1, replayId: 12 });
  });

  it('retracts the stored outcome of a lead an UPDATE event shows un-converted, audits it, and scores the lead again', async () => {
    rereadOnce([A], [lead(A)]);
    await applyChangeEvents(db, models, testSession(), target, [event(5, 'CREATE', [A])]);
    await upsertOutcomes(db, acme, [{ leadId: A, converted: true, outcomeAt: new Date(Date.now() - 86_400_000), amount: 12_000 }]);
    rereadOnce([A], [lead(A, { IsConverted: false, Status: 'Working - Contacted' })]);
    const report = await applyChangeEvents(db, models, testSession(), target, [event(6, 'UPDATE', [A])]);
    expect(report).toMatchObject({ reread: 1, retracted: 1 });
    expect(await getOutcome(db, acme, A)).toBeNull();
    const audit = await queryAudit(db, acme, { action: 'outcome_retracted' });
    expect(audit.map((e) => [e.recordId, e.connectionId])).toEqual([[A, ID]]);
    expect((await pendingOutbox(db, acme)).some((w) => w.leadId === A)).toBe(true);
  });

  it('leaves another org’s lead of the same tenant alone on DELETE', async () => {
    rereadOnce([A], [lead(A)]);
    await applyChangeEvents(db, models, testSession(), { ...target, source: 'salesforce:00D5e000000OtherEAF' }, [event(1, 'CREATE', [A])]);
    const deleted = await applyChangeEvents(db, models, testSession(), target, [event(2, 'DELETE', [A])]);
    expect(deleted.deleted).toBe(0);
    expect(await getLeadSource(db, acme, A)).toBe('salesforce:00D5e000000OtherEAF');
  });
});

/** A streaming client behind the runner's interface: the test refuses, delivers and drops. */
class FakeStream implements ChangeStreamClient {
  readonly subscribed: Array<{ channel: string; replayFrom: number }> = [];
  readonly refusals: StreamFailure[] = [];
  refuseAlways: StreamFailure | null = null;
  private live: { onEvent: (data: unknown) => void; lose: (f: StreamFailure) => void; closed: boolean } | null = null;

  async subscribe(channel: string, replayFrom: number, onEvent: (data: unknown) => void): Promise<ChangeSubscription> {
    this.subscribed.push({ channel, replayFrom });
    const refusal = this.refusals.shift() ?? this.refuseAlways;
    if (refusal) throw refusal;
    let lose: (f: StreamFailure) => void = () => undefined;
    const lost = new Promise<StreamFailure>((resolve) => (lose = resolve));
    const live = { onEvent, lose, closed: false };
    this.live = live;
    return { lost, close: async () => void (live.closed = true) };
  }

  get open(): boolean {
    return Boolean(this.live && !this.live.closed);
  }

  deliver(data: unknown): void {
    this.live!.onEvent(data);
  }

  drop(): void {
    this.live!.lose(new StreamFailure('other', 'the change event stream lost its connection to Salesforce'));
  }
}

describe('SalesforceRealtime (the worker’s subscriptions)', () => {
  const silent = createLogger('error', () => undefined);
  let fake: FakeStream;
  let enqueued: string[];
  let delays: number[];
  const deps = (over: Partial<RealtimeDeps> = {}): RealtimeDeps => ({
    db,
    vault,
    app,
    models,
    log: silent,
    enqueue: async (queue, _tenant, reason) => void enqueued.push(`${queue}: ${reason}`),
    clientFor: () => fake,
    // Immediate for the first tries, then waiting until stopped: the loop's delays are noted, never slept.
    sleep: (ms, signal) => {
      delays.push(ms);
      return delays.length < 8 ? Promise.resolve() : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    },
    ...over,
  });
  const realtime = async () => ((await getConnection(db, acme, ID))!.settings.realtime ?? null) as RealtimeStatus | null;
  beforeEach(() => {
    fake = new FakeStream();
    enqueued = [];
    delays = [];
  });

  it('subscribes to all retained events when no replay id is stored, applies delivered events, and a restart resumes from the stored id', async () => {
    const first = new SalesforceRealtime(deps(), { holder: 'worker-1' });
    await first.check();
    await until(async () => (await realtime())?.mode === 'cdc', 'status says cdc');
    expect(fake.subscribed).toEqual([{ channel: CHANNEL, replayFrom: -2 }]);
    expect((await realtime())!.channels).toEqual([CHANNEL]);

    rereadOnce([A], [lead(A)]);
    fake.deliver(leadChangeEvent(21, 'CREATE', [A]));
    await until(async () => (await getReplayId(db, acme, ID, CHANNEL)) === 21, 'replay id 21 stored');
    expect(await getLeadSource(db, acme, A)).toBe(SOURCE);
    await until(() => enqueued.includes('writeback: after change events'), 'writeback asked for');
    await first.stop();
    expect(fake.open).toBe(false);

    const restarted = new SalesforceRealtime(deps(), { holder: 'worker-2' });
    await restarted.check();
    await until(() => fake.subscribed.length === 2, 'subscribed again');
    expect(fake.subscribed[1]).toEqual({ channel: CHANNEL, replayFrom: 21 });
    await restarted.stop();
  });

  it('a stored replay id Salesforce no longer keeps: subscribes from new events and syncs the gap', async () => {
    await saveReplayId(db, acme, ID, CHANNEL, 5);
    fake.refusals.push(new StreamFailure('replay_invalid', '400::The replayId {5} you provided was invalid.'));
    const rt = new SalesforceRealtime(deps(), { holder: 'worker-1' });
    await rt.check();
    await until(async () => (await realtime())?.mode === 'cdc', 'status says cdc');
    expect(fake.subscribed.map((s) => s.replayFrom)).toEqual([5, -1]);
    expect(await getReplayId(db, acme, ID, CHANNEL)).toBeNull();
    expect(enqueued).toContain('sync: change events resumed after a gap');
    await rt.stop();
  });

  it('where CDC is not enabled, runs the incremental sync on a short schedule, says so, and tries CDC again later', async () => {
    fake.refuseAlways = new StreamFailure('not_enabled', 'Salesforce refused the subscription to /data/LeadChangeEvent: 400::The channel you requested to subscribe to does not exist {/data/LeadChangeEvent}');
    const rt = new SalesforceRealtime(deps(), { holder: 'worker-1', pollEveryMs: 120_000, retryCdcEveryMs: 360_000 });
    await rt.check();
    await until(() => fake.subscribed.length >= 2, 'CDC tried again');
    const status = await realtime();
    expect(status).toMatchObject({ mode: 'polling', pollEveryMinutes: 2, reason: expect.stringMatching(/does not exist/) });
    // Three syncs, one every two minutes, before the hourly (here six-minute) retry of CDC.
    expect(enqueued.slice(0, 3)).toEqual(Array(3).fill('sync: polling (change data capture not enabled)'));
    expect(delays.slice(0, 3)).toEqual([120_000, 120_000, 120_000]);
    await rt.stop();
  });

  it('a lost subscription reconnects with doubling backoff, renewing the token first, from the stored replay id', async () => {
    nock(INSTANCE).persist().get(`${V}/limits`).reply(200, { DailyApiRequests: { Max: 15000, Remaining: 14000 } });
    const rt = new SalesforceRealtime(deps(), { holder: 'worker-1', backoffMs: { initial: 1000, max: 3000 } });
    await rt.check();
    await until(() => fake.open, 'subscribed');
    rereadOnce([A], [lead(A)]);
    fake.deliver(leadChangeEvent(30, 'CREATE', [A]));
    await until(async () => (await getReplayId(db, acme, ID, CHANNEL)) === 30, 'replay id 30 stored');
    fake.refusals.push(new StreamFailure('other', 'the change event stream lost its connection'), new StreamFailure('other', 'again'), new StreamFailure('other', 'and again'));
    fake.drop();
    await until(() => fake.subscribed.length === 5 && fake.open, 'subscribed after three failed tries');
    expect(delays).toEqual([1000, 2000, 3000, 3000]);
    expect(fake.subscribed.at(-1)).toEqual({ channel: CHANNEL, replayFrom: 30 });
    await until(async () => (await realtime())?.mode === 'cdc', 'status back to cdc');
    await rt.stop();
    nock.cleanAll();
  });

  it('a batch that cannot be applied ends the stream and is received again from the stored replay id; a malformed event is reported and passed over', async () => {
    nock(INSTANCE).persist().get(`${V}/limits`).reply(200, { DailyApiRequests: { Max: 15000, Remaining: 14000 } });
    await saveReplayId(db, acme, ID, CHANNEL, 40);
    const rt = new SalesforceRealtime(deps(), { holder: 'worker-1' });
    await rt.check();
    await until(() => fake.open, 'subscribed');
    nock(INSTANCE).get(`${V}/query`).query(true).reply(500, [{ message: 'An unexpected error occurred', errorCode: 'UNKNOWN_EXCEPTION' }]);
    fake.deliver(leadChangeEvent(41, 'CREATE', [A]));
    await until(() => fake.subscribed.length === 2 && fake.open, 'subscribed again');
    expect(fake.subscribed[1]).toEqual({ channel: CHANNEL, replayFrom: 40 });
    expect(await getReplayId(db, acme, ID, CHANNEL)).toBe(40);

    rereadOnce([A], [lead(A)]);
    fake.deliver(leadChangeEvent(41, 'CREATE', [A]));
    await until(async () => (await getReplayId(db, acme, ID, CHANNEL)) === 41, 'replay id 41 stored');
    expect(await getLeadSource(db, acme, A)).toBe(SOURCE);

    fake.deliver({ event: { replayId: 42 }, payload: { ChangeEventHeader: { entityName: 'Lead', changeType: 'MERGE', recordIds: [A] } } });
    await until(async () => (await getReplayId(db, acme, ID, CHANNEL)) === 42, 'replay id 42 stored');
    expect((await getConnection(db, acme, ID))!.settings.lastError).toMatch(/^\/data\/LeadChangeEvent event 42: change event: .*changeType/s);
    await rt.stop();
    nock.cleanAll();
  });

  it('a revoked grant marks the connection and ends its stream; once connected again, a worker subscribes again', async () => {
    await saveConnection(db, acme, { id: ID, kind: 'salesforce', externalAccountId: ORG, status: 'active', settings: {}, credentials: vault.seal({ ...tokens, refreshToken: 'refresh' }) });
    const rt = new SalesforceRealtime(deps(), { holder: 'worker-1' });
    await rt.check();
    await until(() => fake.open, 'subscribed');
    nock(INSTANCE).get(`${V}/limits`).reply(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    nock(LOGIN).post('/services/oauth2/token').reply(400, { error: 'invalid_grant', error_description: 'expired access/refresh token' });
    fake.drop();
    await until(async () => (await getConnection(db, acme, ID))!.status === 'needs_reconnect', 'connection marked');
    await rt.check();
    expect(rt.running()).toEqual([]);
    expect(await db.query(`SELECT holder FROM realtime_leases`)).toEqual([]);

    await setConnectionStatus(db, acme, ID, 'active');
    await rt.check();
    await until(() => fake.subscribed.length === 2 && fake.open, 'subscribed again');
    expect(rt.running()).toEqual([`acme/${ID}`]);
    await rt.stop();
  });

  it('one subscription per connection across workers: the lease holder subscribes, another takes over when it stops or its lease lapses', async () => {
    const one = new SalesforceRealtime(deps(), { holder: 'worker-1' });
    const two = new SalesforceRealtime(deps(), { holder: 'worker-2' });
    await one.check();
    await two.check();
    expect(one.running()).toEqual([`acme/${ID}`]);
    expect(two.running()).toEqual([]);
    await until(() => fake.open, 'worker-1 subscribed');
    expect(fake.subscribed).toHaveLength(1);

    // worker-1 hangs (its lease is not renewed): worker-2 takes over, worker-1 lets go when it next checks.
    await db.query(`UPDATE realtime_leases SET lease_until = now() - interval '1 second'`);
    await two.check();
    expect(two.running()).toEqual([`acme/${ID}`]);
    await one.check();
    expect(one.running()).toEqual([]);

    await two.stop();
    await one.check();
    expect(one.running()).toEqual([`acme/${ID}`]);
    await one.stop();
  });
});
