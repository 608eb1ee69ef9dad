import type { Score, TenantId } from '../domain/index.js';
import type { LoadedModelSet } from '../model/artifact.js';
import { currentSettings, type Settings } from '../settings/index.js';
import { getAbArms, getScores, readHistories, storeAbTest, storeScoreChanges, type Database, type ScoreChange, type StoredScore } from '../store/index.js';
import { abArm, type AbArm } from './ab-split.js';
import { scoreLeads } from './service.js';

/** Where a tenant's model set comes from: its own once trained, else the shipped default. */
export interface ModelSource {
  forTenant(tenant: TenantId): Promise<LoadedModelSet | null>;
  /** The challenger a live A/B split scores with (settings learning.abTest), when the source keeps versions and has one. */
  abChallenger?(tenant: TenantId): Promise<{ version: string; models: LoadedModelSet } | null>;
}

export interface RescoreResult {
  /** Leads read and scored. */
  leads: number;
  scored: number;
  notScored: number;
  /** Leads whose stored score changed (each gets a history row). */
  changed: number;
  /** Write jobs put in the outbox. */
  writes: number;
  /** Requested ids that are not leads of the tenant. */
  unknownIds: string[];
  /** Requested leads left alone because they have an outcome: only open leads are scored. */
  closed: number;
  /** The live A/B split, when on: the challenger and how many of the leads read are in its arm. */
  abTest?: { challenger: string; challengerArm: number };
}

export interface RescoreOptions {
  asOf?: Date;
  /** Leads per transaction. */
  pageSize?: number;
  onProgress?: (done: RescoreResult) => void;
}

/**
 * Score leads from the store and keep what changed: the new score and its history row, and a
 * write job in the outbox when the change is worth a CRM write, all in one transaction per page.
 * `all` rescores every open lead (engagement decays, so scores move without new activity);
 * `ids` rescores those leads alone (a new lead or activity; leads with an outcome are skipped). Scoring the same data as of the
 * same time again changes nothing and writes nothing.
 */
export async function rescore(
  db: Database,
  models: ModelSource,
  tenant: TenantId,
  select: { all: true } | { ids: readonly string[] },
  options: RescoreOptions = {},
): Promise<RescoreResult> {
  const asOf = options.asOf ?? new Date();
  const pageSize = options.pageSize ?? 2000;
  const modelSet = await models.forTenant(tenant);
  const { settings } = await currentSettings(db, tenant);
  const result: RescoreResult = { leads: 0, scored: 0, notScored: 0, changed: 0, writes: 0, unknownIds: [], closed: 0 };

  const ab = settings.learning.abTest.enabled && models.abChallenger ? await models.abChallenger(tenant) : null;
  if (ab) result.abTest = { challenger: ab.version, challengerArm: 0 };

  const page = async (histories: Awaited<ReturnType<typeof readHistories>>) => {
    const scores = await scoreLeads(modelSet, settings, histories, asOf);
    const split = ab ? await scoreChallengerArm(db, tenant, ab, settings, histories, scores, asOf) : null;
    await db.transaction(async (tx) => {
      // Score writers of a tenant take turns, so a batch and a real-time rescore of the same lead
      // cannot both decide against the same stored score and write twice.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('scores:' || $1))`, [tenant]);
      const stored = await getScores(tx, tenant, scores.map((s) => s.leadId));
      const changes = scores.flatMap((s) => {
        const change = decideChange(s, stored.get(s.leadId), settings);
        return change ? [change] : [];
      });
      const { writes } = await storeScoreChanges(tx, tenant, changes);
      if (split) await storeAbTest(tx, tenant, ab!.version, asOf, split.arms, split.challengerScores);
      result.changed += changes.length;
      result.writes += writes;
    });
    if (split && result.abTest) result.abTest.challengerArm += split.challengerScores.length;
    result.leads += scores.length;
    const scored = scores.filter((s) => s.status === 'scored').length;
    result.scored += scored;
    result.notScored += scores.length - scored;
    options.onProgress?.({ ...result });
  };

  if ('ids' in select) {
    const ids = [...new Set(select.ids)];
    for (let i = 0; i < ids.length; i += pageSize) {
      const chunk = ids.slice(i, i + pageSize);
      const histories = await readHistories(db, tenant, { ids: chunk });
      const found = new Set(histories.map((h) => h.lead.id));
      result.unknownIds.push(...chunk.filter((id) => !found.has(id)));
      const open = histories.filter((h) => h.outcome === null);
      result.closed += histories.length - open.length;
      if (open.length) await page(open);
    }
    return result;
  }
  // The next page is read while this one is scored: the database and the scoring overlap.
  const read = (after?: string) => readHistories(db, tenant, { ...(after === undefined ? {} : { after }), limit: pageSize, openOnly: true });
  let next = read();
  for (;;) {
    const histories = await next;
    if (histories.length === 0) break;
    next = read(histories[histories.length - 1]!.lead.id);
    // A failed scoring page must not leave the read ahead's own failure unhandled.
    next.catch(() => undefined);
    await page(histories);
  }
  return result;
}

/**
 * The live A/B split of one page: each lead's arm (the one it already has for this challenger,
 * else by the hash of tenant and lead id), and the challenger's scores of the leads in its arm.
 * With settings abTest.writes "challenger" those scores replace the champion's in `scores`, so
 * they are the ones stored, shown and written to the CRM; by default the champion's stay.
 */
async function scoreChallengerArm(
  db: Database,
  tenant: TenantId,
  ab: { version: string; models: LoadedModelSet },
  settings: Settings,
  histories: Awaited<ReturnType<typeof readHistories>>,
  scores: Score[],
  asOf: Date,
): Promise<{ arms: Array<{ leadId: string; arm: AbArm }>; challengerScores: Array<{ leadId: string; composite: number; tier: string | null; written: boolean; scoredAt: Date }> }> {
  const { share, writes } = settings.learning.abTest;
  const known = await getAbArms(db, tenant, ab.version, histories.map((h) => h.lead.id));
  const arms = histories.map((h) => ({ leadId: h.lead.id, arm: known.get(h.lead.id) ?? abArm(tenant, h.lead.id, share) }));
  const inArm = histories.filter((_, i) => arms[i]!.arm === 'challenger');
  if (inArm.length === 0) return { arms, challengerScores: [] };
  const write = writes === 'challenger';
  // Reasons only when the challenger's score is the one shown and written.
  const challenger = new Map((await scoreLeads(ab.models, settings, inArm, asOf, { reasons: write })).map((s) => [s.leadId, s]));
  const challengerScores = [];
  for (let i = 0; i < scores.length; i++) {
    const c = challenger.get(scores[i]!.leadId);
    if (!c || c.status !== 'scored') continue;
    challengerScores.push({ leadId: c.leadId, composite: c.composite, tier: c.tier, written: write, scoredAt: asOf });
    if (write) scores[i] = c;
  }
  return { arms, challengerScores };
}

/** What a stored score shows: comparing these says whether anything a person can see changed. */
function visible(s: Score): string {
  if (s.status === 'not_scored') return JSON.stringify(['not_scored', s.reason]);
  return JSON.stringify([s.composite, s.fit, s.engagement, s.grade, s.tier, s.nextAction, s.modelVersion, s.reasons.map((r) => r.text)]);
}

/**
 * The change to store for a new score, or null when it shows the same as the stored one. The
 * change carries a CRM write when the lead was never written, changed status, tier or grade, or
 * moved by at least the tenant's minimum since its last write (small moves add up).
 */
export function decideChange(score: Score, stored: StoredScore | undefined, settings: Settings): ScoreChange | null {
  if (stored && visible(stored.score) === visible(score)) return null;
  // A score computed as of an earlier time than the stored one is stale: never go back in time.
  if (stored && stored.score.scoredAt.getTime() > score.scoredAt.getTime()) return null;
  const last = stored?.lastWritten;
  let write: boolean;
  if (!last || last.status === null || last.status !== score.status) write = true;
  else if (score.status === 'not_scored') write = false;
  else {
    write =
      last.tier !== score.tier ||
      last.grade !== score.grade ||
      last.composite === null ||
      Math.abs(score.composite - last.composite) >= settings.writeback.minScoreChange;
  }
  return { score, write: write ? writePayload(score) : null };
}

/** What the writeback worker sends, CRM-neutral; the tenant's field mappings name the fields. */
export function writePayload(score: Score): Record<string, unknown> {
  if (score.status === 'not_scored') return { status: 'not_scored', reason: score.reason, scoredAt: score.scoredAt.toISOString() };
  return {
    status: 'scored',
    composite: Math.round(score.composite),
    fit: score.fit === null ? null : Math.round(score.fit),
    engagement: score.engagement === null ? null : Math.round(score.engagement),
    grade: score.grade,
    tier: score.tier,
    reasons: score.reasons.map((r) => `${r.direction === 'positive' ? '+' : '-'} ${r.text}`).join('\n'),
    nextAction: score.nextAction,
    scoredAt: score.scoredAt.toISOString(),
    modelVersion: score.modelVersion,
  };
}
