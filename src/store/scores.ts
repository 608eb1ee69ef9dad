import type { Score, ScoreReason, TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

/** A lead's current score as stored, with what its last CRM write carried. */
export interface StoredScore {
  score: Score;
  lastWritten: { status: string | null; composite: number | null; tier: string | null; grade: string | null };
}

interface ScoreRow {
  lead_id: string;
  status: 'scored' | 'not_scored';
  composite: number | null;
  fit: number | null;
  engagement: number | null;
  probability: number | null;
  grade: string | null;
  tier: string | null;
  reasons: ScoreReason[];
  next_action: string | null;
  not_scored_reason: string | null;
  model_version: string | null;
  feature_spec_version: string | null;
  scored_at: Date;
  last_written_composite: number | null;
  last_written_tier: string | null;
  last_written_grade: string | null;
  last_written_status: string | null;
}

function toScore(r: ScoreRow): Score {
  if (r.status === 'not_scored') return { status: 'not_scored', leadId: r.lead_id, reason: r.not_scored_reason ?? '', scoredAt: r.scored_at };
  return {
    status: 'scored',
    leadId: r.lead_id,
    composite: r.composite!,
    fit: r.fit,
    engagement: r.engagement,
    probability: r.probability!,
    grade: r.grade,
    tier: r.tier!,
    reasons: r.reasons,
    nextAction: r.next_action,
    modelVersion: r.model_version!,
    featureSpecVersion: r.feature_spec_version!,
    scoredAt: r.scored_at,
  };
}

/** Stored scores of the given leads, by lead id. */
export async function getScores(db: Queryable, tenant: TenantId, leadIds: readonly string[]): Promise<Map<string, StoredScore>> {
  if (leadIds.length === 0) return new Map();
  const rows = await db.query<ScoreRow>(
    `SELECT * FROM scores WHERE tenant_id = $1 AND lead_id IN (SELECT jsonb_array_elements_text($2::jsonb))`,
    [tenant, JSON.stringify(leadIds)],
  );
  return new Map(
    rows.map((r) => [
      r.lead_id,
      { score: toScore(r), lastWritten: { status: r.last_written_status, composite: r.last_written_composite, tier: r.last_written_tier, grade: r.last_written_grade } },
    ]),
  );
}

/** A lead's score history, newest first. */
export async function getScoreHistory(
  db: Queryable,
  tenant: TenantId,
  leadId: string,
  limit = 100,
): Promise<Array<{ scoredAt: Date; status: string; composite: number | null; fit: number | null; engagement: number | null; grade: string | null; tier: string | null; reasons: ScoreReason[]; modelVersion: string | null }>> {
  const rows = await db.query<{
    scored_at: Date;
    status: string;
    composite: number | null;
    fit: number | null;
    engagement: number | null;
    grade: string | null;
    tier: string | null;
    reasons: ScoreReason[];
    model_version: string | null;
  }>(
    `SELECT scored_at, status, composite, fit, engagement, grade, tier, reasons, model_version FROM score_history
     WHERE tenant_id = $1 AND lead_id = $2 ORDER BY scored_at DESC LIMIT $3`,
    [tenant, leadId, limit],
  );
  return rows.map((r) => ({
    scoredAt: r.scored_at,
    status: r.status,
    composite: r.composite,
    fit: r.fit,
    engagement: r.engagement,
    grade: r.grade,
    tier: r.tier,
    reasons: r.reasons,
    modelVersion: r.model_version,
  }));
}

export interface ScoreChange {
  score: Score;
  /** The CRM write this change causes, or null when it is too small to be worth one. */
  write: Record<string, unknown> | null;
}

/**
 * Store changed scores in one go: the current score, a history row each, and for changes worth a
 * CRM write an outbox row plus what it carried. Run it in the transaction that decided the changes.
 */
export async function storeScoreChanges(db: Queryable, tenant: TenantId, changes: readonly ScoreChange[]): Promise<{ scores: number; writes: number }> {
  if (changes.length === 0) return { scores: 0, writes: 0 };
  const rows = changes.map(({ score: s, write }) => ({
    lead_id: s.leadId,
    status: s.status,
    composite: s.status === 'scored' ? s.composite : null,
    fit: s.status === 'scored' ? s.fit : null,
    engagement: s.status === 'scored' ? s.engagement : null,
    probability: s.status === 'scored' ? s.probability : null,
    grade: s.status === 'scored' ? s.grade : null,
    tier: s.status === 'scored' ? s.tier : null,
    reasons: s.status === 'scored' ? s.reasons : [],
    next_action: s.status === 'scored' ? s.nextAction : null,
    not_scored_reason: s.status === 'not_scored' ? s.reason : null,
    model_version: s.status === 'scored' ? s.modelVersion : null,
    feature_spec_version: s.status === 'scored' ? s.featureSpecVersion : null,
    scored_at: s.scoredAt.toISOString(),
    written: write !== null,
    payload: write,
  }));
  const json = JSON.stringify(rows);
  const COLUMNS = `lead_id text, status text, composite double precision, fit double precision, engagement double precision,
    probability double precision, grade text, tier text, reasons jsonb, next_action text, not_scored_reason text,
    model_version text, feature_spec_version text, scored_at timestamptz, written boolean, payload jsonb`;
  await db.query(
    `INSERT INTO scores AS s (tenant_id, lead_id, status, composite, fit, engagement, probability, grade, tier, reasons,
       next_action, not_scored_reason, model_version, feature_spec_version, scored_at,
       last_written_composite, last_written_tier, last_written_grade, last_written_status)
     SELECT $1, r.lead_id, r.status, r.composite, r.fit, r.engagement, r.probability, r.grade, r.tier, coalesce(r.reasons, '[]'),
       r.next_action, r.not_scored_reason, r.model_version, r.feature_spec_version, r.scored_at,
       CASE WHEN r.written THEN r.composite END, CASE WHEN r.written THEN r.tier END,
       CASE WHEN r.written THEN r.grade END, CASE WHEN r.written THEN r.status END
     FROM jsonb_to_recordset($2::jsonb) AS r(${COLUMNS})
     ON CONFLICT (tenant_id, lead_id) DO UPDATE SET
       status = excluded.status, composite = excluded.composite, fit = excluded.fit, engagement = excluded.engagement,
       probability = excluded.probability, grade = excluded.grade, tier = excluded.tier, reasons = excluded.reasons,
       next_action = excluded.next_action, not_scored_reason = excluded.not_scored_reason,
       model_version = excluded.model_version, feature_spec_version = excluded.feature_spec_version, scored_at = excluded.scored_at,
       last_written_composite = CASE WHEN excluded.last_written_status IS NOT NULL THEN excluded.last_written_composite ELSE s.last_written_composite END,
       last_written_tier = CASE WHEN excluded.last_written_status IS NOT NULL THEN excluded.last_written_tier ELSE s.last_written_tier END,
       last_written_grade = CASE WHEN excluded.last_written_status IS NOT NULL THEN excluded.last_written_grade ELSE s.last_written_grade END,
       last_written_status = coalesce(excluded.last_written_status, s.last_written_status)`,
    [tenant, json],
  );
  await db.query(
    `INSERT INTO score_history AS h (tenant_id, lead_id, scored_at, status, composite, fit, engagement, grade, tier, reasons, model_version)
     SELECT $1, r.lead_id, r.scored_at, r.status, r.composite, r.fit, r.engagement, r.grade, r.tier, coalesce(r.reasons, '[]'), r.model_version
     FROM jsonb_to_recordset($2::jsonb) AS r(${COLUMNS})
     ON CONFLICT (tenant_id, lead_id, scored_at) DO UPDATE SET
       status = excluded.status, composite = excluded.composite, fit = excluded.fit, engagement = excluded.engagement,
       grade = excluded.grade, tier = excluded.tier, reasons = excluded.reasons, model_version = excluded.model_version`,
    [tenant, json],
  );
  const writes = rows.filter((r) => r.written).length;
  if (writes > 0) {
    await db.query(
      `INSERT INTO outbox (tenant_id, lead_id, kind, payload)
       SELECT $1, r.lead_id, 'score', r.payload FROM jsonb_to_recordset($2::jsonb) AS r(${COLUMNS}) WHERE r.written`,
      [tenant, json],
    );
  }
  return { scores: rows.length, writes };
}

export interface OutboxEntry {
  id: number;
  leadId: string;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
  createdAt: Date;
}

/** Write jobs neither sent nor failed for good, oldest first; `source` keeps those of leads from one CRM. */
export async function pendingOutbox(db: Queryable, tenant: TenantId, limit = 1000, source?: string): Promise<OutboxEntry[]> {
  const rows = await db.query<{ outbox_id: string | number; lead_id: string; kind: string; payload: Record<string, unknown>; attempts: number; created_at: Date }>(
    `SELECT o.outbox_id, o.lead_id, o.kind, o.payload, o.attempts, o.created_at FROM outbox o
     WHERE o.tenant_id = $1 AND o.sent_at IS NULL AND o.failed_at IS NULL
       AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM leads l WHERE l.tenant_id = o.tenant_id AND l.lead_id = o.lead_id AND l.source = $3))
     ORDER BY o.outbox_id LIMIT $2`,
    [tenant, limit, source ?? null],
  );
  return rows.map((r) => ({ id: Number(r.outbox_id), leadId: r.lead_id, kind: r.kind, payload: r.payload, attempts: r.attempts, createdAt: r.created_at }));
}

/** Record what became of write jobs: sent (with a note such as a warning), failed for good, or to be tried again. */
export async function settleOutbox(
  db: Queryable,
  tenant: TenantId,
  outcomes: ReadonlyArray<{ id: number; result: 'sent' | 'failed' | 'retry'; note?: string }>,
): Promise<void> {
  if (outcomes.length === 0) return;
  await db.query(
    `UPDATE outbox o SET
       sent_at = CASE WHEN r.result = 'sent' THEN now() ELSE o.sent_at END,
       failed_at = CASE WHEN r.result = 'failed' THEN now() ELSE o.failed_at END,
       attempts = o.attempts + 1,
       last_error = r.note
     FROM jsonb_to_recordset($2::jsonb) AS r(id bigint, result text, note text)
     WHERE o.tenant_id = $1 AND o.outbox_id = r.id`,
    [tenant, JSON.stringify(outcomes.map((o) => ({ id: o.id, result: o.result, note: o.note ?? null })))],
  );
}

export async function countPendingOutbox(db: Queryable, tenant?: TenantId): Promise<number> {
  const rows = await db.query<{ n: string | number }>(
    `SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND ($1::text IS NULL OR tenant_id = $1)`,
    [tenant ?? null],
  );
  return Number(rows[0]!.n);
}
