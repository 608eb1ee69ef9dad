import type { TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';
import type { ApiScope } from './api-keys.js';

/** Read-only look-ups the web settings app shows; every one is scoped to the tenant. */

export interface ApiKeySummary {
  keyId: string;
  label: string;
  scopes: ApiScope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** A tenant's API keys (never their secrets), newest first. */
export async function listApiKeys(db: Queryable, tenant: TenantId): Promise<ApiKeySummary[]> {
  const rows = await db.query<{ key_id: string; label: string; scopes: string[] | string; created_at: Date; last_used_at: Date | null; revoked_at: Date | null }>(
    `SELECT key_id, label, scopes, created_at, last_used_at, revoked_at FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC, key_id`,
    [tenant],
  );
  return rows.map((r) => ({
    keyId: r.key_id,
    label: r.label,
    scopes: (Array.isArray(r.scopes) ? r.scopes : r.scopes.replace(/^\{|\}$/g, '').split(',').filter(Boolean)) as ApiScope[],
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }));
}

/** Per connection: when a sync cursor last moved, and how many of its streams there are. */
export async function syncCursorTimes(db: Queryable, tenant: TenantId): Promise<Map<string, { lastCursorAt: Date; streams: number }>> {
  const rows = await db.query<{ connection_id: string; last_at: Date; streams: string | number }>(
    `SELECT connection_id, max(updated_at) AS last_at, count(*) AS streams FROM sync_cursors WHERE tenant_id = $1 GROUP BY connection_id`,
    [tenant],
  );
  return new Map(rows.map((r) => [r.connection_id, { lastCursorAt: r.last_at, streams: Number(r.streams) }]));
}

/** CRM writes by lead source: sent in the last 24 hours, waiting, and dead. */
export async function writeCountsBySource(db: Queryable, tenant: TenantId): Promise<Map<string, { sentLastDay: number; pending: number; dead: number }>> {
  const rows = await db.query<{ source: string; sent: string | number; pending: string | number; dead: string | number }>(
    `SELECT l.source,
       count(*) FILTER (WHERE o.sent_at > now() - interval '1 day' AND o.superseded_by IS NULL) AS sent,
       count(*) FILTER (WHERE o.sent_at IS NULL AND o.failed_at IS NULL) AS pending,
       count(*) FILTER (WHERE o.failed_at IS NOT NULL) AS dead
     FROM outbox o JOIN leads l ON l.tenant_id = o.tenant_id AND l.lead_id = o.lead_id
     WHERE o.tenant_id = $1 GROUP BY l.source`,
    [tenant],
  );
  return new Map(rows.map((r) => [r.source, { sentLastDay: Number(r.sent), pending: Number(r.pending), dead: Number(r.dead) }]));
}

/** Leads with this email (case ignored), as source and id. */
export async function findLeadsByEmail(db: Queryable, tenant: TenantId, email: string, limit = 20): Promise<Array<{ source: string; leadId: string }>> {
  const rows = await db.query<{ source: string; lead_id: string }>(
    `SELECT source, lead_id FROM leads WHERE tenant_id = $1 AND lower(email) = lower($2) ORDER BY lead_id LIMIT $3`,
    [tenant, email.trim(), limit],
  );
  return rows.map((r) => ({ source: r.source, leadId: r.lead_id }));
}

/** The newest and oldest lead creation times, to suggest a simulation period. */
export async function leadCreationRange(db: Queryable, tenant: TenantId): Promise<{ first: Date; last: Date } | null> {
  const rows = await db.query<{ first: Date | null; last: Date | null }>(`SELECT min(created_at) AS first, max(created_at) AS last FROM leads WHERE tenant_id = $1`, [tenant]);
  return rows[0]?.first && rows[0].last ? { first: rows[0].first, last: rows[0].last } : null;
}
