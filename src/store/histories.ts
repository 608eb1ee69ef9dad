import type { Activity, LeadHistory, Outcome, TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';
import { getLeadsByIds, listLeads } from './leads.js';

/**
 * Leads with their activities and outcomes, read a page at a time for scoring: either a page of
 * the tenant's leads in id order (pass the last id to get the next page), or the given ids.
 * Three queries a page, whatever its size.
 */
export async function readHistories(
  db: Queryable,
  tenant: TenantId,
  select: { after?: string; limit: number; openOnly?: boolean } | { ids: readonly string[] },
): Promise<LeadHistory[]> {
  const leads = 'ids' in select ? await getLeadsByIds(db, tenant, select.ids) : await listLeads(db, tenant, select);
  if (leads.length === 0) return [];
  const ids = JSON.stringify(leads.map((l) => l.id));
  const [activityRows, outcomeRows] = await Promise.all([
    db.query<{ lead_id: string; type: string; occurred_at: Date; channel: string | null; detail: string | null }>(
      `SELECT lead_id, type, occurred_at, channel, detail FROM activities
       WHERE tenant_id = $1 AND lead_id IN (SELECT jsonb_array_elements_text($2::jsonb))
       ORDER BY lead_id, occurred_at, type, detail_key`,
      [tenant, ids],
    ),
    db.query<{ lead_id: string; converted: boolean; outcome_at: Date; amount: number | null }>(
      `SELECT lead_id, converted, outcome_at, amount FROM outcomes
       WHERE tenant_id = $1 AND lead_id IN (SELECT jsonb_array_elements_text($2::jsonb))`,
      [tenant, ids],
    ),
  ]);
  const activities = new Map<string, Activity[]>();
  for (const r of activityRows) {
    let list = activities.get(r.lead_id);
    if (!list) activities.set(r.lead_id, (list = []));
    list.push({ leadId: r.lead_id, type: r.type, occurredAt: r.occurred_at, channel: r.channel, detail: r.detail });
  }
  const outcomes = new Map<string, Outcome>(
    outcomeRows.map((r) => [r.lead_id, { leadId: r.lead_id, converted: r.converted, outcomeAt: r.outcome_at, amount: r.amount }]),
  );
  return leads.map((lead) => ({ lead, activities: activities.get(lead.id) ?? [], outcome: outcomes.get(lead.id) ?? null }));
}
