import type { LeadHistory, TenantId } from '../domain/index.js';
import type { LoadedModelSet } from '../model/artifact.js';
import { modelCard } from '../model/card.js';
import type { GbdtParams } from '../model/gbdt/params.js';
import { MODEL_NAMES, type ModelSet } from '../model/model-set.js';
import { NotEnoughDataError } from '../model/training-set.js';
import { scoreHistories } from '../scoring/score-leads.js';
import { currentSettings, type Settings } from '../settings/index.js';
import { closedLeadIds, getChampion, getModelVersion, insertModelVersion, readHistories, updateModelVersion, type Database } from '../store/index.js';
import { compareOnHoldout, decidePromotion, type Comparison } from './evaluate.js';
import { checkFeedback } from './feedback-check.js';
import type { ChampionModelSource } from './model-source.js';
import { DEFAULT_VERSION, promoteVersion, type TierChanges } from './promote.js';
import { modelSetFilesInThread, trainModelSetInThread } from './train-thread.js';

const DAY = 86_400_000;

/** The held-out outcomes must be enough, and of both kinds, for a comparison to mean anything. */
export const HOLDOUT_MINIMUM = { outcomes: 50, ofEachClass: 5 } as const;

export interface RetrainOptions {
  now?: Date;
  params?: Partial<GbdtParams>;
  /** Bootstrap resamples and their seed. */
  resamples?: number;
  seed?: number;
  /** Who asked: "schedule", "api-key:...", "cli". */
  actor?: string;
}

export interface RetrainResult {
  status: 'promoted' | 'kept_as_challenger' | 'failed';
  /** The version recorded for this run (a failed run is recorded too, with its reason). */
  version: string;
  reason: string;
  /** The champion before the run: a version, or "default". */
  champion: string;
  comparison: Comparison | null;
  tierChanges: TierChanges | null;
  /** Milliseconds per step: reading, training, storing, evaluating, promoting. */
  timings: Record<string, number>;
}

/** Closed leads of the window with their activities, oldest outcome first. */
export async function readTrainingHistories(db: Database, tenant: TenantId, window: { from: Date; to: Date }): Promise<LeadHistory[]> {
  const ids = await closedLeadIds(db, tenant, window);
  const histories: LeadHistory[] = [];
  for (let i = 0; i < ids.length; i += 5000) histories.push(...(await readHistories(db, tenant, { ids: ids.slice(i, i + 5000) })));
  return histories.filter((h) => h.outcome !== null).sort((a, b) => a.outcome!.outcomeAt.getTime() - b.outcome!.outcomeAt.getTime() || (a.lead.id < b.lead.id ? -1 : 1));
}

/** The model card of a tenant's model: the trainer's card plus when a tenant's own models take over. */
export function tenantModelCard(set: ModelSet, tenant: TenantId, settings: Settings): string {
  const l = settings.learning;
  return (
    modelCard(set, `tenant ${tenant}: outcomes of the last ${l.windowDays} days`) +
    `
## Retraining (this tenant's settings)
- A tenant is scored by the shipped default model until it has at least **${l.minOutcomes} outcomes** in the last ${l.windowDays} days (settings \`learning.minOutcomes\`); then its own models are trained and compared with the model in force.
- Outcomes weigh half at ${l.recencyHalfLifeDays} days older than the newest; the newest ${Math.round(l.holdoutShare * 100)}% (and only outcomes after the champion's training window) are held out to compare the two.
- A challenger is promoted only when its AUC on those outcomes beats the champion's by at least ${l.promotionMargin} with a bootstrap interval above zero, and its calibration error is not worse by more than 0.01.
`
  );
}

/**
 * Train the tenant's fit, engagement and composite models on the outcomes of its rolling window
 * (recent ones weigh more), holding out the newest outcomes that neither the new models nor the
 * champion were trained on; compare both there (AUC, calibration error, top-decile lift, each
 * with a bootstrap interval) and promote the challenger only when it wins by the settings' margin.
 * Every run is recorded as a model version; a run that cannot train or compare says why, and the
 * champion stays in force.
 */
export async function retrainTenant(db: Database, models: ChampionModelSource, tenant: TenantId, options: RetrainOptions = {}): Promise<RetrainResult> {
  const now = options.now ?? new Date();
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const at = performance.now();
    timings[name] = Math.round(at - t);
    t = at;
  };
  const { settings } = await currentSettings(db, tenant);
  const l = settings.learning;
  const championRow = await getChampion(db, tenant);
  const champion = championRow?.version ?? DEFAULT_VERSION;
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');

  const fail = async (reason: string, extra: { version?: string; set?: ModelSet } = {}): Promise<RetrainResult> => {
    const version = extra.version ?? (await freeVersionName(db, tenant, `failed-${stamp}`));
    if (!extra.version) {
      await insertModelVersion(db, tenant, { version, status: 'failed', reason, evaluation: { champion, at: now.toISOString() } });
    } else {
      await updateModelVersion(db, tenant, version, { status: 'failed', reason });
    }
    return { status: 'failed', version, reason: `${reason}; the champion ${champion} stays in force`, champion, comparison: null, tierChanges: null, timings };
  };

  const histories = await readTrainingHistories(db, tenant, { from: new Date(now.getTime() - l.windowDays * DAY), to: now });
  lap('read');
  if (histories.length < l.minOutcomes) {
    return fail(`too few outcomes: ${histories.length} in the last ${l.windowDays} days, the settings ask for at least ${l.minOutcomes} (learning.minOutcomes)`);
  }
  // The newest outcomes are held out, and never ones the champion was trained on.
  let cut = Math.floor(histories.length * (1 - l.holdoutShare));
  const championTrainedTo = championRow?.trainingTo?.getTime() ?? -Infinity;
  while (cut < histories.length && histories[cut]!.outcome!.outcomeAt.getTime() <= championTrainedTo) cut++;
  const training = histories.slice(0, cut);
  const holdout = histories.slice(cut);
  const holdoutPositives = holdout.filter((h) => h.outcome!.converted).length;
  if (holdout.length < HOLDOUT_MINIMUM.outcomes) {
    return fail(
      `too few new outcomes to compare on: ${holdout.length} decided after the champion's training window (to ${championRow?.trainingTo?.toISOString() ?? 'n/a'}), at least ${HOLDOUT_MINIMUM.outcomes} needed`,
    );
  }
  if (holdoutPositives < HOLDOUT_MINIMUM.ofEachClass || holdout.length - holdoutPositives < HOLDOUT_MINIMUM.ofEachClass) {
    const kind = holdoutPositives === 0 ? 'none converted' : holdoutPositives === holdout.length ? 'all converted' : `${holdoutPositives} converted`;
    return fail(`the recent window has a single class: of the newest ${holdout.length} outcomes ${kind}; a comparison needs at least ${HOLDOUT_MINIMUM.ofEachClass} of each`);
  }

  let set: ModelSet;
  try {
    // In a worker thread: the embedded server runs this job in its web process.
    set = await trainModelSetInThread(training, { recencyHalfLifeDays: l.recencyHalfLifeDays, now, ...(options.params ? { params: options.params } : {}) });
  } catch (err) {
    if (err instanceof NotEnoughDataError) return fail(`cannot train on the ${training.length} outcomes before the held-out ones: ${err.message}`);
    throw err;
  }
  lap('train');
  const version = await freeVersionName(db, tenant, set.version);
  set = { ...set, version };
  const files = await modelSetFilesInThread(set, tenantModelCard(set, tenant, settings));
  await db.transaction(async (tx) => {
    await insertModelVersion(tx, tenant, {
      version,
      status: 'challenger',
      trainingFrom: new Date(set.training.from),
      trainingTo: new Date(set.training.to),
      outcomes: set.training.outcomes,
      dataHash: set.training.dataHash,
      metrics: { ...Object.fromEntries(MODEL_NAMES.map((n) => [n, set.models[n].holdout])), baseline: set.baseline.logistic, training: set.training },
      evaluation: { champion, status: 'evaluating' },
      reason: 'trained; being compared with the champion',
      files,
    });
  });
  lap('store');

  let challengerSet: LoadedModelSet;
  try {
    challengerSet = await models.version(tenant, version);
  } catch (err) {
    return fail(`the new model's files do not load: ${(err as Error).message}`, { version, set });
  }
  // A champion whose files do not load is served as the default is (ChampionModelSource falls back), so that is what to beat.
  const championSet = championRow ? await models.version(tenant, championRow.version).catch(() => models.fallbackFor(tenant)) : await models.fallbackFor(tenant);
  const labels = Uint8Array.from(holdout, (h) => (h.outcome!.converted ? 1 : 0));
  const at = (h: LeadHistory) => h.outcome!.outcomeAt;
  const challengerP = Float64Array.from(await scoreHistories(challengerSet, holdout, at, { reasons: false }), (s) => s.probability);
  // No model at all to beat (not even a default): the comparison is against a constant, the holdout's base rate.
  const championP = championSet
    ? Float64Array.from(await scoreHistories(championSet, holdout, at, { reasons: false }), (s) => s.probability)
    : new Float64Array(holdout.length).fill(holdoutPositives / holdout.length);
  const comparison = compareOnHoldout(championP, challengerP, labels, { resamples: options.resamples ?? 200, seed: options.seed ?? 1 });
  const decision = decidePromotion(comparison, l.promotionMargin);
  const evaluation = {
    champion,
    holdout: { rows: holdout.length, positives: holdoutPositives, from: at(holdout[0]!).toISOString(), to: at(holdout[holdout.length - 1]!).toISOString() },
    margin: l.promotionMargin,
    comparison,
    decision: decision.promote ? 'promote' : 'keep',
    // The leads reps flagged as too high or too low, scored by both: did the challenger fix them?
    feedback: await checkFeedback(db, tenant, championSet, challengerSet, now),
  };
  await updateModelVersion(db, tenant, version, { evaluation, reason: decision.reason });
  lap('evaluate');
  if (!decision.promote) return { status: 'kept_as_challenger', version, reason: decision.reason, champion, comparison, tierChanges: null, timings };

  try {
    const promoted = await promoteVersion(db, models, tenant, version, { action: 'model_promotion', reason: decision.reason, actor: options.actor ?? 'retrain', now });
    lap('promote');
    return { status: 'promoted', version, reason: decision.reason, champion, comparison, tierChanges: promoted.tierChanges, timings };
  } catch (err) {
    return { status: 'failed', version, reason: (err as Error).message, champion, comparison, tierChanges: null, timings };
  }
}

/** `base`, or `base-2`, `base-3`, ... when a version of that name exists (two runs in one second on the same data). */
async function freeVersionName(db: Database, tenant: TenantId, base: string): Promise<string> {
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    if (!(await getModelVersion(db, tenant, name))) return name;
  }
}
