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

export async function insertRoutingAudit(db: Queryable, tenant: TenantId, e: Omit<RoutingAuditEntry, 'id'>): Promise<number> {
  const rows = await db.query<{ audit_id: string | number }>(
    `INSERT INTO routing_audit (tenant_id, lead_id, rule_name, settings_version, owner_before, owner_after, outcome, reason, at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING audit_id`,
    [tenant, e.leadId, e.rule, e.settingsVersion, e.ownerBefore, e.ownerAfter, e.outcome, e.reason, e.at],
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
  lead_id: string;
  rule_name: string | null;
  settings_version: number;
  owner_before: string | null;
  owner_after: string | null;
  outcome: RoutingOutcome;
  reason: string | null;
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
    `SELECT audit_id, lead_id, rule_name, settings_version, owner_before, owner_after, outcome, reason, at
     FROM routing_audit
     WHERE tenant_id = $1
       AND ($2::text IS NULL OR lead_id = $2)
       AND ($3::text IS NULL OR rule_name = $3)
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
      leadId: r.lead_id,
      rule: r.rule_name,
      settingsVersion: r.settings_version,
      ownerBefore: r.owner_before,
      ownerAfter: r.owner_after,
      outcome: r.outcome,
      reason: r.reason,
      at: r.at,
    }),
  );
  return { entries: page, nextCursor: rows.length > limit ? String(page.at(-1)!.id) : null };
}
