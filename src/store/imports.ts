import type { TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

export type ImportStatus = 'running' | 'succeeded' | 'rejected_rows' | 'failed';

export interface ImportRun {
  id: number;
  source: string;
  status: ImportStatus;
  startedAt: Date;
  finishedAt: Date | null;
  report: unknown;
}

export async function startImportRun(db: Queryable, tenant: TenantId, source: string): Promise<number> {
  const rows = await db.query<{ import_id: number }>(
    `INSERT INTO import_runs (tenant_id, source, status) VALUES ($1, $2, 'running') RETURNING import_id::int AS import_id`,
    [tenant, source],
  );
  return rows[0]!.import_id;
}

export async function finishImportRun(
  db: Queryable,
  tenant: TenantId,
  importId: number,
  status: Exclude<ImportStatus, 'running'>,
  report: unknown,
): Promise<void> {
  await db.query(
    `UPDATE import_runs SET status = $3, finished_at = now(), report = $4::jsonb WHERE tenant_id = $1 AND import_id = $2`,
    [tenant, importId, status, JSON.stringify(report)],
  );
}

export async function latestImportRun(db: Queryable, tenant: TenantId): Promise<ImportRun | null> {
  const rows = await db.query<{
    import_id: number;
    source: string;
    status: ImportStatus;
    started_at: Date;
    finished_at: Date | null;
    report: unknown;
  }>(
    `SELECT import_id::int AS import_id, source, status, started_at, finished_at, report FROM import_runs
     WHERE tenant_id = $1 ORDER BY import_id DESC LIMIT 1`,
    [tenant],
  );
  const row = rows[0];
  return row
    ? { id: row.import_id, source: row.source, status: row.status, startedAt: row.started_at, finishedAt: row.finished_at, report: row.report }
    : null;
}
