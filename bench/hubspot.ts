/**
 * HubSpot against nock (`npm run bench -- hubspot [--leads N]`): a first backfill of N contacts by
 * list paging, scoring, an incremental read of all N by search (as after a bulk edit), and the
 * writeback of every changed score. The limiter runs on a virtual clock: the report gives the
 * time HubSpot's published limits impose (110 calls / 10 s, search 5 / s) apart from the time the
 * work took here. Reference: the floor of calls the APIs allow (100 per list page or batch update,
 * 200 per search page).
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import nock from 'nock';
import { DEFAULT_RATE, DEFAULT_SEARCH_RATE, PortalLimiter, type Clock, type HubSpotApp, type HubSpotTokens } from '../connectors/hubspot/index.js';
import { createVault } from '../src/config/secrets.js';
import { tenantId } from '../src/domain/index.js';
import { FolderModelSource, SHIPPED_DEFAULT_MODEL } from '../src/scoring/model-source.js';
import { syncHubspot } from '../src/crm/hubspot-sync.js';
import { writebackHubspot } from '../src/crm/hubspot-writeback.js';
import { ensureTenant, migrate, pgliteDatabase, saveConnection, saveSyncCursor } from '../src/store/index.js';

const API = 'https://api.hubapi.com';
const HUB = '24108351';
const SAME_INSTANT = 500;

type Filter = { propertyName: string; operator: string; value?: string };
type Search = { filterGroups: Array<{ filters: Filter[] }>; sorts: Array<{ propertyName: string }>; limit: number; after?: string };

/** N contacts, modified one second apart, except a block that a bulk import stamped with one millisecond. */
function portal(n: number) {
  const base = Date.now() - 30 * 86_400_000;
  const times = Array.from({ length: n }, (_, i) => base + (i >= n / 2 && i < n / 2 + SAME_INSTANT ? Math.floor(n / 2) : i) * 1000);
  const titles = ['VP Sales', 'Marketing Manager', 'CTO', 'Student', 'Head of Operations', 'Analyst'];
  const record = (i: number) => {
    const id = String(100_000 + i);
    const modified = new Date(times[i]!).toISOString();
    const properties = {
      hs_object_id: id,
      createdate: new Date(base - (i % 28) * 86_400_000).toISOString(),
      lastmodifieddate: modified,
      email: `p${i}@company${i % 5000}.com`,
      firstname: 'Ann',
      lastname: 'Lee',
      jobtitle: titles[i % titles.length]!,
      company: `Company ${i % 5000}`,
      industry: 'COMPUTER_SOFTWARE',
      numemployees: ['5-25', '50-100', '100-500', '1000+'][i % 4]!,
      annualrevenue: null,
      country: 'United States',
      hs_analytics_source: 'ORGANIC_SEARCH',
      lifecyclestage: 'lead',
      hs_lead_status: null,
      hubspot_owner_id: '71829304',
    };
    return { id, properties, createdAt: properties.createdate, updatedAt: modified, archived: false };
  };
  return { n, base, times, record };
}

/** The contact search over a portal whose records are in time order (binary search, no scans). */
function contactSearch(p: ReturnType<typeof portal>, body: Search) {
  const filters = body.filterGroups[0]!.filters;
  const value = (name: string, op: string) => filters.find((f) => f.propertyName === name && f.operator === op)?.value;
  const firstAtOrAfter = (t: number) => {
    let lo = 0;
    let hi = p.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (p.times[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const eq = value('lastmodifieddate', 'EQ');
  if (eq) {
    const after = Number(value('hs_object_id', 'GT') ?? 0);
    const out = [];
    for (let i = firstAtOrAfter(Number(eq)); i < p.n && p.times[i] === Number(eq) && out.length < body.limit; i++) if (100_000 + i > after) out.push(p.record(i));
    return out;
  }
  const lo = Number(value('lastmodifieddate', 'GTE'));
  const hi = Number(value('lastmodifieddate', 'LTE'));
  const out = [];
  for (let i = firstAtOrAfter(lo); i < p.n && p.times[i]! <= hi && out.length < body.limit; i++) out.push(p.record(i));
  return out;
}

function leadscoreProperties() {
  const prop = (name: string, type: string, fieldType: string, options: string[] = []) => ({
    name, label: name, type, fieldType, groupName: 'leadscore', options: options.map((v, i) => ({ label: v, value: v, displayOrder: i, hidden: false })),
    modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
  });
  return [
    ...['leadscore_score', 'leadscore_fit', 'leadscore_engagement'].map((n) => prop(n, 'number', 'number')),
    ...['leadscore_grade', 'leadscore_model_version'].map((n) => prop(n, 'string', 'text')),
    ...['leadscore_reasons', 'leadscore_next_action'].map((n) => prop(n, 'string', 'textarea')),
    prop('leadscore_tier', 'enumeration', 'select', ['Hot', 'Warm', 'Nurture', 'Not scored']),
    prop('leadscore_scored_at', 'datetime', 'date'),
  ];
}

export async function benchHubspot(leads: number): Promise<Record<string, unknown>> {
  const db = pgliteDatabase(await PGlite.create(), 'memory');
  await migrate(db);
  const tenant = tenantId('bench');
  await ensureTenant(db, tenant, 'Bench');
  const vault = createVault(randomBytes(32));
  const tokens: HubSpotTokens = { mode: 'private', accessToken: 'pat-na1-bench', refreshToken: null, expiresAt: null, hubId: HUB, hubDomain: null, scopes: [] };
  await saveConnection(db, tenant, { id: `hubspot-${HUB}`, kind: 'hubspot', externalAccountId: HUB, status: 'active', settings: {}, credentials: vault.seal(tokens) });
  const app: HubSpotApp = { apiBase: API, rate: DEFAULT_RATE };
  const models = new FolderModelSource({ defaultDir: SHIPPED_DEFAULT_MODEL, tenantsDir: null });
  // Time as the limiter sees it moves only when it waits: what it adds up to is the least time
  // HubSpot's limits allow for the calls made (answers taking no time at all).
  let virtual = 0;
  const start = Date.now();
  const clock: Clock = { now: () => start + virtual, sleep: async (ms) => void (virtual += ms) };
  const limiter = new PortalLimiter(DEFAULT_RATE, DEFAULT_SEARCH_RATE, clock);
  const calls: Record<string, number> = {};
  const count = (key: string) => (calls[key] = (calls[key] ?? 0) + 1);
  const apiOptions = { limiter, onCall: (method: string, path: string) => void count(`${method} ${path}`) };
  const total = () => Object.values(calls).reduce((a, b) => a + b, 0);
  const reset = () => Object.keys(calls).forEach((k) => delete calls[k]);
  const p = portal(leads);
  let capViolations = 0;
  let peak = 0;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  // HubSpot's own count of the portal's calls (110 in any 10 s, on the same virtual clock): a call
  // past it is refused with a 429 as HubSpot answers it, and counted. Every call of sync and
  // writeback goes through one limiter per portal, so none should be refused.
  const starts: number[] = [];
  let refused = 0;
  const overLimit = (): [number, unknown, Record<string, string>] | null => {
    const now = clock.now();
    while (starts.length > 0 && starts[0]! <= now - DEFAULT_RATE.perMs) starts.shift();
    if (starts.length >= DEFAULT_RATE.requests) {
      refused++;
      return [429, { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: 'bench', policyName: 'TEN_SECONDLY_ROLLING' }, { 'Retry-After': '1' }];
    }
    starts.push(now);
    return null;
  };
  nock.disableNetConnect();
  const api = nock(API).persist();
  api.get('/crm/v3/objects/contacts').query(true).reply((uri) => {
    const limited = overLimit();
    if (limited) return limited;
    const url = new URL(uri, API);
    const from = Number(url.searchParams.get('after') ?? 0);
    const to = Math.min(p.n, from + Number(url.searchParams.get('limit')));
    const results = Array.from({ length: to - from }, (_, k) => p.record(from + k));
    return [200, { results, ...(to < p.n ? { paging: { next: { after: String(to), link: `?after=${to}` } } } : {}) }];
  });
  api.post(/\/crm\/v3\/objects\/\w+\/search/).reply((uri, requestBody) => {
    const limited = overLimit();
    if (limited) return limited;
    const body = requestBody as Search;
    if (body.limit > 200 || Number(body.after ?? 0) + body.limit > 10_000) capViolations++;
    const keyset = uri.includes('/contacts/') && body.filterGroups.length === 1 && ['lastmodifieddate', 'hs_object_id'].includes(body.sorts[0]!.propertyName);
    const results = keyset ? contactSearch(p, body) : [];
    return [200, { total: results.length, results }];
  });
  api.get('/email/public/v1/events').query(true).reply(() => overLimit() ?? [200, { hasMore: false, events: [] }]);
  api.get('/events/v3/events').query(true).reply(() => overLimit() ?? [200, { results: [] }]);
  api.get('/crm/v3/properties/contacts').query(true).reply(() => overLimit() ?? [200, { results: leadscoreProperties() }]);
  api.post('/crm/v3/objects/contacts/batch/update').reply((_uri, body) => {
    const limited = overLimit();
    if (limited) return limited;
    const results = (body as { inputs: Array<{ id: string }> }).inputs.map((i) => ({ id: i.id, properties: {}, createdAt: '', updatedAt: '', archived: false }));
    return [200, { status: 'COMPLETE', results, startedAt: '', completedAt: '' }];
  });
  try {
    let t = performance.now();
    const [backfill] = await syncHubspot(db, vault, app, models, tenant, { apiOptions });
    const backfillSeconds = (performance.now() - t) / 1000;
    const backfillCalls = total();
    const backfillLimitSeconds = virtual / 1000;
    console.log(`backfill + scoring of ${leads} contacts: ${backfillSeconds.toFixed(1)} s here, ${backfillCalls} API calls (${JSON.stringify(calls)}), ${backfillLimitSeconds.toFixed(0)} s at least under the rate limits; stored ${backfill!.streams?.leads.inserted}, scored ${backfill!.rescored?.leads}`);

    reset();
    const mark = virtual;
    await saveSyncCursor(db, tenant, `hubspot-${HUB}`, 'leads', JSON.stringify({ since: new Date(p.base - 86_400_000).toISOString() }));
    t = performance.now();
    const [incremental] = await syncHubspot(db, vault, app, models, tenant, { apiOptions });
    const searchSeconds = (performance.now() - t) / 1000;
    const contactSearches = calls['POST /crm/v3/objects/contacts/search'] ?? 0;
    const contactSearchesAll = total();
    const searchLimitSeconds = (virtual - mark) / 1000;
    console.log(
      `incremental read of all ${leads} contacts by search: ${searchSeconds.toFixed(1)} s here, ${contactSearches} contact searches (floor ${Math.ceil(leads / 200)} + the ${SAME_INSTANT} sharing one millisecond), ` +
        `${((virtual - mark) / 1000).toFixed(0)} s at least under the limits; ${incremental!.streams?.leads.unchanged} read, ${capViolations} requests past the 10,000 cap or 200 a page`,
    );

    reset();
    const writeMark = virtual;
    t = performance.now();
    const written = (await writebackHubspot(db, vault, app, tenant, { maxRecords: leads, apiOptions }))!;
    const writeSeconds = (performance.now() - t) / 1000;
    const writeCalls = total();
    const per1000 = (1000 * writeCalls) / Math.max(1, written.sent);
    const propertyReads = calls['GET /crm/v3/properties/contacts'] ?? 0;
    console.log(`writeback: ${written.sent} scores in ${writeSeconds.toFixed(1)} s here (${((virtual - writeMark) / 1000).toFixed(0)} s at least under the limits) with ${written.calls} batch updates + ${propertyReads} property read + ${writeCalls - written.calls - propertyReads} sent again after a 429 = ${per1000.toFixed(2)} calls per 1,000 changed scores (floor with batches of 100: 10)`);
    const allCalls = backfillCalls + contactSearchesAll + writeCalls;
    console.log(`refused by HubSpot's 110 / 10 s count (429): ${refused} of ${allCalls} calls (${((100 * refused) / Math.max(1, allCalls)).toFixed(2)}%; the marketplace allows under 5% errors); writeback ${written.rateLimited} batch calls refused after the client's retries`);
    console.log(`peak RSS ${(peak / 2 ** 20).toFixed(0)} MB`);
    return {
      leads,
      backfill: { seconds: backfillSeconds, calls: backfillCalls, limitSeconds: backfillLimitSeconds },
      incremental: { seconds: searchSeconds, contactSearches, limitSeconds: searchLimitSeconds, capViolations, read: incremental!.streams?.leads.unchanged },
      writeback: { written: written.sent, seconds: writeSeconds, calls: writeCalls, callsPer1000: per1000, limitSeconds: (virtual - writeMark) / 1000 },
      refused429: refused,
      errorRatePercent: (100 * refused) / Math.max(1, backfillCalls + contactSearchesAll + writeCalls),
      peakRssMB: peak / 2 ** 20,
    };
  } finally {
    clearInterval(sample);
    nock.cleanAll();
    nock.enableNetConnect();
    await models.close();
    await db.close();
  }
}
