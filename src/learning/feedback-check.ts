import type { TenantId } from '../domain/index.js';
import type { LoadedModelSet } from '../model/artifact.js';
import { scoreHistories } from '../scoring/score-leads.js';
import { listFeedback, readHistories, type Queryable } from '../store/index.js';

/** How a challenger treats the leads reps flagged: did it move them the way the reps asked? */
export interface FeedbackCheck {
  /** Leads flagged "too high" or "too low" (the newest flag of each lead counts). */
  flagged: number;
  /** Of those, the challenger scores this many at least one point in the direction asked. */
  movedAsAsked: number;
  /** And this many at least one point the other way. */
  movedAgainst: number;
  items: Array<{ leadId: string; reason: 'too_high' | 'too_low'; scoreThen: number | null; champion: number; challenger: number }>;
}

/**
 * Score the leads reps flagged as too high or too low (newest feedback first, at most `limit`
 * leads) with the champion and the challenger as of `now`, so the challenger's results can be
 * read next to the feedback.
 */
export async function checkFeedback(db: Queryable, tenant: TenantId, champion: LoadedModelSet | null, challenger: LoadedModelSet, now: Date, limit = 500): Promise<FeedbackCheck> {
  const flags = new Map<string, { reason: 'too_high' | 'too_low'; scoreThen: number | null }>();
  for (const f of await listFeedback(db, tenant, { limit: limit * 2 })) {
    if ((f.reason === 'too_high' || f.reason === 'too_low') && !flags.has(f.leadId) && flags.size < limit) flags.set(f.leadId, { reason: f.reason, scoreThen: f.score?.composite ?? null });
  }
  const check: FeedbackCheck = { flagged: 0, movedAsAsked: 0, movedAgainst: 0, items: [] };
  if (flags.size === 0) return check;
  const histories = await readHistories(db, tenant, { ids: [...flags.keys()] });
  const asOf = () => now;
  const challengerScores = await scoreHistories(challenger, histories, asOf, { reasons: false });
  const championScores = champion ? await scoreHistories(champion, histories, asOf, { reasons: false }) : null;
  histories.forEach((h, i) => {
    const flag = flags.get(h.lead.id)!;
    // Scores to a tenth of a point, as shown; the counts are taken from the same figures.
    const tenth = (x: number) => Math.round(x * 10) / 10;
    const next = tenth(challengerScores[i]!.probability * 100);
    const before = tenth(championScores ? championScores[i]!.probability * 100 : (flag.scoreThen ?? next));
    const change = next - before;
    const asked = flag.reason === 'too_high' ? -1 : 1;
    check.flagged++;
    if (change * asked >= 1) check.movedAsAsked++;
    else if (change * asked <= -1) check.movedAgainst++;
    if (check.items.length < 50) check.items.push({ leadId: h.lead.id, reason: flag.reason, scoreThen: flag.scoreThen, champion: before, challenger: next });
  });
  return check;
}
