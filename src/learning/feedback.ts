import { sourceMatches, type TenantId } from '../domain/index.js';
import { getLeadsByIds, getScores, recordFeedback, type FeedbackReason, type FeedbackRecord, type Queryable } from '../store/index.js';

/** Company-size band of a lead, the same bands the segment models use. */
export function employeesBand(employees: number | null): string {
  if (employees === null || !Number.isFinite(employees)) return 'unknown';
  return employees < 50 ? '1-49' : employees < 500 ? '50-499' : '500+';
}

/**
 * Store a rep's feedback on a lead's score with the score and reasons in force right now (the
 * stored score moves on later, the feedback keeps what the rep saw). Null when the tenant has no
 * such lead from that source.
 */
export async function submitFeedback(
  db: Queryable,
  tenant: TenantId,
  source: string,
  leadId: string,
  input: { reason: FeedbackReason; comment?: string | undefined; user?: string | undefined },
): Promise<FeedbackRecord | null> {
  const [lead] = await getLeadsByIds(db, tenant, [leadId]);
  if (!lead) return null;
  const leadSource = (await db.query<{ source: string }>(`SELECT source FROM leads WHERE tenant_id = $1 AND lead_id = $2`, [tenant, leadId]))[0]?.source;
  if (!sourceMatches(leadSource ?? null, source)) return null;
  const score = (await getScores(db, tenant, [leadId])).get(leadId)?.score ?? null;
  const scored = score?.status === 'scored' ? score : null;
  return recordFeedback(db, tenant, {
    leadId,
    source,
    reason: input.reason,
    comment: input.comment ?? null,
    user: input.user ?? null,
    score: score
      ? {
          status: score.status,
          composite: scored?.composite ?? null,
          fit: scored?.fit ?? null,
          engagement: scored?.engagement ?? null,
          grade: scored?.grade ?? null,
          tier: scored?.tier ?? null,
          scoredAt: score.scoredAt.toISOString(),
        }
      : null,
    reasons: scored?.reasons ?? [],
    modelVersion: scored?.modelVersion ?? null,
    segment: { country: lead.country, size_band: employeesBand(lead.employees), lead_source: lead.leadSource },
  });
}
