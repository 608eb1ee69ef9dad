import { LeadSchema, type Lead, type Rejection } from '../../src/domain/index.js';
import type { HubSpotApi } from './api.js';
import { BatchReadAnswerSchema, ListAnswerSchema, text, time, type CrmObject } from './records.js';

/** The contact properties a lead is made of (HubSpot's internal names). */
export const CONTACT_PROPERTIES = [
  'email',
  'firstname',
  'lastname',
  'jobtitle',
  'company',
  'industry',
  'numemployees',
  'annualrevenue',
  'country',
  'hs_analytics_source',
  'createdate',
  'lastmodifieddate',
  'lifecyclestage',
  'hs_lead_status',
  'hubspot_owner_id',
] as const;

/** Kept beside the standard lead fields, as text, for routing and reasons. */
const ATTRIBUTES = ['lifecyclestage', 'hs_lead_status', 'hubspot_owner_id'] as const;

/** The list API answers at most 100 records a page. */
export const LIST_PAGE = 100;
/** Batch endpoints take at most 100 inputs a call. */
export const BATCH_LIMIT = 100;

/**
 * Company size as a count. HubSpot's contact property `numemployees` is a range ("25-50",
 * "1000+"); a range becomes its geometric middle (the feature is on a log scale), "N+" twice N.
 */
export function employeeCount(value: string | null | undefined): number | null {
  const v = text(value)?.replace(/,/g, '');
  if (!v) return null;
  if (/^\d+$/.test(v)) return Number(v);
  const range = /^(\d+)\s*-\s*(\d+)$/.exec(v);
  if (range) return Math.round(Math.sqrt(Number(range[1]) * Number(range[2])));
  const open = /^(\d+)\s*\+$/.exec(v);
  return open ? Number(open[1]) * 2 : null;
}

function amount(value: string | null | undefined): number | null {
  const v = text(value)?.replace(/,/g, '');
  if (!v || !/^-?\d+(\.\d+)?$/.test(v)) return null;
  return Number(v);
}

/** A contact as a lead; one that does not fit the lead schema is rejected with its id and field. */
export function toLead(r: CrmObject): Lead | Rejection {
  const p = r.properties;
  const attributes: Record<string, string> = {};
  for (const name of ATTRIBUTES) {
    const v = text(p[name]);
    if (v) attributes[name] = v;
  }
  const createdAt = time(p.createdate) ?? time(r.createdAt);
  if (!createdAt) return { file: `contact/${r.id}`, line: 0, column: 'createdate', reason: 'the contact has no readable createdate' };
  const revenue = amount(p.annualrevenue);
  const parsed = LeadSchema.safeParse({
    id: r.id,
    createdAt,
    email: text(p.email),
    firstName: text(p.firstname),
    lastName: text(p.lastname),
    title: text(p.jobtitle),
    company: text(p.company),
    industry: text(p.industry),
    employees: employeeCount(p.numemployees),
    annualRevenue: revenue !== null && revenue >= 0 ? revenue : null,
    country: text(p.country),
    leadSource: text(p.hs_analytics_source),
    attributes,
  });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  return { file: `contact/${r.id}`, line: 0, column: String(issue.path[0] ?? '') || null, reason: issue.message };
}

/** Every contact, page by page (GET /crm/v3/objects/contacts with `after`): the first backfill. */
export async function* listContacts(api: HubSpotApi, after: string | null): AsyncIterable<{ records: CrmObject[]; after: string | null }> {
  let next = after;
  do {
    const query: Record<string, string> = { limit: String(LIST_PAGE), properties: CONTACT_PROPERTIES.join(','), archived: 'false' };
    if (next) query.after = next;
    const page = await api.request('the contact list', { method: 'GET', path: '/crm/v3/objects/contacts', query }, ListAnswerSchema);
    next = page.paging?.next?.after ?? null;
    yield { records: page.results, after: next };
  } while (next);
}

/** Contacts by id, 100 a call; ids HubSpot no longer has are simply absent from the answer. */
export async function readContacts(api: HubSpotApi, ids: readonly string[], properties: readonly string[] = CONTACT_PROPERTIES, history: readonly string[] = []): Promise<CrmObject[]> {
  const out: CrmObject[] = [];
  // With property history HubSpot takes at most 50 records a call.
  const size = history.length ? 50 : BATCH_LIMIT;
  for (let i = 0; i < ids.length; i += size) {
    const inputs = ids.slice(i, i + size).map((id) => ({ id }));
    const answer = await api.request(
      'the contact batch read',
      { method: 'POST', path: '/crm/v3/objects/contacts/batch/read', body: { properties, ...(history.length ? { propertiesWithHistory: history } : {}), inputs } },
      BatchReadAnswerSchema,
    );
    out.push(...answer.results);
  }
  return out;
}

/**
 * The ids of contacts deleted in HubSpot, page by page (GET /crm/v3/objects/contacts with
 * archived=true). HubSpot keeps a deleted contact there for 90 days, so a sweep more often than
 * that finds every deletion a missed webhook did not report.
 */
export async function* archivedContactIds(api: HubSpotApi): AsyncIterable<string[]> {
  let after: string | null = null;
  do {
    const query: Record<string, string> = { limit: String(LIST_PAGE), archived: 'true', properties: 'hs_object_id' };
    if (after) query.after = after;
    const page = await api.request('the deleted contact list', { method: 'GET', path: '/crm/v3/objects/contacts', query }, ListAnswerSchema);
    after = page.paging?.next?.after ?? null;
    yield page.results.filter((r) => r.archived !== false).map((r) => r.id);
  } while (after);
}
