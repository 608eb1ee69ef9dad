import type { Activity, LeadHistory, LeadSource, Rejection } from '../domain/index.js';

export type { LeadHistory } from '../domain/index.js';

export interface Collected {
  histories: LeadHistory[];
  rejections: Rejection[];
  /** Repeated deliveries dropped. */
  duplicates: number;
}

/**
 * Read a whole source into memory with the store's rules (an activity is its lead, time, type
 * and detail; unknown leads are rejected), for training and scoring straight from a bundle
 * without a database.
 */
export async function collectHistories(source: LeadSource): Promise<Collected> {
  const byId = new Map<string, LeadHistory>();
  const rejections: Rejection[] = [];
  let duplicates = 0;
  const unknown = (position: { file: string; line: number } | null, leadId: string, stream: string) =>
    rejections.push({
      file: position?.file ?? stream,
      line: position?.line ?? 0,
      column: 'lead_id',
      reason: `lead_id "${leadId}" is not a lead of this bundle`,
    });

  for await (const batch of source.readLeads(null)) {
    rejections.push(...batch.rejections);
    duplicates += batch.duplicatesSkipped;
    for (const { value } of batch.records) byId.set(value.id, { lead: value, activities: [], outcome: null });
  }
  for await (const batch of source.readActivities(null)) {
    rejections.push(...batch.rejections);
    for (const { value, position } of batch.records) {
      const history = byId.get(value.leadId);
      if (!history) {
        unknown(position, value.leadId, 'activities');
        continue;
      }
      history.activities.push(value);
    }
  }
  for await (const batch of source.readOutcomes(null)) {
    rejections.push(...batch.rejections);
    duplicates += batch.duplicatesSkipped;
    for (const { value, position } of batch.records) {
      const history = byId.get(value.leadId);
      if (!history) unknown(position, value.leadId, 'outcomes');
      else history.outcome = value;
    }
  }
  const histories = [...byId.values()];
  for (const h of histories) {
    const before = h.activities.length;
    h.activities = distinctInTimeOrder(h.activities);
    duplicates += before - h.activities.length;
  }
  return { histories, rejections, duplicates };
}

const order = (a: Activity, b: Activity) =>
  a.occurredAt.getTime() - b.occurredAt.getTime() ||
  (a.type < b.type ? -1 : a.type > b.type ? 1 : 0) ||
  ((a.detail ?? '') < (b.detail ?? '') ? -1 : (a.detail ?? '') > (b.detail ?? '') ? 1 : 0);

/** Sorted by time, with repeats of the same time, type and detail dropped. */
function distinctInTimeOrder(activities: Activity[]): Activity[] {
  activities.sort(order);
  return activities.filter((a, i) => i === 0 || order(activities[i - 1]!, a) !== 0);
}
