import { randomUUID } from 'node:crypto';
import type { TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface Job {
  id: string;
  tenant: TenantId;
  kind: string;
  status: JobStatus;
  request: Record<string, unknown>;
  progress: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

interface JobRow {
  tenant_id: string;
  job_id: string;
  kind: string;
  status: JobStatus;
  request: Record<string, unknown>;
  progress: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const toJob = (r: JobRow): Job => ({
  id: r.job_id,
  tenant: r.tenant_id as TenantId,
  kind: r.kind,
  status: r.status,
  request: r.request,
  progress: r.progress,
  result: r.result,
  error: r.error,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

export async function createJob(db: Queryable, tenant: TenantId, kind: string, request: Record<string, unknown>): Promise<Job> {
  const rows = await db.query<JobRow>(
    `INSERT INTO jobs (tenant_id, job_id, kind, status, request) VALUES ($1, $2, $3, 'queued', $4::jsonb) RETURNING *`,
    [tenant, randomUUID(), kind, JSON.stringify(request)],
  );
  return toJob(rows[0]!);
}

export async function getJob(db: Queryable, tenant: TenantId, id: string): Promise<Job | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const rows = await db.query<JobRow>(`SELECT * FROM jobs WHERE tenant_id = $1 AND job_id = $2`, [tenant, id]);
  return rows[0] ? toJob(rows[0]) : null;
}

export async function updateJob(
  db: Queryable,
  tenant: TenantId,
  id: string,
  change: { status?: JobStatus; progress?: Record<string, unknown>; result?: Record<string, unknown>; error?: string },
): Promise<void> {
  await db.query(
    `UPDATE jobs SET
       status = coalesce($3, status),
       progress = coalesce($4::jsonb, progress),
       result = coalesce($5::jsonb, result),
       error = coalesce($6, error),
       started_at = CASE WHEN $3 = 'running' THEN now() ELSE started_at END,
       finished_at = CASE WHEN $3 IN ('succeeded', 'failed') THEN now() ELSE finished_at END
     WHERE tenant_id = $1 AND job_id = $2`,
    [
      tenant,
      id,
      change.status ?? null,
      change.progress ? JSON.stringify(change.progress) : null,
      change.result ? JSON.stringify(change.result) : null,
      change.error ?? null,
    ],
  );
}

/** Jobs not finished, oldest first, of every tenant: what a restarted runner picks up again. */
export async function unfinishedJobs(db: Queryable): Promise<Job[]> {
  const rows = await db.query<JobRow>(`SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY created_at`);
  return rows.map(toJob);
}

export async function countJobs(db: Queryable, status: JobStatus): Promise<number> {
  const rows = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM jobs WHERE status = $1`, [status]);
  return Number(rows[0]!.n);
}

/**
 * Take every waiting batch rescore of a tenant for the run about to start (rows a dead worker left
 * running included; the job queue runs one batch per tenant at a time): one run answers them all.
 */
export async function adoptBatchRescores(db: Queryable, tenant: TenantId): Promise<string[]> {
  const rows = await db.query<{ job_id: string }>(
    `UPDATE jobs SET status = 'running', started_at = now(), error = NULL
      WHERE tenant_id = $1 AND kind = 'rescore' AND status IN ('queued', 'running') AND request = '{"all": true}'::jsonb
      RETURNING job_id`,
    [tenant],
  );
  return rows.map((r) => r.job_id);
}

/** A tenant's batch rescore that is waiting to start, if any. */
export async function queuedBatchRescore(db: Queryable, tenant: TenantId): Promise<Job | null> {
  const rows = await db.query<JobRow>(
    `SELECT * FROM jobs WHERE tenant_id = $1 AND kind = 'rescore' AND status = 'queued' AND request = '{"all": true}'::jsonb ORDER BY created_at LIMIT 1`,
    [tenant],
  );
  return rows[0] ? toJob(rows[0]) : null;
}
