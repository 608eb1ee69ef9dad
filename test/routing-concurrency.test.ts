import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assignLead } from '../src/routing/index.js';
import { tenantId, type Lead } from '../src/domain/index.js';
import type { Settings } from '../src/settings/index.js';
import { ensureTenant, queryRoutingAudit, upsertLeads, type Database } from '../src/store/index.js';
import { openTestDatabase } from './helpers/db.js';
import { ROSTER, routingLead, scoreOf, withRouting } from './helpers/routing.js';

// Workers racing through assignLead at once. On PGlite transactions queue one behind the other;
// with TEST_DATABASE_URL they run on a pool of connections and really overlap.
const acme = tenantId('acme');
const now = new Date('2026-03-02T15:00:00Z');
let db: Database;
beforeEach(async () => {
  db = await openTestDatabase();
  await ensureTenant(db, acme, 'Acme');
});
afterEach(async () => {
  await db.close();
});

async function leads(n: number, prefix = 'L'): Promise<Lead[]> {
  const list = Array.from({ length: n }, (_, i) => routingLead(`${prefix}${String(i).padStart(3, '0')}`));
  await upsertLeads(db, acme, list);
  return list;
}
const race = (settings: Settings, list: Lead[], tier = 'Warm') => Promise.all(list.map((lead) => assignLead(db, acme, lead, scoreOf(lead.id, tier), { version: 1, settings }, { now })));
/** Owners in the order their turns were taken: audit ids are drawn under the rotation's lock. */
const ownersInOrder = async () => (await queryRoutingAudit(db, acme, { limit: 1000 })).entries.reverse().map((e) => ROSTER.find((o) => o.crmUserId === e.ownerAfter)!.id);
const tally = (owners: string[]) => owners.reduce<Record<string, number>>((t, o) => ({ ...t, [o]: (t[o] ?? 0) + 1 }), {});

describe('concurrent assignment', () => {
  it('assigns a lead routed by several workers at once exactly once, and takes one turn for it', async () => {
    const settings = withRouting({ rules: [{ name: 'RR', assign: { type: 'round_robin', owners: ['ana', 'ben', 'cy'] } }] });
    const [lead] = await leads(1);
    const results = await race(settings, Array(8).fill(lead));
    expect(results.map((r) => r.status).sort()).toEqual(['assigned', ...Array(7).fill('existing')]);
    expect(new Set(results.map((r) => r.assignment!.ownerId))).toEqual(new Set(['ana']));
    expect((await db.query(`SELECT lead_id FROM routing_assignments WHERE tenant_id = $1`, [acme])).length).toBe(1);
    expect(await ownersInOrder()).toEqual(['ana']);
    // The next lead gets the next turn: the repeats took none.
    const [next] = await leads(1, 'N');
    expect((await race(settings, [next!]))[0]!.assignment!.ownerId).toBe('ben');
  });

  it('hands many leads racing on one round robin out in strict turns: no duplicate, no skipped turn', async () => {
    const settings = withRouting({ rules: [{ name: 'RR', assign: { type: 'round_robin', owners: ['ana', 'ben', 'cy', 'dee'] } }] });
    const list = await leads(40);
    const results = await race(settings, [...list, ...list.slice(0, 10)]);
    expect(results.filter((r) => r.status === 'assigned').length).toBe(40);
    expect(results.filter((r) => r.status === 'existing').length).toBe(10);
    const order = await ownersInOrder();
    expect(order).toEqual(Array.from({ length: 40 }, (_, i) => ['ana', 'ben', 'cy', 'dee'][i % 4]));
    const rows = await db.query<{ lead_id: string }>(`SELECT lead_id FROM routing_assignments WHERE tenant_id = $1`, [acme]);
    expect(new Set(rows.map((r) => r.lead_id)).size).toBe(40);
  });

  it('keeps weights exact under a race', async () => {
    const settings = withRouting({ rules: [{ name: 'W', assign: { type: 'weighted', owners: [{ owner: 'ana', weight: 70 }, { owner: 'ben', weight: 30 }] } }] });
    await race(settings, await leads(50));
    expect(tally(await ownersInOrder())).toEqual({ ana: 35, ben: 15 });
  });

  it('never lets racing workers pass a daily capacity, even from two rules taking the same reps in opposite orders', async () => {
    const capped = ROSTER.map((o) => (o.id === 'queue' ? o : { ...o, dailyCapacity: 3 }));
    const settings = withRouting({
      owners: capped,
      rules: [
        { name: 'Hot', when: { tier: { equals: 'Hot' } }, assign: { type: 'round_robin', owners: ['ana', 'ben', 'cy', 'dee'] } },
        { name: 'Warm', assign: { type: 'round_robin', owners: ['dee', 'cy', 'ben', 'ana'] } },
      ],
    });
    const hot = await leads(15, 'H');
    const warm = await leads(15, 'W');
    const results = await Promise.all([race(settings, hot, 'Hot'), race(settings, warm, 'Warm')]);
    const all = results.flat();
    expect(all.filter((r) => r.status === 'assigned').length).toBe(12);
    expect(all.filter((r) => r.status === 'fallback').length).toBe(18);
    expect(tally(await ownersInOrder())).toEqual({ ana: 3, ben: 3, cy: 3, dee: 3, queue: 18 });
    const counts = await db.query<{ owner_id: string; assigned: number }>(`SELECT owner_id, assigned FROM routing_daily_counts WHERE tenant_id = $1 ORDER BY owner_id`, [acme]);
    expect(counts).toEqual([
      { owner_id: 'ana', assigned: 3 },
      { owner_id: 'ben', assigned: 3 },
      { owner_id: 'cy', assigned: 3 },
      { owner_id: 'dee', assigned: 3 },
      { owner_id: 'queue', assigned: 18 },
    ]);
  });
});
