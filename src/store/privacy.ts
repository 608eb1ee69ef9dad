import type { TenantId } from '../domain/index.js';
import type { Database, Queryable } from './db.js';
import { deleteLeads } from './leads.js';

/** Leads deleted in their CRM: removed with their data, and the writes still waiting for them dropped. */
export async function deleteLeadsAndPendingWrites(db: Queryable, tenant: TenantId, leadIds: readonly string[], source: string): Promise<number> {
  if (leadIds.length === 0) return 0;
  const removed = await deleteLeads(db, tenant, leadIds, source);
  await db.query(`DELETE FROM outbox WHERE tenant_id = $1 AND sent_at IS NULL AND failed_at IS NULL AND lead_id IN (SELECT jsonb_array_elements_text($2::jsonb))`, [tenant, JSON.stringify(leadIds)]);
  return removed;
}

export interface ErasedCounts {
  leads: number;
  activities: number;
  outcomes: number;
  scores: number;
  scoreHistory: number;
  outbox: number;
  webhookEvents: number;
  jobsScrubbed: number;
}

/**
 * Remove every stored trace of one lead (a privacy deletion): the lead with its activities,
 * outcome, score and score history, its pending and past CRM writes, its owner assignment and
 * audit entries, the webhook events about it, and its id in job requests and results. One transaction: all of it or nothing. The event
 * that asked for the removal (`keepEvent`) stays, without the id, so a redelivery is still known.
 */
export async function eraseLead(db: Database, tenant: TenantId, leadId: string, keepEvent: { accountId: string; eventId: string } | null = null): Promise<ErasedCounts> {
  return db.transaction(async (tx) => {
    const count = async (sql: string) => Number((await tx.query<{ n: string | number }>(sql, [tenant, leadId]))[0]!.n);
    const activities = await count(`SELECT count(*) AS n FROM activities WHERE tenant_id = $1 AND lead_id = $2`);
    const outcomes = await count(`SELECT count(*) AS n FROM outcomes WHERE tenant_id = $1 AND lead_id = $2`);
    const scores = await count(`SELECT count(*) AS n FROM scores WHERE tenant_id = $1 AND lead_id = $2`);
    const scoreHistory = await count(`SELECT count(*) AS n FROM score_history WHERE tenant_id = $1 AND lead_id = $2`);
    // Activities, outcomes, scores and their history go with the lead (ON DELETE CASCADE).
    const leads = (await tx.query(`DELETE FROM leads WHERE tenant_id = $1 AND lead_id = $2 RETURNING lead_id`, [tenant, leadId])).length;
    const outbox = (await tx.query(`DELETE FROM outbox WHERE tenant_id = $1 AND lead_id = $2 RETURNING outbox_id`, [tenant, leadId])).length;
    const webhookEvents = (
      await tx.query(`DELETE FROM webhook_events WHERE tenant_id = $1 AND object_id = $2 AND NOT (account_id = $3 AND event_id = $4) RETURNING event_id`, [tenant, leadId, keepEvent?.accountId ?? '', keepEvent?.eventId ?? ''])
    ).length;
    // Its owner assignment and the audit entries naming it (field writes, assignments) go too;
    // the privacy deletion's own entry names it only by a keyed hash.
    await tx.query(`DELETE FROM routing_assignments WHERE tenant_id = $1 AND lead_id = $2`, [tenant, leadId]);
    await tx.query(`DELETE FROM audit_log WHERE tenant_id = $1 AND record_id = $2`, [tenant, leadId]);
    if (keepEvent) {
      await tx.query(`UPDATE webhook_events SET object_id = NULL, payload = '{}' WHERE tenant_id = $1 AND account_id = $2 AND event_id = $3`, [tenant, keepEvent.accountId, keepEvent.eventId]);
    }
    const scrub = (field: string) => `coalesce((SELECT jsonb_agg(x) FROM jsonb_array_elements(${field}) x WHERE x <> to_jsonb($2::text)), '[]'::jsonb)`;
    const jobsScrubbed = (
      await tx.query(
        `UPDATE jobs SET
           request = CASE WHEN jsonb_typeof(request->'leads') = 'array' THEN jsonb_set(request, '{leads}', ${scrub("request->'leads'")}) ELSE request END,
           result = CASE WHEN jsonb_typeof(result->'unknownIds') = 'array' THEN jsonb_set(result, '{unknownIds}', ${scrub("result->'unknownIds'")}) ELSE result END
         WHERE tenant_id = $1 AND (request->'leads' ? $2 OR coalesce(result->'unknownIds' ? $2, false))
         RETURNING job_id`,
        [tenant, leadId],
      )
    ).length;
    return { leads, activities, outcomes, scores, scoreHistory, outbox, webhookEvents, jobsScrubbed };
  });
}
