import type { TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

/** The Bulk API 2.0 ingest job already made for a batch of writes, if any (see migration 013). */
export async function findBulkJob(db: Queryable, tenant: TenantId, connectionId: string, batchKey: string): Promise<string | null> {
  const rows = await db.query<{ job_id: string }>(
    `SELECT job_id FROM salesforce_bulk_jobs WHERE tenant_id = $1 AND connection_id = $2 AND batch_key = $3 AND created_at > now() - interval '7 days'`,
    [tenant, connectionId, batchKey],
  );
  return rows[0]?.job_id ?? null;
}

export async function saveBulkJob(db: Queryable, tenant: TenantId, connectionId: string, batchKey: string, job: { id: string; sobject: string; records: number }): Promise<void> {
  await db.query(`DELETE FROM salesforce_bulk_jobs WHERE tenant_id = $1 AND created_at < now() - interval '7 days'`, [tenant]);
  await db.query(
    `INSERT INTO salesforce_bulk_jobs (tenant_id, connection_id, batch_key, job_id, sobject, records) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (tenant_id, connection_id, batch_key) DO UPDATE SET job_id = excluded.job_id, sobject = excluded.sobject, records = excluded.records, created_at = now()`,
    [tenant, connectionId, batchKey, job.id, job.sobject, job.records],
  );
}

export async function forgetBulkJob(db: Queryable, tenant: TenantId, connectionId: string, batchKey: string): Promise<void> {
  await db.query(`DELETE FROM salesforce_bulk_jobs WHERE tenant_id = $1 AND connection_id = $2 AND batch_key = $3`, [tenant, connectionId, batchKey]);
}

/** Leads of `source` with a write due now: how big the next writeback run is. */
export async function countDueWrites(db: Queryable, tenant: TenantId, source: string): Promise<number> {
  const rows = await db.query<{ n: string | number }>(
    `SELECT count(DISTINCT o.lead_id) AS n FROM outbox o JOIN leads l ON l.tenant_id = o.tenant_id AND l.lead_id = o.lead_id
     WHERE o.tenant_id = $1 AND l.source = $2 AND o.sent_at IS NULL AND o.failed_at IS NULL AND o.next_attempt_at <= now()`,
    [tenant, source],
  );
  return Number(rows[0]?.n ?? 0);
}
