import { LeadscoreError, type TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

export type RoutingOutcome = 'assigned' | 'fallback' | 'unassigned';

/** One routing decision: who had the lead, who has it now, by which rule of which settings, and why. */
export interface RoutingAuditEntry {
  id: number;
  leadId: string;
  rule: string | null;
  settingsVersion: number;
  ownerBefore: string | null;
  ownerAfter: string | null;
  outcome: RoutingOutcome;
  /** Why the fallback owner (or no one) got the lead; null when the rule placed it. */
  reason: string | null;
  at: Date;
}

/**
 * Routing decisions go into the shared audit log (action 'assignment'), next to field writes, so
 * the audit API lists both; the rule and settings version are kept in `after` to filter on.
 */
export async function insertRoutingAudit(db: Queryable, tenant: TenantId, e: Omit<RoutingAuditEntry, 'id'>): Promise<number> {
  const rows = await db.query<{ audit_id: string | number }>(
    `INSERT INTO audit_log (tenant_id, at, action, record_id, connection_id, before, after, cause, outcome, note)
     VALUES ($1, $2, 'assignment', $3, NULL, $4::jsonb, $5::jsonb, $6, $7, $8) RETURNING audit_id`,
    [
      tenant,
      e.at,
      e.leadId,
      e.ownerBefore === null ? null : JSON.stringify({ ownerId: e.ownerBefore }),
      JSON.stringify({ ownerId: e.ownerAfter, rule: e.rule, settingsVersion: e.settingsVersion }),
      `rule "${e.rule}", settings version ${e.settingsVersion}`,
      e.outcome,
      e.reason,
    ],
  );
  return Number(rows[0]!.audit_id);
}

export interface RoutingAuditFilter {
  leadId?: string;
  rule?: string;
  /** At or after. */
  from?: Date;
  /** Before. */
  to?: Date;
  /** The `nextCursor` of the page before. */
  cursor?: string;
  /** 1-1000; 100 if left out. */
  limit?: number;
}

export interface RoutingAuditPage {
  entries: RoutingAuditEntry[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

interface AuditRow {
  audit_id: string | number;
  record_id: string;
  before: { ownerId?: string } | null;
  after: { ownerId: string | null; rule: string | null; settingsVersion: number };
  outcome: RoutingOutcome;
  note: string | null;
  at: Date;
}

/** Routing decisions newest first, by keyset: a page never repeats or skips entries written meanwhile. */
export async function queryRoutingAudit(db: Queryable, tenant: TenantId, filter: RoutingAuditFilter = {}): Promise<RoutingAuditPage> {
  const limit = filter.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new LeadscoreError('INPUT_INVALID', `limit must be a whole number from 1 to 1000, got ${limit}`);
  let before: number | null = null;
  if (filter.cursor !== undefined) {
    before = Number(filter.cursor);
    if (!/^\d+$/.test(filter.cursor) || !Number.isSafeInteger(before)) throw new LeadscoreError('INPUT_INVALID', `"${filter.cursor}" is not a cursor this API returned`);
  }
  const rows = await db.query<AuditRow>(
    `SELECT audit_id, record_id, before, after, outcome, note, at
     FROM audit_log
     WHERE tenant_id = $1 AND action = 'assignment'
       AND ($2::text IS NULL OR record_id = $2)
       AND ($3::text IS NULL OR after->>'rule' = $3)
       AND ($4::timestamptz IS NULL OR at >= $4)
       AND ($5::timestamptz IS NULL OR at < $5)
       AND ($6::bigint IS NULL OR audit_id < $6)
     ORDER BY audit_id DESC
     LIMIT $7`,
    [tenant, filter.leadId ?? null, filter.rule ?? null, filter.from ?? null, filter.to ?? null, before, limit + 1],
  );
  const page = rows.slice(0, limit).map(
    (r): RoutingAuditEntry => ({
      id: Number(r.audit_id),
      leadId: r.record_id,
      rule: r.after.rule,
      settingsVersion: r.after.settingsVersion,
      ownerBefore: r.before?.ownerId ?? null,
      ownerAfter: r.after.ownerId,
      outcome: r.outcome,
      reason: r.note,
      at: r.at,
    }),
  );
  return { entries: page, nextCursor: rows.length > limit ? String(page.at(-1)!.id) : null };
}
