import type { TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

/**
 * The API use a CRM last reported for a connection, kept in its settings as `apiUsage`:
 * Salesforce's org-wide `used` of `limit` calls today, or HubSpot's daily limit and what remains.
 */
export type ApiUsageNote =
  | { source: 'Sforce-Limit-Info'; used: number; limit: number; at: string }
  | { source: 'X-HubSpot-RateLimit-Daily'; limit: number; remaining: number; at: string };

/**
 * Record the calls a connection made (added to this hour's count) and, when the CRM reported it,
 * its API use. Both in one statement each; a connection removed meanwhile records nothing.
 */
export async function recordApiUsage(db: Queryable, tenant: TenantId, connectionId: string, usage: { calls: number; note: ApiUsageNote | null; now?: Date }): Promise<void> {
  const now = usage.now ?? new Date();
  if (usage.calls > 0) {
    await db.query(
      `INSERT INTO connection_api_calls (tenant_id, connection_id, hour, calls)
       SELECT $1, $2, date_trunc('hour', $3::timestamptz), $4 FROM connections WHERE tenant_id = $1 AND connection_id = $2
       ON CONFLICT (tenant_id, connection_id, hour) DO UPDATE SET calls = connection_api_calls.calls + excluded.calls`,
      [tenant, connectionId, now.toISOString(), usage.calls],
    );
    // Only the last day is shown; a week is kept for looking back by hand.
    await db.query(`DELETE FROM connection_api_calls WHERE tenant_id = $1 AND connection_id = $2 AND hour < $3::timestamptz - interval '7 days'`, [tenant, connectionId, now.toISOString()]);
  }
  if (usage.note) {
    await db.query(`UPDATE connections SET settings = settings || jsonb_build_object('apiUsage', $3::jsonb), updated_at = now() WHERE tenant_id = $1 AND connection_id = $2`, [
      tenant,
      connectionId,
      JSON.stringify(usage.note),
    ]);
  }
}

/** Calls per connection of a tenant in the 24 hours before `now` (counted by whole hours, so up to 25 h). */
export async function apiCallsLastDay(db: Queryable, tenant: TenantId, now = new Date()): Promise<Map<string, number>> {
  const rows = await db.query<{ connection_id: string; calls: string | number }>(
    `SELECT connection_id, sum(calls) AS calls FROM connection_api_calls
     WHERE tenant_id = $1 AND hour > date_trunc('hour', $2::timestamptz) - interval '24 hours' AND hour <= $2::timestamptz
     GROUP BY connection_id`,
    [tenant, now.toISOString()],
  );
  return new Map(rows.map((r) => [r.connection_id, Number(r.calls)]));
}
