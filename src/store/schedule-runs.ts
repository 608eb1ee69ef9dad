import type { TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

/**
 * Claim one fire of a tenant's schedule: true for the first process to ask, false for every
 * later one (another process already acted on it).
 */
export async function claimScheduledRun(db: Queryable, tenant: TenantId, schedule: string, slot: Date, holder: string): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO schedule_runs (tenant_id, schedule, slot, claimed_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, schedule, slot) DO NOTHING RETURNING slot`,
    [tenant, schedule, slot, holder],
  );
  return rows.length === 1;
}

/** Note the job a claimed fire sent (null: one was already waiting for the tenant). */
export async function recordScheduledJob(db: Queryable, tenant: TenantId, schedule: string, slot: Date, jobId: string | null): Promise<void> {
  await db.query(`UPDATE schedule_runs SET job_id = $4 WHERE tenant_id = $1 AND schedule = $2 AND slot = $3`, [tenant, schedule, slot, jobId]);
}

/** A tenant's recent fires, newest first (what the settings page shows as "last run"). */
export async function recentScheduledRuns(
  db: Queryable,
  tenant: TenantId,
  limit = 20,
): Promise<Array<{ schedule: string; slot: Date; claimedBy: string; jobId: string | null }>> {
  const rows = await db.query<{ schedule: string; slot: Date; claimed_by: string; job_id: string | null }>(
    `SELECT schedule, slot, claimed_by, job_id FROM schedule_runs WHERE tenant_id = $1 ORDER BY slot DESC LIMIT $2`,
    [tenant, limit],
  );
  return rows.map((r) => ({ schedule: r.schedule, slot: r.slot, claimedBy: r.claimed_by, jobId: r.job_id }));
}

/** Forget fires older than `days` (every process prunes now and then; the rows are only for deduplication and display). */
export async function pruneScheduledRuns(db: Queryable, days = 30): Promise<number> {
  const rows = await db.query(`DELETE FROM schedule_runs WHERE slot < now() - make_interval(days => $1) RETURNING 1`, [days]);
  return rows.length;
}

/** Every tenant's settings version in force (0 without saved settings): schedules follow changes. */
export async function settingsVersionsOfTenants(db: Queryable): Promise<Map<TenantId, number>> {
  const rows = await db.query<{ tenant_id: TenantId; version: number }>(
    `SELECT t.tenant_id, COALESCE(max(s.version), 0)::int AS version
       FROM tenants t LEFT JOIN settings_versions s ON s.tenant_id = t.tenant_id
      GROUP BY t.tenant_id ORDER BY t.tenant_id`,
  );
  return new Map(rows.map((r) => [r.tenant_id, r.version]));
}
