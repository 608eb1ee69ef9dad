import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/helpers/db.js';
import { ROSTER, routingLead, scoreOf, withRouting } from '../../test/helpers/routing.js';
import { tenantId, type Lead } from '../domain/index.js';
import { currentSettings, saveSettings, type Settings } from '../settings/index.js';
import { ensureTenant, getAssignment, markAssignmentsWritten, queryAudit, queryRoutingAudit, setCrmUserStatus, unwrittenAssignments, upsertLeads, type Database } from '../store/index.js';
import { assignLead } from './assign.js';

const acme = tenantId('acme');
const globex = tenantId('globex');
let db: Database;
beforeEach(async () => {
  db = await openTestDatabase();
  await ensureTenant(db, acme, 'Acme');
  await ensureTenant(db, globex, 'Globex');
});
afterEach(async () => {
  await db.close();
});

const at = (iso: string) => new Date(iso);
let version = 0;
/** Store leads L1..Ln (or the given ones) and route them one after the other, answering the roster id each went to. */
async function route(settings: Settings, leads: Lead[] | number, now = at('2026-03-02T15:00:00Z'), tenant = acme): Promise<Array<string | null>> {
  const list = typeof leads === 'number' ? Array.from({ length: leads }, () => routingLead(`L${++version}`)) : leads;
  await upsertLeads(db, tenant, list);
  const owners: Array<string | null> = [];
  for (const lead of list) owners.push((await assignLead(db, tenant, lead, scoreOf(lead.id, 'Warm'), { version: 1, settings }, { now })).assignment?.ownerId ?? null);
  return owners;
}
const rr = (owners: string[], returning = 'rejoin') => ({ name: 'RR', assign: { type: 'round_robin', owners, returning } });
const roster = (over: Record<string, object>) => ROSTER.map((o) => ({ ...o, ...(over[o.id] ?? {}) }));

describe('assignLead', () => {
  it('assigns a named owner with the owner change, a follow-up task and an audit entry; a repeat changes nothing', async () => {
    await saveSettings(db, acme, withRouting({ rules: [{ name: 'Hot to Ana', when: { tier: { equals: 'Hot' } }, assign: { type: 'owner', owner: 'ana' } }] }), 'key:admin');
    const lead = routingLead('L1');
    await upsertLeads(db, acme, [lead]);
    const now = at('2026-03-02T15:00:00Z');
    const first = await assignLead(db, acme, lead, scoreOf('L1', 'Hot', 91), await currentSettings(db, acme), { now, ownerBefore: '00GINBOUND' });
    expect(first).toMatchObject({ status: 'assigned', reason: null, ownerChange: { leadId: 'L1', ownerId: '005A', rule: 'Hot to Ana' } });
    expect(first.task).toEqual({
      leadId: 'L1',
      ownerId: '005A',
      subject: 'Call within 1 hour: Ana Ruiz (Acme)',
      description: 'Tier Hot, score 91, fit 91, engagement 91, grade B2.\n+ Asked for a demo 2 days ago\nNext: Call within 1 hour\nRouted by rule "Hot to Ana".',
      dueAt: at('2026-03-02T16:00:00Z'),
      priority: 'high',
      rule: 'Hot to Ana',
    });
    expect(await getAssignment(db, acme, 'L1')).toEqual({ ...first.assignment, writtenAt: null });

    const again = await assignLead(db, acme, lead, scoreOf('L1', 'Hot', 91), await currentSettings(db, acme), { now: at('2026-03-03T15:00:00Z') });
    expect(again).toMatchObject({ status: 'existing', assignment: { ownerId: 'ana', assignedAt: now }, task: first.task });
    const audit = await queryRoutingAudit(db, acme);
    expect(audit.entries).toEqual([
      { id: expect.any(Number), leadId: 'L1', rule: 'Hot to Ana', settingsVersion: 1, ownerBefore: '00GINBOUND', ownerAfter: '005A', outcome: 'assigned', reason: null, at: now },
    ]);
    expect((await queryRoutingAudit(db, globex)).entries).toEqual([]);
    // The same entry in the audit log the API serves, next to field writes.
    expect(await queryAudit(db, acme, { action: 'assignment' })).toMatchObject([
      { recordId: 'L1', before: { ownerId: '00GINBOUND' }, after: { ownerId: '005A', rule: 'Hot to Ana', settingsVersion: 1 }, cause: 'rule "Hot to Ana", settings version 1', outcome: 'assigned', note: null },
    ]);
  });

  it('routes nothing and audits nothing when no rule matches', async () => {
    const settings = withRouting({ rules: [{ name: 'Hot only', when: { tier: { equals: 'Hot' } }, assign: { type: 'owner', owner: 'ana' } }] });
    expect(await route(settings, 1)).toEqual([null]);
    expect((await queryRoutingAudit(db, acme)).entries).toEqual([]);
  });

  it('keeps round robin turns in Postgres from one call to the next, per tenant', async () => {
    const settings = withRouting({ rules: [rr(['ana', 'ben', 'cy'])] });
    expect(await route(settings, 4)).toEqual(['ana', 'ben', 'cy', 'ana']);
    expect(await route(settings, 2, undefined, globex)).toEqual(['ana', 'ben']);
    expect(await route(settings, 2)).toEqual(['ben', 'cy']);
  });

  it('lets a returning rep catch up or rejoin, as the rule says', async () => {
    for (const returning of ['catch_up', 'rejoin']) {
      const name = `RR ${returning}`;
      const rule = { ...rr(['ana', 'ben', 'cy'], returning), name };
      const away = await route(withRouting({ owners: roster({ cy: { away: true } }), rules: [rule] }), 4);
      const back = await route(withRouting({ rules: [rule] }), 4);
      expect({ returning, got: [...away, ...back] }).toEqual({
        returning,
        got: returning === 'catch_up' ? ['ana', 'ben', 'ana', 'ben', 'cy', 'cy', 'ana', 'ben'] : ['ana', 'ben', 'ana', 'ben', 'cy', 'ana', 'ben', 'cy'],
      });
    }
  });

  it('distributes by weight, 7 of every 10 for 70%', async () => {
    const settings = withRouting({ rules: [{ name: 'W', assign: { type: 'weighted', owners: [{ owner: 'ana', weight: 70 }, { owner: 'ben', weight: 30 }] } }] });
    const got = await route(settings, 20);
    expect(got.filter((o) => o === 'ana').length).toBe(14);
    expect(got.slice(0, 10)).toEqual(got.slice(10));
  });

  it("counts capacity per day in the tenant's time zone and skips full reps to the fallback owner", async () => {
    const settings = withRouting(
      { owners: roster({ ana: { dailyCapacity: 2 } }), rules: [{ name: 'Ana', assign: { type: 'owner', owner: 'ana' } }] },
      { schedules: { rescore: '0 * * * *', sync: '*/15 * * * *', retrain: '0 3 * * 0', monitor: '0 5 * * *', timezone: 'America/Los_Angeles' } },
    );
    // 06:00 UTC on 3 March is 22:00 on 2 March in Los Angeles; 08:30 UTC is already 3 March there.
    expect(await route(settings, 3, at('2026-03-03T06:00:00Z'))).toEqual(['ana', 'ana', 'queue']);
    expect(await route(settings, 1, at('2026-03-03T07:59:00Z'))).toEqual(['queue']);
    expect(await route(settings, 3, at('2026-03-03T08:30:00Z'))).toEqual(['ana', 'ana', 'queue']);
    const fallbacks = (await queryRoutingAudit(db, acme)).entries.filter((e) => e.outcome === 'fallback');
    expect(fallbacks.map((e) => e.reason)).toEqual(Array(3).fill('ana could not take the lead (at capacity of 2 a day); fallback owner queue'));

    const rotation = withRouting({ owners: roster({ ana: { dailyCapacity: 1 } }), rules: [rr(['ana', 'ben'])] });
    expect(await route(rotation, 4, at('2026-03-05T12:00:00Z'))).toEqual(['ana', 'ben', 'ben', 'ben']);
  });

  it('skips away reps and reps deactivated in the CRM, falling back with the reason in the audit', async () => {
    const settings = withRouting({ owners: roster({ ana: { away: true } }), rules: [rr(['ana', 'ben', 'cy'])] });
    await setCrmUserStatus(db, acme, [{ crmUserId: '005B', active: false }]);
    expect(await route(settings, 2)).toEqual(['cy', 'cy']);
    await setCrmUserStatus(db, acme, [{ crmUserId: '005C', active: false }]);
    expect(await route(settings, 1)).toEqual(['queue']);
    const [entry] = (await queryRoutingAudit(db, acme, { limit: 1 })).entries;
    expect(entry).toMatchObject({
      outcome: 'fallback',
      ownerAfter: '00GQ',
      reason: 'no one in the round robin could take the lead (ana: away, ben: deactivated in the CRM, cy: deactivated in the CRM); fallback owner queue',
    });
    // With the fallback owner deactivated too, no one gets the lead; the audit says why and a later run may try again.
    await setCrmUserStatus(db, acme, [{ crmUserId: '00GQ', active: false }]);
    const lead = routingLead('L-none');
    await upsertLeads(db, acme, [lead]);
    const result = await assignLead(db, acme, lead, null, { version: 3, settings });
    expect(result).toMatchObject({ status: 'unassigned', assignment: null, reason: expect.stringMatching(/and the fallback owner queue is deactivated in the CRM$/) });
    expect((await queryRoutingAudit(db, acme, { leadId: 'L-none' })).entries).toMatchObject([{ outcome: 'unassigned', ownerAfter: null, settingsVersion: 3 }]);
    await setCrmUserStatus(db, acme, [{ crmUserId: '00GQ', active: true }]);
    expect((await assignLead(db, acme, lead, null, { version: 3, settings })).status).toBe('fallback');
  });

  it('routes territories to their team, each team with its own turns, and a team with no one available to the fallback', async () => {
    const settings = withRouting({
      owners: roster({ dee: { away: true } }),
      teams: [
        { id: 'west', name: 'West', members: [{ owner: 'ana', weight: 50 }, { owner: 'ben', weight: 50 }] },
        { id: 'east', name: 'East', members: [{ owner: 'dee', weight: 100 }] },
      ],
      rules: [{ name: 'States', assign: { type: 'territory', by: 'state', territories: [{ values: ['CA'], team: 'west' }, { values: ['NY'], team: 'east' }], within: { type: 'weighted' } } }],
    });
    const ca = (id: string) => routingLead(id, { attributes: { state: 'California' } });
    expect(await route(settings, [ca('C1'), routingLead('N1', { attributes: { state: 'NY' } }), ca('C2'), ca('C3')])).toEqual(['ana', 'queue', 'ben', 'ana']);
    expect((await queryRoutingAudit(db, acme, { leadId: 'N1' })).entries[0]!.reason).toBe(
      'no one in team east (state NY) could take the lead (dee: away); fallback owner queue',
    );
  });

  it('runs a transaction Postgres undid to break a deadlock once more, and gives up after three tries', async () => {
    const settings = withRouting({ rules: [rr(['ana', 'ben'])] });
    const lead = routingLead('D1');
    await upsertLeads(db, acme, [lead]);
    let deadlocks = 1;
    const flaky: Database = {
      ...db,
      transaction: (fn) => (deadlocks-- > 0 ? Promise.reject(Object.assign(new Error('deadlock detected'), { code: '40P01' })) : db.transaction(fn)),
    };
    expect((await assignLead(flaky, acme, lead, null, { version: 1, settings })).assignment?.ownerId).toBe('ana');
    deadlocks = 3;
    const other = routingLead('D2');
    await upsertLeads(db, acme, [other]);
    await expect(assignLead(flaky, acme, other, null, { version: 1, settings })).rejects.toThrow(/deadlock/);
  });

  it('lists assignments not yet written to the CRM until they are marked written', async () => {
    const settings = withRouting({ rules: [rr(['ana', 'queue'])] });
    await route(settings, 2);
    const unwritten = await unwrittenAssignments(db, acme);
    expect(unwritten.map((a) => [a.ownerChange.ownerId, a.task === null]).sort()).toEqual([
      ['005A', false],
      ['00GQ', true],
    ]);
    await markAssignmentsWritten(db, acme, [unwritten.find((a) => a.ownerId === 'ana')!.leadId]);
    expect((await unwrittenAssignments(db, acme)).map((a) => a.ownerId)).toEqual(['queue']);
  });
});

describe('routing audit', () => {
  it('filters by lead, rule and time, and pages newest first by keyset', async () => {
    const settings = withRouting({ rules: [{ name: 'Hot', when: { tier: { equals: 'Hot' } }, assign: { type: 'owner', owner: 'ana' } }, rr(['ben', 'cy'])] });
    const leads = Array.from({ length: 7 }, (_, i) => routingLead(`A${i}`));
    await upsertLeads(db, acme, leads);
    for (const [i, lead] of leads.entries()) {
      await assignLead(db, acme, lead, scoreOf(lead.id, i % 3 === 0 ? 'Hot' : 'Warm'), { version: 2, settings }, { now: at(`2026-03-0${i + 1}T12:00:00Z`) });
    }
    expect((await queryRoutingAudit(db, acme, { rule: 'Hot' })).entries.map((e) => e.leadId)).toEqual(['A6', 'A3', 'A0']);
    expect((await queryRoutingAudit(db, acme, { leadId: 'A4' })).entries.map((e) => e.ownerAfter)).toEqual(['005B']);
    expect((await queryRoutingAudit(db, acme, { from: at('2026-03-03T00:00:00Z'), to: at('2026-03-05T12:00:00Z') })).entries.map((e) => e.leadId)).toEqual(['A3', 'A2']);

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await queryRoutingAudit(db, acme, { limit: 3, ...(cursor ? { cursor } : {}) });
      pages.push(page.entries.map((e) => e.leadId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages).toEqual([['A6', 'A5', 'A4'], ['A3', 'A2', 'A1'], ['A0']]);
    await expect(queryRoutingAudit(db, acme, { cursor: 'x1' })).rejects.toThrow(/not a cursor/);
    await expect(queryRoutingAudit(db, acme, { limit: 0 })).rejects.toThrow(/limit/);
  });
});
