import type { TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

/** What an audit entry records; the API filters by these. */
export const AUDIT_ACTIONS = ['field_write', 'assignment', 'follow_up_task', 'dead_letter_retry', 'privacy_deletion', 'model_promotion', 'model_rollback', 'connection_uninstalled', 'portal_data_deletion', 'outcome_retracted'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  action: AuditAction;
  recordId: string;
  connectionId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** What caused it: "score 1234" (the score's version) or a routing rule and settings version. */
  cause: string;
  outcome: string;
  note?: string | null;
}

export interface AuditRecord extends AuditEntry {
  id: number;
  at: Date;
}

export async function recordAudit(db: Queryable, tenant: TenantId, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO audit_log (tenant_id, action, record_id, connection_id, before, after, cause, outcome, note)
     SELECT $1, r.action, r.record_id, r.connection_id, r.before, r.after, r.cause, r.outcome, r.note
     FROM jsonb_to_recordset($2::jsonb) AS r(action text, record_id text, connection_id text, before jsonb, after jsonb, cause text, outcome text, note text)`,
    [
      tenant,
      JSON.stringify(
        entries.map((e) => ({ action: e.action, record_id: e.recordId, connection_id: e.connectionId, before: e.before, after: e.after, cause: e.cause, outcome: e.outcome, note: e.note ?? null })),
      ),
    ],
  );
}

export interface AuditFilter {
  recordId?: string;
  action?: AuditAction;
  outcome?: string;
  from?: Date;
  to?: Date;
  /** Keyset paging: entries older than this id. */
  before?: number;
  limit?: number;
}

/** A tenant's audit entries, newest first. */
export async function queryAudit(db: Queryable, tenant: TenantId, filter: AuditFilter = {}): Promise<AuditRecord[]> {
  const rows = await db.query<{
    audit_id: string;
    at: Date;
    action: AuditAction;
    record_id: string;
    connection_id: string | null;
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
    cause: string;
    outcome: string;
    note: string | null;
  }>(
    `SELECT * FROM audit_log
     WHERE tenant_id = $1 AND ($2::text IS NULL OR record_id = $2) AND ($3::text IS NULL OR action = $3) AND ($4::text IS NULL OR outcome = $4)
       AND ($5::timestamptz IS NULL OR at >= $5) AND ($6::timestamptz IS NULL OR at < $6) AND ($7::bigint IS NULL OR audit_id < $7)
     ORDER BY audit_id DESC LIMIT $8`,
    [tenant, filter.recordId ?? null, filter.action ?? null, filter.outcome ?? null, filter.from ?? null, filter.to ?? null, filter.before ?? null, filter.limit ?? 50],
  );
  return rows.map((r) => ({
    id: Number(r.audit_id),
    at: r.at,
    action: r.action,
    recordId: r.record_id,
    connectionId: r.connection_id,
    before: r.before,
    after: r.after,
    cause: r.cause,
    outcome: r.outcome,
    note: r.note,
  }));
}
