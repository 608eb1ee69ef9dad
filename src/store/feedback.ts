import type { ScoreReason, TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

export const FEEDBACK_REASONS = ['too_high', 'too_low', 'wrong_reasons', 'other'] as const;
export type FeedbackReason = (typeof FEEDBACK_REASONS)[number];

/** What feedback is counted by: where the lead came from and who it is, as stored with the feedback. */
export const FEEDBACK_SEGMENTS = ['source', 'country', 'size_band', 'lead_source', 'tier', 'model_version'] as const;
export type FeedbackSegment = (typeof FEEDBACK_SEGMENTS)[number];

/** The score a rep saw when giving feedback (null fields when the lead was not scored). */
export interface FeedbackScore {
  status: 'scored' | 'not_scored';
  composite: number | null;
  fit: number | null;
  engagement: number | null;
  grade: string | null;
  tier: string | null;
  scoredAt: string | null;
}

export interface NewFeedback {
  leadId: string;
  source: string;
  reason: FeedbackReason;
  comment: string | null;
  user: string | null;
  score: FeedbackScore | null;
  reasons: ScoreReason[];
  modelVersion: string | null;
  /** Lead attributes the feedback is counted by (country, size band, lead source). */
  segment: { country: string | null; size_band: string | null; lead_source: string | null };
}

export interface FeedbackRecord extends NewFeedback {
  id: number;
  tier: string | null;
  createdAt: Date;
}

interface FeedbackRow {
  feedback_id: string | number;
  lead_id: string;
  source: string;
  reason: FeedbackReason;
  comment: string | null;
  submitted_by: string | null;
  score: FeedbackScore | null;
  reasons: ScoreReason[];
  model_version: string | null;
  tier: string | null;
  segment: NewFeedback['segment'];
  created_at: Date;
}

const toRecord = (r: FeedbackRow): FeedbackRecord => ({
  id: Number(r.feedback_id),
  leadId: r.lead_id,
  source: r.source,
  reason: r.reason,
  comment: r.comment,
  user: r.submitted_by,
  score: r.score,
  reasons: r.reasons,
  modelVersion: r.model_version,
  tier: r.tier,
  segment: r.segment,
  createdAt: r.created_at,
});

/** Store one piece of feedback with the score it is about. */
export async function recordFeedback(db: Queryable, tenant: TenantId, feedback: NewFeedback): Promise<FeedbackRecord> {
  const rows = await db.query<FeedbackRow>(
    `INSERT INTO feedback (tenant_id, lead_id, source, reason, comment, submitted_by, score, reasons, model_version, tier, segment)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11::jsonb)
     RETURNING *`,
    [
      tenant,
      feedback.leadId,
      feedback.source,
      feedback.reason,
      feedback.comment,
      feedback.user,
      feedback.score ? JSON.stringify(feedback.score) : null,
      JSON.stringify(feedback.reasons),
      feedback.modelVersion,
      feedback.score?.tier ?? null,
      JSON.stringify(feedback.segment),
    ],
  );
  return toRecord(rows[0]!);
}

export interface FeedbackFilter {
  leadId?: string;
  reason?: FeedbackReason;
  modelVersion?: string;
  from?: Date;
  to?: Date;
  /** Keyset paging: feedback older than this id. */
  before?: number;
  limit?: number;
}

/** A tenant's feedback, newest first. */
export async function listFeedback(db: Queryable, tenant: TenantId, filter: FeedbackFilter = {}): Promise<FeedbackRecord[]> {
  const rows = await db.query<FeedbackRow>(
    `SELECT * FROM feedback
     WHERE tenant_id = $1 AND ($2::text IS NULL OR lead_id = $2) AND ($3::text IS NULL OR reason = $3) AND ($4::text IS NULL OR model_version = $4)
       AND ($5::timestamptz IS NULL OR created_at >= $5) AND ($6::timestamptz IS NULL OR created_at < $6) AND ($7::bigint IS NULL OR feedback_id < $7)
     ORDER BY feedback_id DESC LIMIT $8`,
    [tenant, filter.leadId ?? null, filter.reason ?? null, filter.modelVersion ?? null, filter.from ?? null, filter.to ?? null, filter.before ?? null, filter.limit ?? 50],
  );
  return rows.map(toRecord);
}

export interface FeedbackCount {
  /** The segment's value; null when the lead had none (no country, not scored, ...). */
  segment: string | null;
  reason: FeedbackReason;
  count: number;
}

/** How much feedback of each reason each value of a segment got, most first. */
export async function countFeedback(
  db: Queryable,
  tenant: TenantId,
  by: FeedbackSegment,
  window: { from?: Date; to?: Date } = {},
): Promise<FeedbackCount[]> {
  // The segment column is picked from a fixed list, never from the caller's text.
  const column = { source: 'source', tier: 'tier', model_version: 'model_version', country: `segment->>'country'`, size_band: `segment->>'size_band'`, lead_source: `segment->>'lead_source'` }[by];
  const rows = await db.query<{ segment: string | null; reason: FeedbackReason; n: string | number }>(
    `SELECT ${column} AS segment, reason, count(*) AS n FROM feedback
     WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::timestamptz IS NULL OR created_at < $3)
     GROUP BY 1, 2 ORDER BY n DESC, 1, 2`,
    [tenant, window.from ?? null, window.to ?? null],
  );
  return rows.map((r) => ({ segment: r.segment, reason: r.reason, count: Number(r.n) }));
}
