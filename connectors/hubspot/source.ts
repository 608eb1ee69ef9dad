import { isLeadscoreError, type Activity, type Lead, type LeadSource, type Outcome, type ReadBatch, type Rejection, type SourceRecord } from '../../src/domain/index.js';
import { activityMapping, associatedIds, contactIdsByEmail, DEFAULT_ACTIVITY_TYPES, emailEventActivity, emailEvents, engagementActivities, engagementProperties, ENGAGEMENTS, formActivities, pageViewActivity, pageViews } from './activities.js';
import type { HubSpotApi } from './api.js';
import { CONTACT_PROPERTIES, listContacts, toLead } from './contacts.js';
import { OUTCOME_CONTACT_PROPERTIES, outcomesOf } from './outcomes.js';
import { searchModified, type ModifiedSearch } from './search.js';

export interface HubSpotSourceOptions {
  /** "kind:subtype" to activity type (see DEFAULT_ACTIVITY_TYPES); RevOps edit it in the settings. */
  activityTypes?: Record<string, string>;
  /** Lead status values (hs_lead_status) that mean the lead was disqualified. */
  disqualifiedStatuses?: string[];
  /** Changes can reach the search index a little after their timestamp: re-read this much. */
  overlapSeconds?: number;
  /** How far back the first read of marketing email events goes (they are many). */
  emailEventDays?: number;
  now?: () => Date;
}

type Positions = Record<string, string>;
const parse = (cursor: string | null): Positions => {
  if (!cursor) return {};
  try {
    const value = JSON.parse(cursor) as unknown;
    return typeof value === 'object' && value !== null ? (value as Positions) : {};
  } catch {
    return {};
  }
};
const isRejection = (v: object): v is Rejection => 'reason' in v && 'file' in v;

function batchOf<T extends { leadId: string } | { id: string }>(items: Array<T | Rejection>, where: (v: T) => string, cursor: string): ReadBatch<T> {
  const records: SourceRecord<T>[] = [];
  const rejections: Rejection[] = [];
  for (const item of items) {
    if (isRejection(item)) rejections.push(item);
    else records.push({ value: item, position: { file: where(item), line: 0 } });
  }
  return { records, rejections, duplicatesSkipped: 0, cursor };
}

/**
 * Reads a portal's contacts (as leads), activities and outcomes. Contacts: the first read pages
 * through the list API, later reads search by lastmodifieddate from the stored cursor less an
 * overlap (the store's upserts make re-read records no-ops). Each stream's cursor is JSON.
 */
export class HubSpotSource implements LeadSource {
  private readonly overlapMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly api: HubSpotApi,
    private readonly options: HubSpotSourceOptions = {},
  ) {
    this.overlapMs = (options.overlapSeconds ?? 300) * 1000;
    this.now = options.now ?? (() => new Date());
  }

  async *readLeads(cursor: string | null): AsyncIterable<ReadBatch<Lead>> {
    const state = parse(cursor);
    const where = (l: Lead) => `contact/${l.id}`;
    if (!state.since) {
      // First backfill (or one that stopped half way): list pages; changes made meanwhile are after startedAt.
      const startedAt = state.startedAt ?? this.now().toISOString();
      for await (const page of listContacts(this.api, state.after ?? null)) {
        const next = page.after ? JSON.stringify({ after: page.after, startedAt }) : JSON.stringify({ since: startedAt });
        yield batchOf(page.records.map(toLead), where, next);
      }
      return;
    }
    const spec = { objectType: 'contacts', modifiedProperty: 'lastmodifieddate', properties: [...CONTACT_PROPERTIES] };
    for await (const page of this.modified(spec, state.since)) {
      yield batchOf(page.records.map(toLead), where, JSON.stringify({ since: page.newest ?? state.since }));
    }
  }

  async *readActivities(cursor: string | null): AsyncIterable<ReadBatch<Activity>> {
    const positions = parse(cursor);
    const map = activityMapping(this.options.activityTypes ?? DEFAULT_ACTIVITY_TYPES);
    const where = (a: Activity) => `contact/${a.leadId}`;
    const at = (key: string, value: string | null) => {
      if (value) positions[key] = value;
      return JSON.stringify(positions);
    };
    for (const e of ENGAGEMENTS.filter((x) => map.kinds.has(x.kind))) {
      const spec = { objectType: e.objectType, modifiedProperty: 'hs_lastmodifieddate', properties: engagementProperties(e) };
      yield* this.unlessForbidden(e.objectType, at(e.objectType, null), async function* (self) {
        for await (const page of self.modified(spec, positions[e.objectType] ?? null)) {
          yield batchOf(await engagementActivities(self.api, e, page.records, map), where, at(e.objectType, page.newest));
        }
      });
    }
    if (map.kinds.has('form')) {
      const spec = { objectType: 'contacts', modifiedProperty: 'recent_conversion_date', properties: ['recent_conversion_date'] };
      yield* this.unlessForbidden('forms', at('forms', null), async function* (self) {
        for await (const page of self.modified(spec, positions.forms ?? null)) {
          yield batchOf(await formActivities(self.api, page.records.map((r) => r.id), map), where, at('forms', page.newest));
        }
      });
    }
    for (const type of map.subtypes('marketing_email').filter((t) => t !== '*')) {
      const key = `marketing_email_${type.toUpperCase()}`;
      yield* this.unlessForbidden(key, at(key, null), async function* (self) {
        const end = self.now().getTime();
        const start = positions[key] ? Date.parse(positions[key]!) - self.overlapMs : end - (self.options.emailEventDays ?? 365) * 86_400_000;
        for await (const events of emailEvents(self.api, type.toUpperCase(), start, end)) {
          const ids = await contactIdsByEmail(self.api, events.flatMap((ev) => (ev.recipient ? [ev.recipient] : [])));
          const activityType = map('marketing_email', type)!;
          const items = events.flatMap((ev) => {
            const id = ev.recipient ? ids.get(ev.recipient.toLowerCase()) : undefined;
            return id ? [emailEventActivity(ev, id, activityType)] : [];
          });
          // Events come in no promised order: the position moves only once the whole range is read.
          yield batchOf(items, where, JSON.stringify(positions));
        }
        yield batchOf<Activity>([], where, at(key, new Date(end).toISOString()));
      });
    }
    if (map.kinds.has('page_view')) {
      // Portals without web analytics (an Enterprise feature) answer 403: that stream is skipped, named.
      yield* this.unlessForbidden('page_views', at('page_views', null), async function* (self) {
        const end = self.now();
        const start = positions.page_views ? new Date(Date.parse(positions.page_views) - self.overlapMs) : new Date(end.getTime() - (self.options.emailEventDays ?? 365) * 86_400_000);
        const prefixes = map.subtypes('page_view');
        for await (const views of pageViews(self.api, start, end)) {
          const items = views.flatMap((v) => {
            const a = pageViewActivity(v, prefixes, map);
            return a ? [a] : [];
          });
          // No order is promised within the range: the position moves once all of it is read.
          yield batchOf(items, where, JSON.stringify(positions));
        }
        yield batchOf<Activity>([], where, at('page_views', end.toISOString()));
      });
    }
  }

  async *readOutcomes(cursor: string | null): AsyncIterable<ReadBatch<Outcome>> {
    const positions = parse(cursor);
    const disqualified = this.options.disqualifiedStatuses ?? ['UNQUALIFIED'];
    const where = (o: Outcome) => `contact/${o.leadId}`;
    const outcomes = (found: Array<{ outcome: Outcome | null }>) => found.flatMap((f) => (f.outcome ? [f.outcome] : []));
    const contactSpec: ModifiedSearch = {
      objectType: 'contacts',
      modifiedProperty: 'lastmodifieddate',
      properties: OUTCOME_CONTACT_PROPERTIES,
      filterGroups: [
        [{ propertyName: 'hs_lifecyclestage_opportunity_date', operator: 'HAS_PROPERTY' }],
        [{ propertyName: 'hs_lifecyclestage_customer_date', operator: 'HAS_PROPERTY' }],
        [{ propertyName: 'hs_lead_status', operator: 'IN', values: disqualified }],
      ],
    };
    for await (const page of this.modified(contactSpec, positions.contacts ?? null)) {
      const found = await outcomesOf(this.api, page.records.map((r) => r.id), disqualified, page.records);
      if (page.newest) positions.contacts = page.newest;
      yield batchOf(outcomes(found), where, JSON.stringify(positions));
    }
    // A deal that closes may leave its contacts untouched: read closed deals on their own clock.
    const dealSpec: ModifiedSearch = { objectType: 'deals', modifiedProperty: 'hs_lastmodifieddate', properties: ['hs_lastmodifieddate'], filterGroups: [[{ propertyName: 'hs_is_closed', operator: 'EQ', value: 'true' }]] };
    for await (const page of this.modified(dealSpec, positions.deals ?? null)) {
      const contacts = await associatedIds(this.api, 'deals', page.records.map((d) => d.id));
      const found = await outcomesOf(this.api, [...new Set([...contacts.values()].flat())], disqualified);
      if (page.newest) positions.deals = page.newest;
      yield batchOf(outcomes(found), where, JSON.stringify(positions));
    }
  }

  /** Records of a search spec modified since `since` less the overlap (all, without a position), up to now. */
  private modified(spec: ModifiedSearch, since: string | null) {
    const from = since ? new Date(Date.parse(since) - this.overlapMs) : new Date(0);
    return searchModified(this.api, spec, from, this.now());
  }

  /**
   * A stream the portal did not grant a scope for (403) is skipped with one rejection that says
   * so; the other streams go on.
   */
  private async *unlessForbidden(stream: string, cursor: string, read: (self: this) => AsyncIterable<ReadBatch<Activity>>): AsyncIterable<ReadBatch<Activity>> {
    try {
      yield* read(this);
    } catch (err) {
      if (!isLeadscoreError(err, 'CRM_AUTH_FAILED')) throw err;
      yield { records: [], rejections: [{ file: stream, line: 0, column: null, reason: `not read: ${err.message}` }], duplicatesSkipped: 0, cursor };
    }
  }
}
