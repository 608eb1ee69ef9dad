import { LeadscoreError } from '../../src/domain/index.js';
import type { HubSpotApi } from './api.js';
import { SearchAnswerSchema, time, type CrmObject } from './records.js';

/** The search API answers at most 200 records a page (and pages no further than 10,000 in). */
export const SEARCH_PAGE = 200;

export interface Filter {
  propertyName: string;
  operator: 'EQ' | 'NEQ' | 'GT' | 'GTE' | 'LT' | 'LTE' | 'HAS_PROPERTY' | 'IN';
  value?: string;
  values?: string[];
}

export interface ModifiedSearch {
  /** 'contacts', 'calls', 'deals', ... */
  objectType: string;
  /** The datetime property that moves on every change: lastmodifieddate (contacts), hs_lastmodifieddate (others). */
  modifiedProperty: string;
  properties: string[];
  /** OR-ed groups of further AND-ed conditions (e.g. "closed deals"); none: every record. */
  filterGroups?: Filter[][];
  pageSize?: number;
}

export interface SearchPage {
  records: CrmObject[];
  /** The newest modification time read so far (ISO), the cursor to resume from. */
  newest: string | null;
}

/**
 * Every record modified in [from, to], oldest change first, with no record lost at an edge.
 *
 * Each request is a fresh query from the last modification time read (inclusive, GTE), sorted by
 * that time, first page only: so no query ever pages towards the 10,000-result cap, and a record
 * changed while we read moves to a later time and is read again instead of shifting offsets and
 * being skipped. Records at the boundary time that were already read are dropped (dedupe by id).
 * When a whole page shares one time (a bulk import), that instant is read on its own, ordered by
 * hs_object_id with an id keyset, before moving past it.
 */
export async function* searchModified(api: HubSpotApi, spec: ModifiedSearch, from: Date, to: Date): AsyncIterable<SearchPage> {
  const limit = Math.min(spec.pageSize ?? SEARCH_PAGE, SEARCH_PAGE);
  const modifiedAt = (r: CrmObject) => time(r.properties[spec.modifiedProperty])?.getTime() ?? NaN;
  let lo = from.getTime();
  let seenAtLo = new Set<string>();
  for (;;) {
    const records = await search(api, spec, limit, [
      { propertyName: spec.modifiedProperty, operator: 'GTE', value: String(lo) },
      { propertyName: spec.modifiedProperty, operator: 'LTE', value: String(to.getTime()) },
    ], spec.modifiedProperty);
    if (records.length === 0) return;
    const first = modifiedAt(records[0]!);
    const last = modifiedAt(records[records.length - 1]!);
    if (Number.isNaN(first) || Number.isNaN(last)) {
      throw new LeadscoreError('CRM_REQUEST_FAILED', `HubSpot's ${spec.objectType} search answered records without a readable ${spec.modifiedProperty}`);
    }
    if (records.length === limit && first === last) {
      // At least a full page changed in the same millisecond: read that instant by id.
      yield* sameInstant(api, spec, limit, last, last === lo ? seenAtLo : new Set());
      lo = last + 1;
      seenAtLo = new Set();
      continue;
    }
    const fresh = records.filter((r) => !(modifiedAt(r) === lo && seenAtLo.has(r.id)));
    yield { records: fresh, newest: new Date(last).toISOString() };
    if (records.length < limit) return;
    if (last !== lo) seenAtLo = new Set();
    lo = last;
    for (const r of records) if (modifiedAt(r) === last) seenAtLo.add(r.id);
  }
}

/** Every record modified at exactly `instant`, by ascending hs_object_id (keyset, no offsets). */
async function* sameInstant(api: HubSpotApi, spec: ModifiedSearch, limit: number, instant: number, alreadyRead: Set<string>): AsyncIterable<SearchPage> {
  let afterId: string | null = null;
  for (;;) {
    const filters: Filter[] = [{ propertyName: spec.modifiedProperty, operator: 'EQ', value: String(instant) }];
    if (afterId !== null) filters.push({ propertyName: 'hs_object_id', operator: 'GT', value: afterId });
    const records = await search(api, spec, limit, filters, 'hs_object_id');
    const fresh = records.filter((r) => !alreadyRead.has(r.id));
    if (records.length > 0) yield { records: fresh, newest: new Date(instant).toISOString() };
    if (records.length < limit) return;
    afterId = records[records.length - 1]!.id;
  }
}

/** One search request: the given conditions AND-ed onto each of the spec's filter groups. */
async function search(api: HubSpotApi, spec: ModifiedSearch, limit: number, conditions: Filter[], sortBy: string): Promise<CrmObject[]> {
  const groups = spec.filterGroups?.length ? spec.filterGroups : [[]];
  const answer = await api.request(
    `the ${spec.objectType} search`,
    {
      method: 'POST',
      path: `/crm/v3/objects/${spec.objectType}/search`,
      search: true,
      body: {
        filterGroups: groups.map((extra) => ({ filters: [...conditions, ...extra] })),
        sorts: [{ propertyName: sortBy, direction: 'ASCENDING' }],
        properties: [...new Set([...spec.properties, spec.modifiedProperty])],
        limit,
      },
    },
    SearchAnswerSchema,
  );
  return answer.results;
}
