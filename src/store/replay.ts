import type { Lead, Score, ScoreReason, TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';
import { toLead, SELECT_LEAD_COLUMNS, type LeadRow } from './leads.js';

export interface ArrivedLead {
  lead: Lead;
  /** The first score the lead was given (what routing saw when it arrived), or null if it never was. */
  firstScore: Score | null;
}

interface ArrivedRow extends LeadRow {
  first_scored_at: Date | null;
  first_status: string | null;
  first_composite: number | null;
  first_fit: number | null;
  first_engagement: number | null;
  first_grade: string | null;
  first_tier: string | null;
  first_reasons: ScoreReason[] | null;
  first_model_version: string | null;
}

/**
 * Leads that arrived in [from, to), oldest first, each with its first stored score: a routing
 * replay sees what live routing saw then, not today's decayed score.
 */
export async function leadsArrivedBetween(db: Queryable, tenant: TenantId, from: Date, to: Date, limit: number): Promise<ArrivedLead[]> {
  const rows = await db.query<ArrivedRow>(
    `SELECT ${SELECT_LEAD_COLUMNS}, h.scored_at AS first_scored_at, h.status AS first_status, h.composite AS first_composite,
            h.fit AS first_fit, h.engagement AS first_engagement, h.grade AS first_grade, h.tier AS first_tier,
            h.reasons AS first_reasons, h.model_version AS first_model_version
       FROM leads
       LEFT JOIN LATERAL (
         SELECT * FROM score_history sh
          WHERE sh.tenant_id = leads.tenant_id AND sh.lead_id = leads.lead_id
          ORDER BY sh.scored_at LIMIT 1
       ) h ON true
      WHERE leads.tenant_id = $1 AND leads.created_at >= $2 AND leads.created_at < $3
      ORDER BY leads.created_at, leads.lead_id
      LIMIT $4`,
    [tenant, from, to, limit],
  );
  return rows.map((r) => ({ lead: toLead(r), firstScore: firstScore(r) }));
}

function firstScore(r: ArrivedRow): Score | null {
  if (!r.first_scored_at || !r.first_status) return null;
  if (r.first_status !== 'scored' || r.first_composite === null || r.first_tier === null) {
    return { status: 'not_scored', leadId: r.lead_id, reason: 'not scored when it arrived', scoredAt: r.first_scored_at };
  }
  return {
    status: 'scored',
    leadId: r.lead_id,
    composite: r.first_composite,
    fit: r.first_fit,
    engagement: r.first_engagement,
    probability: r.first_composite / 100,
    grade: r.first_grade,
    tier: r.first_tier,
    reasons: r.first_reasons ?? [],
    nextAction: null,
    modelVersion: r.first_model_version ?? 'unknown',
    featureSpecVersion: 'unknown',
    scoredAt: r.first_scored_at,
  };
}
