import type { Activity, TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';
import type { UpsertCounts } from './counts.js';

/**
 * Insert activities; one already stored (same lead, time, type and detail) is skipped, so a
 * repeated delivery is stored once. Every activity's lead must already be stored.
 */
export async function insertActivities(
  db: Queryable,
  tenant: TenantId,
  activities: readonly Activity[],
): Promise<UpsertCounts> {
  if (activities.length === 0) return { inserted: 0, updated: 0, unchanged: 0 };
  const rows = await db.query<{ inserted: number; leads: string[] }>(
    `WITH added AS (
       INSERT INTO activities (tenant_id, lead_id, type, occurred_at, channel, detail)
       SELECT $1, r.lead_id, r.type, r.occurred_at, r.channel, r.detail
       FROM jsonb_to_recordset($2::jsonb) AS r(lead_id text, type text, occurred_at timestamptz, channel text, detail text)
       ON CONFLICT (tenant_id, lead_id, occurred_at, type, detail_key) DO NOTHING
       RETURNING lead_id
     )
     SELECT count(*)::int AS inserted, coalesce(jsonb_agg(DISTINCT lead_id), '[]') AS leads FROM added`,
    [
      tenant,
      JSON.stringify(
        activities.map((a) => ({
          lead_id: a.leadId,
          type: a.type,
          occurred_at: a.occurredAt.toISOString(),
          channel: a.channel,
          detail: a.detail,
        })),
      ),
    ],
  );
  const inserted = rows[0]?.inserted ?? 0;
  return { inserted, updated: 0, unchanged: activities.length - inserted, changedLeadIds: rows[0]?.leads ?? [] };
}

/** A lead's activities in time order, optionally only those before a time (point in time). */
export async function listActivities(
  db: Queryable,
  tenant: TenantId,
  leadId: string,
  before?: Date,
): Promise<Activity[]> {
  const rows = await db.query<{ type: string; occurred_at: Date; channel: string | null; detail: string | null }>(
    `SELECT type, occurred_at, channel, detail FROM activities
     WHERE tenant_id = $1 AND lead_id = $2 AND ($3::timestamptz IS NULL OR occurred_at < $3)
     ORDER BY occurred_at, type, detail_key`,
    [tenant, leadId, before?.toISOString() ?? null],
  );
  return rows.map((r) => ({ leadId, type: r.type, occurredAt: r.occurred_at, channel: r.channel, detail: r.detail }));
}
