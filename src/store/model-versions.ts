import { createHash } from 'node:crypto';
import type { TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

export const MODEL_STATUSES = ['champion', 'challenger', 'retired', 'failed'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

export interface ModelVersion {
  version: string;
  status: ModelStatus;
  trainingFrom: Date | null;
  trainingTo: Date | null;
  outcomes: number | null;
  dataHash: string | null;
  metrics: Record<string, unknown>;
  evaluation: Record<string, unknown>;
  reason: string;
  createdAt: Date;
  promotedAt: Date | null;
  retiredAt: Date | null;
}

export interface NewModelVersion {
  version: string;
  status: ModelStatus;
  trainingFrom?: Date | null;
  trainingTo?: Date | null;
  outcomes?: number | null;
  dataHash?: string | null;
  metrics?: Record<string, unknown>;
  evaluation?: Record<string, unknown>;
  reason: string;
  files?: ReadonlyArray<{ name: string; bytes: Uint8Array }>;
}

interface VersionRow {
  version: string;
  status: ModelStatus;
  training_from: Date | null;
  training_to: Date | null;
  outcomes: number | null;
  data_hash: string | null;
  metrics: Record<string, unknown>;
  evaluation: Record<string, unknown>;
  reason: string;
  created_at: Date;
  promoted_at: Date | null;
  retired_at: Date | null;
}

const toVersion = (r: VersionRow): ModelVersion => ({
  version: r.version,
  status: r.status,
  trainingFrom: r.training_from,
  trainingTo: r.training_to,
  outcomes: r.outcomes,
  dataHash: r.data_hash,
  metrics: r.metrics,
  evaluation: r.evaluation,
  reason: r.reason,
  createdAt: r.created_at,
  promotedAt: r.promoted_at,
  retiredAt: r.retired_at,
});

const COLUMNS = 'version, status, training_from, training_to, outcomes, data_hash, metrics, evaluation, reason, created_at, promoted_at, retired_at';

/** Record a model version and its files. Run it in a transaction when the files matter. */
export async function insertModelVersion(db: Queryable, tenant: TenantId, v: NewModelVersion): Promise<void> {
  await db.query(
    `INSERT INTO model_versions (tenant_id, version, status, training_from, training_to, outcomes, data_hash, metrics, evaluation, reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10)`,
    [tenant, v.version, v.status, v.trainingFrom ?? null, v.trainingTo ?? null, v.outcomes ?? null, v.dataHash ?? null, JSON.stringify(v.metrics ?? {}), JSON.stringify(v.evaluation ?? {}), v.reason],
  );
  for (const file of v.files ?? []) {
    await db.query(`INSERT INTO model_files (tenant_id, version, file_name, bytes, sha256) VALUES ($1, $2, $3, $4, $5)`, [
      tenant,
      v.version,
      file.name,
      Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength),
      createHash('sha256').update(file.bytes).digest('hex'),
    ]);
  }
}

/** A tenant's model versions, newest first. */
export async function listModelVersions(db: Queryable, tenant: TenantId, limit = 100): Promise<ModelVersion[]> {
  const rows = await db.query<VersionRow>(`SELECT ${COLUMNS} FROM model_versions WHERE tenant_id = $1 ORDER BY created_at DESC, version DESC LIMIT $2`, [tenant, limit]);
  return rows.map(toVersion);
}

export async function getModelVersion(db: Queryable, tenant: TenantId, version: string): Promise<ModelVersion | null> {
  const rows = await db.query<VersionRow>(`SELECT ${COLUMNS} FROM model_versions WHERE tenant_id = $1 AND version = $2`, [tenant, version]);
  return rows[0] ? toVersion(rows[0]) : null;
}

/** The version that scores the tenant's leads, or null while the shipped default does. */
export async function getChampion(db: Queryable, tenant: TenantId): Promise<ModelVersion | null> {
  const rows = await db.query<VersionRow>(`SELECT ${COLUMNS} FROM model_versions WHERE tenant_id = $1 AND status = 'champion'`, [tenant]);
  return rows[0] ? toVersion(rows[0]) : null;
}

/** A version's files with the SHA-256 recorded when they were stored. */
export async function readModelFiles(db: Queryable, tenant: TenantId, version: string): Promise<Array<{ name: string; bytes: Uint8Array; sha256: string }>> {
  const rows = await db.query<{ file_name: string; bytes: Uint8Array; sha256: string }>(
    `SELECT file_name, bytes, sha256 FROM model_files WHERE tenant_id = $1 AND version = $2 ORDER BY file_name`,
    [tenant, version],
  );
  return rows.map((r) => ({ name: r.file_name, bytes: r.bytes, sha256: r.sha256 }));
}

/** Change a version's status, reason or evaluation (fields left out stay). */
export async function updateModelVersion(
  db: Queryable,
  tenant: TenantId,
  version: string,
  change: { status?: ModelStatus; reason?: string; evaluation?: Record<string, unknown> },
): Promise<void> {
  await db.query(
    `UPDATE model_versions SET status = coalesce($3, status), reason = coalesce($4, reason), evaluation = coalesce($5::jsonb, evaluation)
     WHERE tenant_id = $1 AND version = $2`,
    [tenant, version, change.status ?? null, change.reason ?? null, change.evaluation ? JSON.stringify(change.evaluation) : null],
  );
}

/**
 * Make `version` the champion (null: none, the shipped default scores), retiring the one in force.
 * Run inside a transaction: the tenant's model changes are serialized by an advisory lock.
 * Answers the champion that was replaced.
 */
export async function setChampion(tx: Queryable, tenant: TenantId, version: string | null, reason: string): Promise<string | null> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('models:' || $1))`, [tenant]);
  const previous = await tx.query<{ version: string }>(
    `UPDATE model_versions SET status = 'retired', retired_at = now() WHERE tenant_id = $1 AND status = 'champion' RETURNING version`,
    [tenant],
  );
  if (version !== null) {
    const promoted = await tx.query(
      `UPDATE model_versions SET status = 'champion', promoted_at = now(), retired_at = NULL, reason = $3 WHERE tenant_id = $1 AND version = $2 RETURNING version`,
      [tenant, version, reason],
    );
    if (promoted.length === 0) throw new Error(`no model version "${version}" for this tenant`);
  }
  return previous[0]?.version ?? null;
}

/** Ids of the tenant's leads with an outcome decided in [from, to), oldest outcome first. */
export async function closedLeadIds(db: Queryable, tenant: TenantId, window: { from: Date; to: Date }): Promise<string[]> {
  const rows = await db.query<{ lead_id: string }>(
    `SELECT lead_id FROM outcomes WHERE tenant_id = $1 AND outcome_at >= $2 AND outcome_at < $3 ORDER BY outcome_at, lead_id`,
    [tenant, window.from, window.to],
  );
  return rows.map((r) => r.lead_id);
}

/**
 * The challenger a live A/B split runs for: the newest version kept as challenger that was
 * trained after the champion came into force (an older one already lost to it, or to its time).
 */
export async function newestChallenger(db: Queryable, tenant: TenantId): Promise<ModelVersion | null> {
  const rows = await db.query<VersionRow>(
    `SELECT ${COLUMNS} FROM model_versions v WHERE tenant_id = $1 AND status = 'challenger'
       AND created_at >= coalesce((SELECT promoted_at FROM model_versions c WHERE c.tenant_id = $1 AND c.status = 'champion'), '-infinity')
     ORDER BY created_at DESC, version DESC LIMIT 1`,
    [tenant],
  );
  return rows[0] ? toVersion(rows[0]) : null;
}
