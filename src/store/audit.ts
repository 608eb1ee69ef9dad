import type { TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

export interface AuditEntry {
  at: Date;
  actor: string;
  action: string;
  /** Never personal data. */
  detail: Record<string, unknown>;
}

export async function recordAudit(db: Queryable, tenant: TenantId, entry: Omit<AuditEntry, 'at'>): Promise<void> {
  await db.query(`INSERT INTO audit_log (tenant_id, actor, action, detail) VALUES ($1, $2, $3, $4::jsonb)`, [tenant, entry.actor, entry.action, JSON.stringify(entry.detail)]);
}

/** A tenant's audit log, newest first. */
export async function listAudit(db: Queryable, tenant: TenantId, limit = 100): Promise<AuditEntry[]> {
  const rows = await db.query<{ at: Date; actor: string; action: string; detail: Record<string, unknown> }>(
    `SELECT at, actor, action, detail FROM audit_log WHERE tenant_id = $1 ORDER BY audit_id DESC LIMIT $2`,
    [tenant, limit],
  );
  return rows;
}
