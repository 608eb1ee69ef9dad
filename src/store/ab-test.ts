import type { TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

export type AbArmName = 'champion' | 'challenger';

/** The arms already given to these leads for a challenger (a lead keeps its first arm). */
export async function getAbArms(db: Queryable, tenant: TenantId, challenger: string, leadIds: readonly string[]): Promise<Map<string, AbArmName>> {
  if (leadIds.length === 0) return new Map();
  const rows = await db.query<{ lead_id: string; arm: AbArmName }>(
    `SELECT lead_id, arm FROM ab_test_leads WHERE tenant_id = $1 AND challenger_version = $2 AND lead_id = ANY($3::text[])`,
    [tenant, challenger, leadIds],
  );
  return new Map(rows.map((r) => [r.lead_id, r.arm]));
}

/**
 * Record each lead's arm (an arm already recorded stays: two rescores racing agree anyway, as the
 * arm comes from a hash) and the challenger's scores of the leads in its arm, a row only when the
 * score or tier differs from the newest one kept (and never one older than it).
 */
export async function storeAbTest(
  tx: Queryable,
  tenant: TenantId,
  challenger: string,
  assignedAt: Date,
  arms: ReadonlyArray<{ leadId: string; arm: AbArmName }>,
  scores: ReadonlyArray<{ leadId: string; composite: number; tier: string | null; written: boolean; scoredAt: Date }>,
): Promise<{ scoresStored: number }> {
  if (arms.length) {
    await tx.query(
      `INSERT INTO ab_test_leads (tenant_id, challenger_version, lead_id, arm, assigned_at)
       SELECT $1, $2, u.lead_id, u.arm, $5 FROM unnest($3::text[], $4::text[]) AS u(lead_id, arm)
       ON CONFLICT DO NOTHING`,
      [tenant, challenger, arms.map((a) => a.leadId), arms.map((a) => a.arm), assignedAt.toISOString()],
    );
  }
  if (scores.length === 0) return { scoresStored: 0 };
  const inserted = await tx.query<{ lead_id: string }>(
    `INSERT INTO ab_test_scores (tenant_id, challenger_version, lead_id, scored_at, composite, tier, written)
     SELECT $1, $2, u.lead_id, u.scored_at, u.composite, u.tier, u.written
     FROM unnest($3::text[], $4::timestamptz[], $5::float8[], $6::text[], $7::boolean[]) AS u(lead_id, scored_at, composite, tier, written)
     LEFT JOIN LATERAL (
       SELECT s.scored_at, s.composite, s.tier FROM ab_test_scores s
       WHERE s.tenant_id = $1 AND s.challenger_version = $2 AND s.lead_id = u.lead_id
       ORDER BY s.scored_at DESC LIMIT 1
     ) last ON true
     WHERE last.scored_at IS NULL OR (last.scored_at < u.scored_at AND (last.composite <> u.composite OR last.tier IS DISTINCT FROM u.tier))
     ON CONFLICT DO NOTHING
     RETURNING lead_id`,
    [tenant, challenger, scores.map((s) => s.leadId), scores.map((s) => s.scoredAt.toISOString()), scores.map((s) => s.composite), scores.map((s) => s.tier), scores.map((s) => s.written)],
  );
  return { scoresStored: inserted.length };
}

/** The challengers an A/B split has run for, newest start first, with the leads in each arm. */
export async function listAbTests(db: Queryable, tenant: TenantId): Promise<Array<{ challenger: string; startedAt: Date; lastAssignedAt: Date; champion: number; challengerArm: number }>> {
  const rows = await db.query<{ challenger_version: string; started_at: Date; last_at: Date; champion: number; challenger: number }>(
    `SELECT challenger_version, min(assigned_at) AS started_at, max(assigned_at) AS last_at,
            count(*) FILTER (WHERE arm = 'champion')::int AS champion, count(*) FILTER (WHERE arm = 'challenger')::int AS challenger
     FROM ab_test_leads WHERE tenant_id = $1 GROUP BY challenger_version ORDER BY started_at DESC, challenger_version`,
    [tenant],
  );
  return rows.map((r) => ({ challenger: r.challenger_version, startedAt: r.started_at, lastAssignedAt: r.last_at, champion: r.champion, challengerArm: r.challenger }));
}

/** A lead of an A/B split whose outcome arrived after it got its arm, with the score of each model before the outcome. */
export interface AbOutcome {
  leadId: string;
  arm: AbArmName;
  converted: boolean;
  outcomeAt: Date;
  /** The score stored as the lead's own (what the CRM got) last before the outcome, 0-100; null if none. */
  stored: { composite: number; modelVersion: string | null } | null;
  /** The challenger's score last before the outcome (challenger arm only), 0-100. */
  challenger: number | null;
}

/** The outcomes of the leads in a challenger's A/B split, decided after the lead got its arm. */
export async function abTestOutcomes(db: Queryable, tenant: TenantId, challenger: string): Promise<AbOutcome[]> {
  const rows = await db.query<{
    lead_id: string;
    arm: AbArmName;
    converted: boolean;
    outcome_at: Date;
    stored_composite: number | null;
    stored_model: string | null;
    challenger_composite: number | null;
  }>(
    `SELECT a.lead_id, a.arm, o.converted, o.outcome_at, h.composite AS stored_composite, h.model_version AS stored_model, c.composite AS challenger_composite
     FROM ab_test_leads a
     JOIN outcomes o ON o.tenant_id = a.tenant_id AND o.lead_id = a.lead_id AND o.outcome_at > a.assigned_at
     LEFT JOIN LATERAL (
       SELECT composite, model_version FROM score_history s
       WHERE s.tenant_id = a.tenant_id AND s.lead_id = a.lead_id AND s.status = 'scored' AND s.scored_at < o.outcome_at
       ORDER BY s.scored_at DESC LIMIT 1
     ) h ON true
     LEFT JOIN LATERAL (
       SELECT composite FROM ab_test_scores s
       WHERE s.tenant_id = a.tenant_id AND s.challenger_version = a.challenger_version AND s.lead_id = a.lead_id AND s.scored_at < o.outcome_at
       ORDER BY s.scored_at DESC LIMIT 1
     ) c ON true
     WHERE a.tenant_id = $1 AND a.challenger_version = $2
     ORDER BY o.outcome_at, a.lead_id`,
    [tenant, challenger],
  );
  return rows.map((r) => ({
    leadId: r.lead_id,
    arm: r.arm,
    converted: r.converted,
    outcomeAt: r.outcome_at,
    stored: r.stored_composite === null ? null : { composite: r.stored_composite, modelVersion: r.stored_model },
    challenger: r.challenger_composite,
  }));
}
