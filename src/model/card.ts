import type { Metrics } from './metrics.js';
import { MODEL_NAMES, type ModelSet } from './model-set.js';
import { TRAINING_MINIMUM } from './training-set.js';
import { DEFAULT_LEARNING } from '../settings/schema.js';

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

/** MODEL_CARD.md: what the models are for, what they were trained on and how good they are. */
export function modelCard(set: ModelSet, source: string): string {
  const m = TRAINING_MINIMUM;
  const row = (name: string, h: Metrics) =>
    `| ${name} | ${h.rows} | ${h.positives} | ${f3(h.auc)} | ${f3(h.prAuc)} | ${f3(h.logLoss)} | ${f3(h.brier)} | ${f3(h.ece)} | ${f3(h.liftTopDecile)} |`;
  const groups = { fit: 0, engagement: 0 };
  for (const f of set.spec.features) groups[f.group]++;
  const attributes = set.spec.features.filter((f) => f.attribute).map((f) => `\`${f.attribute}\` (${f.kind})`);
  return `# Leadscore model ${set.version}

${set.isDefault ? '**Default model.** Shipped with Leadscore and trained on synthetic CRM data; it scores a tenant until the tenant has enough outcomes of its own.' : 'Trained for one tenant on its own outcomes.'}

- Trained from: ${source}
- Created: ${set.createdAt}
- Feature spec: ${set.spec.version} (${groups.fit} fit and ${groups.engagement} engagement features${attributes.length ? `; custom attributes ${attributes.join(', ')}` : ''})
- Outcomes: ${set.training.outcomes} (${set.training.conversions} converted), decided from ${set.training.from} to ${set.training.to}
- Data hash: \`${set.training.dataHash}\`

## What it does
Three gradient-boosted tree models give the probability that a lead converts: **fit** from who the
lead is, **engagement** from what the lead did, **composite** from both. Each lead is featurized
as of its outcome time for training (nothing that happened after the decision is used) and as of
the scoring time when scored. Probabilities are calibrated (Platt or isotonic, whichever had the
lower held-out log loss), so 0.3 means about 30 in 100 such leads convert.

## How good it is
Measured on the newest ${set.training.split.holdout} outcomes, which no part of training saw (time split:
${set.training.split.train} rows grew the trees, ${set.training.split.validation} stopped them and fitted the calibration).

| model | rows | converted | AUC | PR-AUC | log loss | Brier | calibration error | lift, top 10% |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${MODEL_NAMES.map((name) => row(name, set.models[name].holdout)).join('\n')}
${row('logistic regression on the composite features (baseline)', set.baseline.logistic)}

## Company-size segments
${set.segments.considered
  .map((c) => `- ${c.band} employees: ${c.outcomes} outcomes; ${c.used ? 'has a composite model of its own' : 'uses the composite model'}: ${c.why}${c.segmentLogLoss !== undefined ? ` (log loss ${f3(c.segmentLogLoss)} against ${f3(c.globalLogLoss!)})` : ''}`)
  .join('\n')}

## When a tenant gets its own model
A tenant's own models are trained once it has at least ${DEFAULT_LEARNING.minOutcomes} outcomes decided in the last ${DEFAULT_LEARNING.windowDays} days
(the default of settings \`learning.minOutcomes\`, which may not go below ${m.outcomes}), with at least ${m.conversions} conversions and
${m.nonConversions} non-conversions, and replace ${set.isDefault ? 'this default' : 'the default'} when they beat it on the newest outcomes. Below that,
a model of its own would be less reliable than a general one, and the model dashboard says so.

## Limits
- What predicts conversion drifts: older outcomes weigh less (half-life 365 days); retrain regularly.
- Scores describe leads like the training leads; a new market, product or lead source needs new outcomes.
- Reasons are exact TreeSHAP contributions of the composite model, rolled up into plain sentences;
  they explain the model, not the buyer's mind.
`;
}
