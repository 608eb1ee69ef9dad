import type { TenantId } from '../domain/index.js';
import { compareAucsPaired, compareAucsUnpaired, type AucComparison } from '../model/auc-test.js';
import { auc, calibrationError } from '../model/metrics.js';
import { currentSettings } from '../settings/index.js';
import { abTestOutcomes, listAbTests, type AbOutcome, type Queryable } from '../store/index.js';

/** How one arm's scores did on the outcomes that arrived. */
export interface ArmFigures {
  /** Leads given this arm. */
  leads: number;
  /** Of those, leads whose outcome arrived after they got the arm. */
  outcomes: number;
  conversions: number;
  conversionRate: number | null;
  /** Outcomes that had a score from the arm's model before them: the figures below are on these. */
  scored: number;
  /** Null when not computable: fewer than one conversion and one non-conversion among the scored. */
  auc: number | null;
  /** Mean predicted probability against the share that converted, and the expected calibration error (10 bins). */
  meanPredicted: number | null;
  calibrationError: number | null;
}

export interface AbTestReport {
  challenger: string;
  startedAt: string;
  lastAssignedAt: string;
  /** The settings in force now. */
  settings: { enabled: boolean; share: number; writes: 'champion' | 'challenger' };
  champion: ArmFigures & { model: 'champion' };
  challengerArm: ArmFigures & { model: 'challenger' };
  /**
   * The challenger arm's leads scored by the champion too (when the champion's score was the one
   * stored, the default): the same leads under both models, a fairer comparison than across arms.
   */
  championOnChallengerArm: ArmFigures | null;
  /**
   * Whether the challenger's AUC differs from the champion's by more than chance (DeLong's test;
   * A is the challenger, B the champion): paired on the challenger arm's outcomes that both
   * models scored, when the champion's scores were kept, otherwise across the two arms. Null
   * until there are two outcomes of each kind to compare on.
   */
  comparison: (AucComparison & { outcomes: number; verdict: AbVerdict }) | null;
  /** In words: what the figures say, or what they still need. */
  summary: string;
}

/** The figures of one arm from (probability, converted) pairs; `leads` and `outcomes` counted by the caller. */
export function armFigures(leads: number, outcomes: readonly AbOutcome[], probabilityOf: (o: AbOutcome) => number | null): ArmFigures {
  const conversions = outcomes.filter((o) => o.converted).length;
  const pairs = outcomes.flatMap((o) => {
    const p = probabilityOf(o);
    return p === null ? [] : [{ p: Math.min(1, Math.max(0, p)), y: o.converted ? 1 : 0 }];
  });
  const p = pairs.map((x) => x.p);
  const y = pairs.map((x) => x.y);
  const positives = y.reduce((a, b) => a + b, 0);
  return {
    leads,
    outcomes: outcomes.length,
    conversions,
    conversionRate: outcomes.length ? conversions / outcomes.length : null,
    scored: pairs.length,
    auc: positives > 0 && positives < pairs.length ? auc(p, y) : null,
    meanPredicted: pairs.length ? p.reduce((a, b) => a + b, 0) / pairs.length : null,
    calibrationError: pairs.length ? calibrationError(p, y) : null,
  };
}

const f3 = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
const signed3 = (x: number) => `${x >= 0 ? '+' : '-'}${Math.abs(x).toFixed(3)}`;

export type AbVerdict = 'challenger better' | 'champion better' | 'no significant difference';
/** The two-sided level at which a difference of AUC counts as real. */
export const AB_SIGNIFICANCE = 0.05;

/** The challenger against the champion, paired on the same leads when both scored them. */
function compareArms(championRows: readonly AbOutcome[], challengerRows: readonly AbOutcome[], challenger: string): AbTestReport['comparison'] {
  const both = challengerRows.filter((o) => o.challenger !== null && o.stored && o.stored.modelVersion !== challenger);
  const y = (rows: readonly AbOutcome[]) => rows.map((o) => (o.converted ? 1 : 0));
  let result: AucComparison | null = null;
  let outcomes = both.length;
  if (both.length > 0) {
    result = compareAucsPaired(both.map((o) => o.challenger!), both.map((o) => o.stored!.composite), y(both));
  } else {
    const a = challengerRows.filter((o) => o.challenger !== null);
    const b = championRows.filter((o) => o.stored !== null);
    outcomes = a.length + b.length;
    result = compareAucsUnpaired(a.map((o) => o.challenger!), y(a), b.map((o) => o.stored!.composite), y(b));
  }
  if (!result) return null;
  const verdict: AbVerdict = result.pValue >= AB_SIGNIFICANCE ? 'no significant difference' : result.difference > 0 ? 'challenger better' : 'champion better';
  return { ...result, outcomes, verdict };
}

function comparisonSentence(c: NonNullable<AbTestReport['comparison']>): string {
  const on = c.method === 'paired' ? `paired on the ${c.outcomes} challenger-arm outcomes both models scored` : `across the arms' ${c.outcomes} scored outcomes`;
  const what =
    c.verdict === 'no significant difference'
      ? 'not a significant difference yet'
      : `the ${c.verdict === 'challenger better' ? 'challenger' : 'champion'} ranks leads better (p < ${AB_SIGNIFICANCE})`;
  return ` Challenger minus champion: ${signed3(c.difference)} AUC, 95% interval ${signed3(c.interval95[0])} to ${signed3(c.interval95[1])}, p = ${c.pValue < 0.001 ? '< 0.001' : c.pValue.toFixed(3)} (DeLong's test, ${on}): ${what}.`;
}

/**
 * Both arms of a challenger's live A/B split on the outcomes that arrived since the leads got
 * their arm: how many, how many converted, the AUC where both kinds are present, calibration.
 * The newest split when no challenger is named; null when there was none.
 */
export async function abTestReport(db: Queryable, tenant: TenantId, challenger?: string): Promise<AbTestReport | null> {
  const tests = await listAbTests(db, tenant);
  const test = challenger === undefined ? tests[0] : tests.find((t) => t.challenger === challenger);
  if (!test) return null;
  const [rows, { settings }] = await Promise.all([abTestOutcomes(db, tenant, test.challenger), currentSettings(db, tenant)]);
  const championRows = rows.filter((r) => r.arm === 'champion');
  const challengerRows = rows.filter((r) => r.arm === 'challenger');
  const champion = armFigures(test.champion, championRows, (o) => (o.stored ? o.stored.composite / 100 : null));
  const challengerArm = armFigures(test.challengerArm, challengerRows, (o) => (o.challenger === null ? null : o.challenger / 100));
  // The champion's own score of a challenger-arm lead is in its history only when the champion's score was the stored one.
  const paired = challengerRows.some((o) => o.stored && o.stored.modelVersion !== test.challenger);
  const championOnChallengerArm = paired
    ? armFigures(test.challengerArm, challengerRows, (o) => (o.stored && o.stored.modelVersion !== test.challenger ? o.stored.composite / 100 : null))
    : null;
  const comparison = compareArms(championRows, challengerRows, test.challenger);
  let summary: string;
  if (champion.auc === null || challengerArm.auc === null) {
    summary = `Not enough outcomes to compare yet: ${champion.outcomes} in the champion's arm (${champion.conversions} converted) and ${challengerArm.outcomes} in the challenger's (${challengerArm.conversions} converted); an AUC needs conversions and non-conversions among the scored leads of each arm.`;
  } else {
    summary = `AUC ${f3(challengerArm.auc)} for the challenger's arm against ${f3(champion.auc)} for the champion's; calibration error ${f3(challengerArm.calibrationError)} against ${f3(champion.calibrationError)}, on ${challengerArm.scored} and ${champion.scored} outcomes.`;
    if (championOnChallengerArm?.auc != null) summary += ` On the challenger arm's own leads the champion scores AUC ${f3(championOnChallengerArm.auc)}.`;
  }
  if (comparison) summary += comparisonSentence(comparison);
  return {
    challenger: test.challenger,
    startedAt: test.startedAt.toISOString(),
    lastAssignedAt: test.lastAssignedAt.toISOString(),
    settings: { ...settings.learning.abTest },
    champion: { ...champion, model: 'champion' },
    challengerArm: { ...challengerArm, model: 'challenger' },
    championOnChallengerArm,
    comparison,
    summary,
  };
}
