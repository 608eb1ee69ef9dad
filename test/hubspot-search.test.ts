import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { searchModified, type ModifiedSearch } from '../connectors/hubspot/index.js';
import { API, contact, searchEmulator, testApi, virtualClock, type Contact, type SearchBody } from './helpers/hubspot.js';

const spec = (pageSize?: number): ModifiedSearch => ({ objectType: 'contacts', modifiedProperty: 'lastmodifieddate', properties: ['email', 'lastmodifieddate'], ...(pageSize ? { pageSize } : {}) });
const at = (ms: number) => new Date(Date.parse('2026-11-01T00:00:00Z') + ms).toISOString();
const FROM = new Date('2026-10-01T00:00:00Z');
const TO = new Date('2026-12-01T00:00:00Z');

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

async function readAll(api: ReturnType<typeof testApi>, s: ModifiedSearch, onPage?: () => void): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of searchModified(api, s, FROM, TO)) {
    ids.push(...page.records.map((r) => r.id));
    onPage?.();
  }
  return ids;
}

describe('searchModified (CRM v3 search by lastmodifieddate)', () => {
  it('reads records that share the time at a page edge exactly once (inclusive bound, dedupe by id)', async () => {
    // Pages of 3: the 3rd, 4th and 5th records share one time, so the edge falls inside that group.
    const records = [contact('101', { lastmodifieddate: at(0) }), contact('102', { lastmodifieddate: at(1000) }), ...['103', '104', '105'].map((id) => contact(id, { lastmodifieddate: at(2000) })), contact('106', { lastmodifieddate: at(3000) })];
    const requests: SearchBody[] = [];
    nock(API).post('/crm/v3/objects/contacts/search').times(10).reply(searchEmulator(() => records, requests));
    const ids = await readAll(testApi(), spec(3));
    expect(ids.sort()).toEqual(['101', '102', '103', '104', '105', '106']);
    expect(requests.every((r) => r.after === undefined && r.limit === 3)).toBe(true);
    expect(requests[1]!.filterGroups[0]!.filters[0]).toEqual({ propertyName: 'lastmodifieddate', operator: 'GTE', value: String(Date.parse(at(2000))) });
  });

  it('reads an instant holding more than a page (a bulk import) by hs_object_id, then moves on', async () => {
    const records = [...Array.from({ length: 450 }, (_, i) => contact(String(1000 + i), { lastmodifieddate: at(5000) })), contact('9', { lastmodifieddate: at(6000) })];
    const requests: SearchBody[] = [];
    nock(API).post('/crm/v3/objects/contacts/search').times(20).reply(searchEmulator(() => records, requests));
    const ids = await readAll(testApi(), spec());
    expect(ids).toHaveLength(451);
    expect(new Set(ids).size).toBe(451);
    const byId = requests.filter((r) => r.sorts[0]!.propertyName === 'hs_object_id');
    expect(byId.map((r) => r.filterGroups[0]!.filters)).toEqual([
      [{ propertyName: 'lastmodifieddate', operator: 'EQ', value: String(Date.parse(at(5000))) }],
      [{ propertyName: 'lastmodifieddate', operator: 'EQ', value: String(Date.parse(at(5000))) }, { propertyName: 'hs_object_id', operator: 'GT', value: '1199' }],
      [{ propertyName: 'lastmodifieddate', operator: 'EQ', value: String(Date.parse(at(5000))) }, { propertyName: 'hs_object_id', operator: 'GT', value: '1399' }],
    ]);
  });

  it('reads 25,000 contacts without paging towards the 10,000 cap, at 5 searches a second, losing none that change meanwhile', async () => {
    let records: Contact[] = Array.from({ length: 25_000 }, (_, i) => contact(String(i + 1), { lastmodifieddate: at(i * 7) }));
    const requests: SearchBody[] = [];
    nock(API).post('/crm/v3/objects/contacts/search').times(200).reply(searchEmulator(() => records, requests));
    const clock = virtualClock();
    let pages = 0;
    const ids = await readAll(testApi(undefined, { clock }), spec(), () => {
      // While the read is under way, a contact not read yet is edited: it moves past every offset.
      if (++pages === 3) records = records.map((r) => (r.id === '20000' ? contact('20000', { lastmodifieddate: at(25_000 * 7 + 1) }) : r));
    });
    expect(new Set(ids).size).toBe(25_000);
    expect(requests.every((r) => r.after === undefined && r.limit <= 200)).toBe(true);
    expect(requests).toHaveLength(126);
    // 126 searches at 5 a second: the limiter spread them over 25 seconds (virtual time).
    expect(clock.slept).toBeGreaterThanOrEqual(25_000);
  });
});
