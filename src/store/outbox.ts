import type { TenantId } from '../domain/index.js';
import type { Database, Queryable } from './db.js';
import type { OutboxEntry } from './scores.js';

interface OutboxRow {
  outbox_id: string | number;
  lead_id: string;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
  created_at: Date;
}

const toEntry = (r: OutboxRow): OutboxEntry => ({ id: Number(r.outbox_id), leadId: r.lead_id, kind: r.kind, payload: r.payload, attempts: r.attempts, createdAt: r.created_at });

/**
 * Lease up to `limit` due write jobs of leads from `source` (oldest first) to `holder` for
 * `leaseMs`: the newest of each lead; older ones are retired when it is sent (settleWrites).
 * Rows another worker holds are skipped, not waited for; a lease that ran out (its worker died)
 * is taken over, so the rows are sent again with the same values.
 *
 * Two plain steps rather than one anti-join: without table statistics (PGlite never gathers
 * them on its own) the planner may turn the anti-join into a scan of every waiting row per row.
 */
export async function claimDueOutbox(db: Database, tenant: TenantId, source: string, limit: number, holder: string, leaseMs: number): Promise<OutboxEntry[]> {
  return db.transaction(async (tx) => {
    const candidates = await tx.query<{ outbox_id: string; lead_id: string }>(
      `SELECT o.outbox_id, o.lead_id FROM outbox o
       JOIN leads l ON l.tenant_id = o.tenant_id AND l.lead_id = o.lead_id
       WHERE o.tenant_id = $1 AND o.sent_at IS NULL AND o.failed_at IS NULL AND o.next_attempt_at <= now()
         AND (o.lease_until IS NULL OR o.lease_until < now()) AND l.source = $2
       ORDER BY o.outbox_id LIMIT $3
       FOR UPDATE OF o SKIP LOCKED`,
      [tenant, source, limit],
    );
    if (candidates.length === 0) return [];
    // The other waiting writes of the same leads: a newer one wins, and a lead another worker
    // is sending right now waits (two writes of one lead in flight could land in either order).
    const others = await tx.query<{ outbox_id: string; lead_id: string; leased: boolean; due: boolean }>(
      `SELECT outbox_id, lead_id, coalesce(lease_until > now(), false) AS leased, next_attempt_at <= now() AS due FROM outbox
       WHERE tenant_id = $1 AND lead_id = ANY($2::text[]) AND sent_at IS NULL AND failed_at IS NULL`,
      [tenant, [...new Set(candidates.map((c) => c.lead_id))]],
    );
    const newest = new Map<string, { id: number; due: boolean }>();
    const busy = new Set<string>();
    for (const o of others) {
      if (Number(o.outbox_id) > (newest.get(o.lead_id)?.id ?? 0)) newest.set(o.lead_id, { id: Number(o.outbox_id), due: o.due });
      if (o.leased) busy.add(o.lead_id);
    }
    // Each candidate lead's newest write goes (older ones are retired once it is sent), unless it waits for a retry.
    const chosen = [...newest].filter(([lead, n]) => !busy.has(lead) && n.due).map(([, n]) => n.id);
    if (chosen.length === 0) return [];
    const rows = await tx.query<OutboxRow>(
      `UPDATE outbox SET lease_until = now() + $4 * interval '1 millisecond', lease_holder = $3
       WHERE tenant_id = $1 AND outbox_id = ANY($2::bigint[]) AND sent_at IS NULL AND failed_at IS NULL AND (lease_until IS NULL OR lease_until < now())
       RETURNING outbox_id, lead_id, kind, payload, attempts, created_at`,
      [tenant, chosen, holder, leaseMs],
    );
    return rows.map(toEntry).sort((x, y) => x.id - y.id);
  });
}

export type WriteOutcome =
  | { id: number; leadId: string; result: 'sent'; note?: string }
  | { id: number; leadId: string; result: 'superseded'; by: number }
  | { id: number; leadId: string; result: 'retry'; retryAt: Date; note: string }
  | { id: number; leadId: string; result: 'failed'; note: string };

/**
 * Record what became of leased write jobs and release them. A sent write also retires every older
 * write of the same lead still waiting (a retry of an old score must never land after a newer one).
 * Only the lease's holder may settle: a worker whose lease ran out and was taken over changes nothing.
 */
export async function settleWrites(db: Queryable, tenant: TenantId, holder: string, outcomes: readonly WriteOutcome[]): Promise<{ settled: number; superseded: number }> {
  if (outcomes.length === 0) return { settled: 0, superseded: 0 };
  const json = JSON.stringify(
    outcomes.map((o) => ({
      id: o.id,
      lead_id: o.leadId,
      result: o.result,
      note: o.result === 'superseded' ? `superseded by a newer score (outbox ${o.by})` : (o.note ?? null),
      retry_at: o.result === 'retry' ? o.retryAt.toISOString() : null,
      by: o.result === 'superseded' ? o.by : null,
    })),
  );
  const settled = await db.query<{ outbox_id: string }>(
    `UPDATE outbox o SET
       sent_at = CASE WHEN r.result IN ('sent', 'superseded') THEN now() ELSE NULL END,
       failed_at = CASE WHEN r.result = 'failed' THEN now() ELSE NULL END,
       next_attempt_at = coalesce(r.retry_at, o.next_attempt_at),
       attempts = o.attempts + CASE WHEN r.result = 'superseded' THEN 0 ELSE 1 END,
       superseded_by = r.by,
       last_error = r.note,
       lease_until = NULL,
       lease_holder = NULL
     FROM jsonb_to_recordset($2::jsonb) AS r(id bigint, lead_id text, result text, note text, retry_at timestamptz, by bigint)
     WHERE o.tenant_id = $1 AND o.outbox_id = ANY($4::bigint[]) AND o.outbox_id = r.id AND o.lease_holder = $3 AND o.sent_at IS NULL
     RETURNING o.outbox_id`,
    [tenant, json, holder, outcomes.map((o) => o.id)],
  );
  // "= ANY" conditions beside the joins give the planner an index to use even without statistics.
  const superseded = await db.query(
    `UPDATE outbox o SET sent_at = now(), superseded_by = r.id, last_error = 'superseded by a newer score (outbox ' || r.id || ')'
     FROM jsonb_to_recordset($2::jsonb) AS r(id bigint, lead_id text, result text)
     WHERE r.result = 'sent' AND o.tenant_id = $1 AND o.lead_id = ANY($3::text[]) AND o.lead_id = r.lead_id AND o.outbox_id < r.id
       AND o.sent_at IS NULL AND o.failed_at IS NULL AND (o.lease_until IS NULL OR o.lease_until < now())
     RETURNING o.outbox_id`,
    [tenant, json, [...new Set(outcomes.filter((o) => o.result === 'sent').map((o) => o.leadId))]],
  );
  return { settled: settled.length, superseded: superseded.length };
}

/** Give leased rows back without counting an attempt (a worker stopping, or a call that never went out). */
export async function releaseWrites(db: Queryable, tenant: TenantId, holder: string, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query(`UPDATE outbox SET lease_until = NULL, lease_holder = NULL WHERE tenant_id = $1 AND lease_holder = $2 AND outbox_id = ANY($3::bigint[])`, [tenant, holder, ids]);
}

export interface DeadLetter {
  id: number;
  leadId: string;
  source: string | null;
  payload: Record<string, unknown>;
  attempts: number;
  reason: string | null;
  createdAt: Date;
  failedAt: Date;
}

/** Writes the CRM refused for good, newest first, `after` an id for the next page. */
export async function listDeadLetters(db: Queryable, tenant: TenantId, page: { before?: number; limit?: number } = {}): Promise<DeadLetter[]> {
  const rows = await db.query<OutboxRow & { failed_at: Date; last_error: string | null; source: string | null }>(
    `SELECT o.outbox_id, o.lead_id, o.kind, o.payload, o.attempts, o.created_at, o.failed_at, o.last_error, l.source
     FROM outbox o LEFT JOIN leads l ON l.tenant_id = o.tenant_id AND l.lead_id = o.lead_id
     WHERE o.tenant_id = $1 AND o.failed_at IS NOT NULL AND ($2::bigint IS NULL OR o.outbox_id < $2)
     ORDER BY o.outbox_id DESC LIMIT $3`,
    [tenant, page.before ?? null, page.limit ?? 50],
  );
  return rows.map((r) => ({ id: Number(r.outbox_id), leadId: r.lead_id, source: r.source, payload: r.payload, attempts: r.attempts, reason: r.last_error, createdAt: r.created_at, failedAt: r.failed_at }));
}

/**
 * Put dead letters back in the queue (all of the tenant's, or the ids given). One whose lead has
 * had a newer score written since is retired as superseded instead: sending it would undo the newer one.
 * Answers the ids requeued and the ids retired.
 */
export async function requeueDeadLetters(db: Queryable, tenant: TenantId, ids: readonly number[] | 'all'): Promise<{ requeued: number[]; superseded: number[] }> {
  const rows = await db.query<{ outbox_id: string; newer: string | null }>(
    `SELECT o.outbox_id, (SELECT max(n.outbox_id) FROM outbox n WHERE n.tenant_id = o.tenant_id AND n.lead_id = o.lead_id AND n.outbox_id > o.outbox_id AND n.failed_at IS NULL) AS newer
     FROM outbox o WHERE o.tenant_id = $1 AND o.failed_at IS NOT NULL AND ($2::bigint[] IS NULL OR o.outbox_id = ANY($2::bigint[]))`,
    [tenant, ids === 'all' ? null : ids],
  );
  const requeued = rows.filter((r) => r.newer === null).map((r) => Number(r.outbox_id));
  const superseded = rows.filter((r) => r.newer !== null).map((r) => ({ id: Number(r.outbox_id), by: Number(r.newer) }));
  if (requeued.length > 0) {
    await db.query(`UPDATE outbox SET failed_at = NULL, attempts = 0, next_attempt_at = now(), last_error = NULL WHERE tenant_id = $1 AND outbox_id = ANY($2::bigint[])`, [tenant, requeued]);
  }
  for (const s of superseded) {
    await db.query(
      `UPDATE outbox SET failed_at = NULL, sent_at = now(), superseded_by = $3, last_error = $4 WHERE tenant_id = $1 AND outbox_id = $2`,
      [tenant, s.id, s.by, `superseded by a newer score (outbox ${s.by})`],
    );
  }
  return { requeued, superseded: superseded.map((s) => s.id) };
}

/** The payload last written to the CRM for each of these leads (not counting superseded ones). */
export async function lastWrittenPayloads(db: Queryable, tenant: TenantId, leadIds: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  if (leadIds.length === 0) return new Map();
  const rows = await db.query<{ lead_id: string; payload: Record<string, unknown> }>(
    `SELECT DISTINCT ON (lead_id) lead_id, payload FROM outbox
     WHERE tenant_id = $1 AND lead_id = ANY($2::text[]) AND sent_at IS NOT NULL AND superseded_by IS NULL
     ORDER BY lead_id, outbox_id DESC`,
    [tenant, leadIds],
  );
  return new Map(rows.map((r) => [r.lead_id, r.payload]));
}

/** When the tenant's next waiting write can go (after its backoff, or after another worker's lease), or null when none waits. */
export async function nextWriteDue(db: Queryable, tenant: TenantId): Promise<Date | null> {
  const rows = await db.query<{ due: Date | null }>(
    // Writes for a CRM whose connection is not active (uninstalled, to reconnect) wait without a due time, so no job polls them.
    `SELECT min(greatest(o.next_attempt_at, coalesce(o.lease_until, o.next_attempt_at))) AS due FROM outbox o
     JOIN leads l ON l.tenant_id = o.tenant_id AND l.lead_id = o.lead_id
     WHERE o.tenant_id = $1 AND o.sent_at IS NULL AND o.failed_at IS NULL
       AND (l.source NOT IN ('salesforce', 'hubspot') OR EXISTS (SELECT 1 FROM connections c WHERE c.tenant_id = o.tenant_id AND c.kind = l.source AND c.status = 'active'))`,
    [tenant],
  );
  return rows[0]?.due ?? null;
}
