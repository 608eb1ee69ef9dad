import type { Outcome, TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';
import { lastByKey, type UpsertCounts } from './counts.js';

/** Insert or update each lead's outcome; an unchanged outcome is not written. */
export async function upsertOutcomes(
  db: Queryable,
  tenant: TenantId,
  outcomes: readonly Outcome[],
): Promise<UpsertCounts> {
  const unique = lastByKey(outcomes, (o) => o.leadId);
  if (unique.length === 0) return { inserted: 0, updated: 0, unchanged: outcomes.length };
  const rows = await db.query<{ inserted: boolean }>(
    `INSERT INTO outcomes AS o (tenant_id, lead_id, converted, outcome_at, amount)
     SELECT $1, r.lead_id, r.converted, r.outcome_at, r.amount
     FROM jsonb_to_recordset($2::jsonb) AS r(lead_id text, converted boolean, outcome_at timestamptz, amount double precision)
     ON CONFLICT (tenant_id, lead_id) DO UPDATE SET
       converted = excluded.converted, outcome_at = excluded.outcome_at, amount = excluded.amount, updated_at = now()
     WHERE (o.converted, o.outcome_at, o.amount) IS DISTINCT FROM (excluded.converted, excluded.outcome_at, excluded.amount)
     RETURNING (xmax = 0) AS inserted`,
    [
      tenant,
      JSON.stringify(
        unique.map((o) => ({
          lead_id: o.leadId,
          converted: o.converted,
          outcome_at: o.outcomeAt.toISOString(),
          amount: o.amount,
        })),
      ),
    ],
  );
  const inserted = rows.filter((r) => r.inserted).length;
  return { inserted, updated: rows.length - inserted, unchanged: outcomes.length - rows.length };
}

export async function getOutcome(db: Queryable, tenant: TenantId, leadId: string): Promise<Outcome | null> {
  const rows = await db.query<{ converted: boolean; outcome_at: Date; amount: number | null }>(
    'SELECT converted, outcome_at, amount FROM outcomes WHERE tenant_id = $1 AND lead_id = $2',
    [tenant, leadId],
  );
  const row = rows[0];
  return row ? { leadId, converted: row.converted, outcomeAt: row.outcome_at, amount: row.amount } : null;
}

/**
 * Remove the stored outcomes of leads their CRM says are open again (a conversion undone by an
 * admin, a disqualified status reopened), only for leads from `source`; the removed outcomes are
 * answered so the caller can audit them. The lead is then open and scored again. Only outcomes
 * stored before `storedBefore` (the sync's start): one the same sync read is newer than the lead row.
 */
export async function retractOutcomes(db: Queryable, tenant: TenantId, leadIds: readonly string[], source: string, storedBefore: Date): Promise<Outcome[]> {
  if (leadIds.length === 0) return [];
  const rows = await db.query<{ lead_id: string; converted: boolean; outcome_at: Date; amount: number | null }>(
    `DELETE FROM outcomes o USING leads l
     WHERE o.tenant_id = $1 AND l.tenant_id = o.tenant_id AND l.lead_id = o.lead_id AND l.source = $2
       AND o.lead_id IN (SELECT jsonb_array_elements_text($3::jsonb)) AND o.updated_at < $4
     RETURNING o.lead_id, o.converted, o.outcome_at, o.amount`,
    [tenant, source, JSON.stringify(leadIds), storedBefore.toISOString()],
  );
  return rows.map((r) => ({ leadId: r.lead_id, converted: r.converted, outcomeAt: new Date(r.outcome_at), amount: r.amount }));
}
