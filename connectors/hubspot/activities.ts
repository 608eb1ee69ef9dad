import { z } from 'zod';
import { ActivitySchema, type Activity, type Rejection } from '../../src/domain/index.js';
import type { HubSpotApi } from './api.js';
import { BATCH_LIMIT, readContacts } from './contacts.js';
import { AssociationsAnswerSchema, BatchReadAnswerSchema, text, time, type CrmObject } from './records.js';

/**
 * How HubSpot records become activity types: "kind:subtype" (e.g. "email:INCOMING_EMAIL",
 * "meeting:COMPLETED", "form:Request a demo", "marketing_email:CLICK"), "kind:*" for any other
 * subtype; a kind or subtype the mapping does not name is not read. RevOps edit it in the settings.
 */
export const DEFAULT_ACTIVITY_TYPES: Record<string, string> = {
  'email:INCOMING_EMAIL': 'email_reply',
  'email:*': 'email_sent',
  'call:*': 'call',
  'meeting:*': 'meeting',
  'note:*': 'note',
  'form:*': 'form_submit',
  'marketing_email:OPEN': 'email_open',
  'marketing_email:CLICK': 'email_click',
  'page_view:/pricing': 'pricing_page_view',
  'page_view:*': 'page_view',
};

export type ActivityMapping = (kind: string, subtype: string | null) => string | null;

export function activityMapping(types: Record<string, string>): ActivityMapping & { kinds: Set<string>; subtypes(kind: string): string[] } {
  const byKey = new Map(Object.entries(types).map(([k, v]) => [k.toLowerCase(), v]));
  const kinds = new Set([...byKey.keys()].map((k) => k.split(':')[0]!));
  const map = (kind: string, subtype: string | null) => byKey.get(`${kind}:${(subtype ?? '').toLowerCase()}`) ?? byKey.get(`${kind}:*`) ?? null;
  return Object.assign(map, {
    kinds,
    subtypes: (kind: string) => Object.keys(types).filter((k) => k.toLowerCase().startsWith(`${kind}:`)).map((k) => k.slice(kind.length + 1)),
  });
}

/** Engagement objects, each with the property that subdivides it and the one that names it. */
export const ENGAGEMENTS = [
  { kind: 'email', objectType: 'emails', subtype: 'hs_email_direction', title: 'hs_email_subject' },
  { kind: 'call', objectType: 'calls', subtype: 'hs_call_direction', title: 'hs_call_title' },
  { kind: 'meeting', objectType: 'meetings', subtype: 'hs_meeting_outcome', title: 'hs_meeting_title' },
  { kind: 'note', objectType: 'notes', subtype: null, title: null },
] as const;
export type Engagement = (typeof ENGAGEMENTS)[number];

export const engagementProperties = (e: Engagement) => ['hs_timestamp', 'hs_lastmodifieddate', ...(e.subtype ? [e.subtype] : []), ...(e.title ? [e.title] : [])];

/** Validate with the domain schema; a bad record is rejected with where it came from. */
function checked(value: unknown, where: string): Activity | Rejection {
  const parsed = ActivitySchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  return { file: where, line: 0, column: String(issue.path[0] ?? '') || null, reason: issue.message };
}

/**
 * The records (contacts by default) each record is associated with (v4 associations, 100 records
 * a call). HubSpot answers at most 500 associations per record and call, with `paging.next.after`
 * on a record that has more: those records are asked again with their `after` until none is left.
 */
export async function associatedIds(api: HubSpotApi, objectType: string, ids: readonly string[], toType = 'contacts'): Promise<Map<string, string[]>> {
  const found = new Map<string, Set<string>>();
  let pending: Array<{ id: string; after?: string }> = ids.map((id) => ({ id }));
  while (pending.length > 0) {
    const more: Array<{ id: string; after: string }> = [];
    for (let i = 0; i < pending.length; i += BATCH_LIMIT) {
      const inputs = pending.slice(i, i + BATCH_LIMIT);
      const answer = await api.request(`the ${objectType} to ${toType} associations`, { method: 'POST', path: `/crm/v4/associations/${objectType}/${toType}/batch/read`, body: { inputs } }, AssociationsAnswerSchema);
      for (const r of answer.results) {
        const known = found.get(r.from.id) ?? new Set<string>();
        for (const t of r.to) known.add(t.toObjectId);
        found.set(r.from.id, known);
        const after = r.paging?.next?.after;
        if (after) more.push({ id: r.from.id, after });
      }
    }
    pending = more;
  }
  return new Map([...found].map(([id, to]) => [id, [...to]]));
}

/** Engagements as activities: one per associated contact, typed through the mapping. */
export async function engagementActivities(api: HubSpotApi, e: Engagement, records: CrmObject[], map: ActivityMapping): Promise<Array<Activity | Rejection>> {
  const typed = records.map((r) => ({ r, type: map(e.kind, e.subtype ? text(r.properties[e.subtype]) : null) })).filter((x) => x.type !== null);
  if (typed.length === 0) return [];
  const contacts = await associatedIds(api, e.objectType, typed.map((x) => x.r.id));
  const out: Array<Activity | Rejection> = [];
  for (const { r, type } of typed) {
    const occurredAt = time(r.properties.hs_timestamp) ?? time(r.createdAt);
    for (const leadId of contacts.get(r.id) ?? []) {
      out.push(checked({ leadId, type, occurredAt, channel: `hubspot_${e.kind}`, detail: e.title ? text(r.properties[e.title])?.slice(0, 2000) ?? null : null }, `${e.objectType}/${r.id}`));
    }
  }
  return out;
}

/** Form submissions: every value `recent_conversion_event_name` took, at the time it was set. */
export async function formActivities(api: HubSpotApi, contactIds: string[], map: ActivityMapping): Promise<Array<Activity | Rejection>> {
  if (contactIds.length === 0) return [];
  const contacts = await readContacts(api, contactIds, ['recent_conversion_event_name'], ['recent_conversion_event_name']);
  const out: Array<Activity | Rejection> = [];
  for (const c of contacts) {
    for (const h of c.propertiesWithHistory?.recent_conversion_event_name ?? []) {
      const name = text(h.value);
      const type = map('form', name);
      if (!name || !type) continue;
      out.push(checked({ leadId: c.id, type, occurredAt: time(h.timestamp), channel: 'hubspot_form', detail: name.slice(0, 2000) }, `contact/${c.id}`));
    }
  }
  return out;
}

const EmailEventsSchema = z.object({
  hasMore: z.boolean(),
  offset: z.string().optional(),
  events: z.array(z.object({ id: z.string(), created: z.number(), type: z.string(), recipient: z.string().optional(), url: z.string().optional(), emailCampaignId: z.number().optional() })),
});
export type EmailEvent = z.infer<typeof EmailEventsSchema>['events'][number];

/** Marketing email events of one type in [start, end] (the email events API, 1,000 a page). */
export async function* emailEvents(api: HubSpotApi, type: string, start: number, end: number): AsyncIterable<EmailEvent[]> {
  let offset: string | undefined;
  do {
    const query: Record<string, string> = { eventType: type, startTimestamp: String(start), endTimestamp: String(end), limit: '1000' };
    if (offset) query.offset = offset;
    const page = await api.request(`the ${type} email events`, { method: 'GET', path: '/email/public/v1/events', query }, EmailEventsSchema);
    yield page.events;
    offset = page.hasMore ? page.offset : undefined;
  } while (offset);
}

/** Email events carry the recipient's address: the contact ids they belong to, 100 addresses a call. */
export async function contactIdsByEmail(api: HubSpotApi, emails: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(emails.map((e) => e.toLowerCase()))];
  const out = new Map<string, string>();
  for (let i = 0; i < unique.length; i += BATCH_LIMIT) {
    const inputs = unique.slice(i, i + BATCH_LIMIT).map((id) => ({ id }));
    const answer = await api.request('the contact lookup by email', { method: 'POST', path: '/crm/v3/objects/contacts/batch/read', body: { idProperty: 'email', properties: ['email'], inputs } }, BatchReadAnswerSchema);
    for (const c of answer.results) {
      const email = text(c.properties.email)?.toLowerCase();
      if (email) out.set(email, c.id);
    }
  }
  return out;
}

export function emailEventActivity(event: EmailEvent, contactId: string, type: string): Activity | Rejection {
  return checked({ leadId: contactId, type, occurredAt: new Date(event.created), channel: 'hubspot_marketing_email', detail: event.url ?? (event.emailCampaignId ? `campaign ${event.emailCampaignId}` : null) }, `email_event/${event.id}`);
}

const PageViewsSchema = z.object({
  results: z.array(
    z.object({
      id: z.string(),
      objectType: z.string(),
      objectId: z.union([z.string(), z.number()]).transform(String),
      eventType: z.string(),
      occurredAt: z.string(),
      properties: z.record(z.string(), z.string().nullable()).default({}),
    }),
  ),
  paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
});
export type PageView = z.infer<typeof PageViewsSchema>['results'][number];

/** Contacts' page views in [start, end] (the web analytics events API, e_visited_page, 100 a page). */
export async function* pageViews(api: HubSpotApi, start: Date, end: Date): AsyncIterable<PageView[]> {
  let after: string | undefined;
  do {
    const query: Record<string, string> = { objectType: 'contact', eventType: 'e_visited_page', occurredAfter: start.toISOString(), occurredBefore: end.toISOString(), limit: '100' };
    if (after) query.after = after;
    const page = await api.request('the page view events', { method: 'GET', path: '/events/v3/events', query }, PageViewsSchema);
    yield page.results;
    after = page.paging?.next?.after;
  } while (after);
}

/** The page's path ("/pricing/teams"), from the event's URL; null when it has none. */
function pagePath(view: PageView): string | null {
  const url = text(view.properties.hs_url);
  if (!url) return null;
  try {
    return new URL(url).pathname;
  } catch {
    return url.startsWith('/') ? url : null;
  }
}

/**
 * A page view as an activity: "page_view:<path prefix>" keys of the mapping match the page's path
 * (the longest prefix wins, so "/pricing" covers "/pricing/teams"), "page_view:*" any other page.
 */
export function pageViewActivity(view: PageView, prefixes: readonly string[], map: ActivityMapping): Activity | Rejection | null {
  const path = pagePath(view);
  const prefix = path ? prefixes.filter((p) => p !== '*' && path.toLowerCase().startsWith(p.toLowerCase())).sort((a, b) => b.length - a.length)[0] : undefined;
  const type = map('page_view', prefix ?? '*');
  if (!type) return null;
  const detail = text(view.properties.hs_url) ?? text(view.properties.hs_page_title);
  return checked({ leadId: view.objectId, type, occurredAt: time(view.occurredAt), channel: 'hubspot_web', detail: detail?.slice(0, 2000) ?? null }, `page_view/${view.id}`);
}
