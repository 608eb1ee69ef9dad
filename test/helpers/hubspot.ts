import { DEFAULT_RATE, DEFAULT_SEARCH_RATE, HubSpotApi, PortalLimiter, type Clock, type HubSpotApiOptions, type HubSpotApp, type HubSpotTokens } from '../../connectors/hubspot/index.js';

/**
 * Shared HubSpot fixtures for the nock suites. Bodies follow HubSpot's documented CRM v3 shapes:
 * objects are {id, properties (all text), createdAt, updatedAt, archived}; searches answer
 * {total, results, paging.next.after}.
 */
export const API = 'https://api.hubapi.com';
export const HUB = '24108351';
export const PUBLIC_URL = 'https://leadscore.example.com';
export const CLIENT_ID = '5f1c4a7e-2b8d-4c1e-9a3f-7d2e6b0c1a94';
export const CLIENT_SECRET = '8b2e1f0c-6d4a-4e3b-b1c7-2a9f5e0d3c61';

export const app: HubSpotApp = { apiBase: API, publicUrl: PUBLIC_URL, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, rate: DEFAULT_RATE };

export const privateTokens: HubSpotTokens = { mode: 'private', accessToken: 'pat-na1-11111111-2222-3333-4444-555555555555', refreshToken: null, expiresAt: null, hubId: HUB, hubDomain: 'acme.hubspot.com', scopes: [] };

/** A clock that never waits: sleeping moves it forward. */
export function virtualClock(start = Date.parse('2026-11-22T12:00:00Z')): Clock & { slept: number } {
  let t = start;
  const clock = {
    slept: 0,
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
      clock.slept += ms;
    },
  };
  return clock;
}

/** An API session with its own limiter on a virtual clock, so nothing waits for real. */
export function testApi(tokens: HubSpotTokens = privateTokens, options: HubSpotApiOptions & { clock?: Clock; onRefresh?: (t: HubSpotTokens) => void } = {}) {
  const clock = options.clock ?? virtualClock(Date.now());
  const limiter = new PortalLimiter(app.rate, DEFAULT_SEARCH_RATE, clock);
  return new HubSpotApi(app, tokens, options.onRefresh ?? (() => undefined), { limiter, ...options });
}

export interface Contact {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

/** A contact as the CRM v3 APIs answer it; `props` override the defaults. */
export function contact(id: string, props: Record<string, string | null> = {}): Contact {
  const properties: Record<string, string | null> = {
    createdate: '2026-10-01T09:00:00.000Z',
    email: `dana.lee+${id}@globex.com`,
    firstname: 'Dana',
    lastname: 'Lee',
    jobtitle: 'VP Operations',
    company: 'Globex',
    industry: 'MANUFACTURING',
    numemployees: '500-1000',
    annualrevenue: '120000000',
    country: 'United States',
    hs_analytics_source: 'ORGANIC_SEARCH',
    lastmodifieddate: '2026-11-20T10:00:00.000Z',
    lifecyclestage: 'lead',
    hs_lead_status: null,
    hubspot_owner_id: '71829304',
    hs_object_id: id,
    ...props,
  };
  return { id, properties, createdAt: properties.createdate!, updatedAt: properties.lastmodifieddate!, archived: false };
}

type Filter = { propertyName: string; operator: string; value?: string; values?: string[] };
export type SearchBody = { filterGroups: Array<{ filters: Filter[] }>; sorts: Array<{ propertyName: string; direction: string }>; properties: string[]; limit: number; after?: string };

const comparable = (v: string | null | undefined) => (v === null || v === undefined ? null : /^\d+$/.test(v) ? Number(v) : Number.isNaN(Date.parse(v)) ? v : Date.parse(v));

function matches(record: Contact, f: Filter): boolean {
  const raw = record.properties[f.propertyName];
  if (f.operator === 'HAS_PROPERTY') return raw !== null && raw !== undefined && raw !== '';
  if (f.operator === 'IN') return raw !== null && raw !== undefined && (f.values ?? []).includes(raw);
  const a = comparable(raw);
  const b = comparable(f.value);
  if (a === null || b === null) return false;
  switch (f.operator) {
    case 'EQ':
      return a === b;
    case 'GT':
      return a > b;
    case 'GTE':
      return a >= b;
    case 'LT':
      return a < b;
    case 'LTE':
      return a <= b;
    default:
      throw new Error(`emulator: operator ${f.operator} not emulated`);
  }
}

/**
 * HubSpot's search endpoint over a set of records, with its documented limits: at most 200 a
 * page, one sort, and no paging past 10,000 results (a 400). Ties in the sort come out in an
 * arbitrary but stable order (here: reversed id order), as a real index may.
 */
export function searchEmulator(records: () => Contact[], requests: SearchBody[] = []) {
  return (_uri: string, requestBody: unknown): [number, unknown] => {
    const body = requestBody as SearchBody;
    requests.push(body);
    if (body.limit > 200) return [400, { status: 'error', message: 'limit must be at most 200', category: 'VALIDATION_ERROR' }];
    if (body.sorts.length > 1) return [400, { status: 'error', message: 'only one sort is allowed', category: 'VALIDATION_ERROR' }];
    const offset = Number(body.after ?? 0);
    if (offset + body.limit > 10_000) return [400, { status: 'error', message: 'Cannot page past 10000 results', category: 'VALIDATION_ERROR' }];
    const found = records().filter((r) => body.filterGroups.some((g) => g.filters.every((f) => matches(r, f))));
    const sort = body.sorts[0];
    if (sort) {
      const key = (r: Contact) => comparable(r.properties[sort.propertyName]) as number;
      found.sort((x, y) => key(x) - key(y) || Number(y.id) - Number(x.id));
      if (sort.direction === 'DESCENDING') found.reverse();
    }
    const page = found.slice(offset, offset + body.limit).map((r) => ({ ...r, properties: Object.fromEntries(body.properties.map((p) => [p, r.properties[p] ?? null]).concat([['hs_object_id', r.id]])) }));
    const next = offset + body.limit < found.length ? { paging: { next: { after: String(offset + body.limit), link: `?after=${offset + body.limit}` } } } : {};
    return [200, { total: found.length, results: page, ...next }];
  };
}

/** A contact property definition as GET /crm/v3/properties/contacts lists it. */
export function propertyDefinition(name: string, type: string, fieldType: string, extra: Record<string, unknown> = {}) {
  return {
    updatedAt: '2026-11-01T10:00:00.000Z',
    createdAt: '2026-11-01T10:00:00.000Z',
    name,
    label: name,
    type,
    fieldType,
    description: '',
    groupName: name.startsWith('leadscore') ? 'leadscore' : 'contactinformation',
    options: [],
    displayOrder: -1,
    calculated: false,
    externalOptions: false,
    hasUniqueValue: false,
    hidden: false,
    hubspotDefined: !name.startsWith('leadscore'),
    modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
    formField: false,
    dataSensitivity: 'non_sensitive',
    ...extra,
  };
}

export const tierOption = (value: string, displayOrder: number) => ({ label: value, value, displayOrder, hidden: false });

/** The Leadscore properties as provisioning creates them (tier options Hot, Warm, Nurture, Not scored). */
export const leadscoreProperties = () => [
  propertyDefinition('email', 'string', 'text'),
  propertyDefinition('hubspot_owner_id', 'enumeration', 'select', { externalOptions: true, referencedObjectType: 'OWNER' }),
  propertyDefinition('leadscore_score', 'number', 'number'),
  propertyDefinition('leadscore_fit', 'number', 'number'),
  propertyDefinition('leadscore_engagement', 'number', 'number'),
  propertyDefinition('leadscore_grade', 'string', 'text'),
  propertyDefinition('leadscore_tier', 'enumeration', 'select', { options: ['Hot', 'Warm', 'Nurture', 'Not scored'].map(tierOption) }),
  propertyDefinition('leadscore_reasons', 'string', 'textarea'),
  propertyDefinition('leadscore_next_action', 'string', 'textarea'),
  propertyDefinition('leadscore_scored_at', 'datetime', 'date'),
  propertyDefinition('leadscore_model_version', 'string', 'text'),
];

/** POST /crm/v3/objects/contacts/batch/update's answer: the updated records, all fine. */
export function batchUpdated(inputs: Array<{ id: string; properties: Record<string, string> }>) {
  return {
    status: 'COMPLETE',
    results: inputs.map((i) => ({ id: i.id, properties: { ...i.properties, hs_object_id: i.id, lastmodifieddate: '2026-11-22T12:00:01.000Z' }, createdAt: '2026-10-01T09:00:00.000Z', updatedAt: '2026-11-22T12:00:01.000Z', archived: false })),
    startedAt: '2026-11-22T12:00:00.500Z',
    completedAt: '2026-11-22T12:00:01.000Z',
  };
}
