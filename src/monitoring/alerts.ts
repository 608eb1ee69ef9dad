import type { NewAlert } from '../store/index.js';
import type { MonitoringReport } from './report.js';

export interface AlertThresholds {
  psi: number;
  aucDrop: number;
  calibrationError: number;
  hotShareChange: number;
}

const f3 = (x: number) => x.toFixed(3);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * The alerts a day's report raises: each figure strictly above its threshold, with the figure,
 * the threshold and what to do. A figure that could not be measured raises nothing.
 */
export function alertsFor(report: MonitoringReport, t: AlertThresholds): NewAlert[] {
  const alerts: NewAlert[] = [];
  const a = report.accuracy;
  if (a.status === 'ok') {
    const baseline = report.model.holdoutAuc;
    if (baseline !== null && baseline - a.auc > t.aucDrop) {
      alerts.push({
        metric: 'auc_drop',
        subject: '',
        figure: baseline - a.auc,
        threshold: t.aucDrop,
        message: `AUC on the ${a.outcomes} outcomes of the last ${report.accuracy.windowDays} days is ${f3(a.auc)}, ${f3(baseline - a.auc)} below the model's held-out ${f3(baseline)} (alert above a drop of ${f3(t.aucDrop)})`,
        action: 'Retrain on recent outcomes; the segment table shows where the scores got worse, and the drift table what changed in the leads.',
      });
    }
    if (a.ece > t.calibrationError) {
      alerts.push({
        metric: 'calibration_error',
        subject: '',
        figure: a.ece,
        threshold: t.calibrationError,
        message: `Calibration error on the last ${report.accuracy.windowDays} days' outcomes is ${f3(a.ece)} (alert above ${f3(t.calibrationError)}): a score of 30 no longer means about 30 in 100 convert`,
        action: 'Retrain so the calibration is refitted on recent outcomes; until then read tiers as a ranking, not as probabilities.',
      });
    }
  }
  if (report.drift.status === 'ok') {
    for (const f of report.drift.features) {
      if (f.psi > t.psi) {
        alerts.push({
          metric: 'feature_psi',
          subject: f.name,
          figure: f.psi,
          threshold: t.psi,
          message: `Feature "${f.name}" drifted: population stability index ${f3(f.psi)} between the model's training leads and today's open leads (alert above ${f3(t.psi)})`,
          action: `Check what changed in the leads arriving (a new campaign, lead source or market) or in how "${f.name}" is recorded in the CRM; retrain if the change is real.`,
        });
      }
    }
    for (const f of report.drift.newLeads?.features ?? []) {
      if (f.psi > t.psi) {
        alerts.push({
          metric: 'new_lead_psi',
          subject: f.name,
          figure: f.psi,
          threshold: t.psi,
          message: `Leads created in the last ${report.drift.newLeads!.days} days differ from the model's training leads in "${f.name}": population stability index ${f3(f.psi)} (alert above ${f3(t.psi)})`,
          action: `A new market, campaign or lead source is arriving: check where the new leads come from; if it lasts, watch accuracy on their outcomes and retrain once they arrive.`,
        });
      }
    }
  }
  const score = report.drift.score;
  if (score && score.psi > t.psi) {
    alerts.push({
      metric: 'score_psi',
      subject: '',
      figure: score.psi,
      threshold: t.psi,
      message: `The composite score distribution of open leads drifted from the model's training scores: population stability index ${f3(score.psi)} (alert above ${f3(t.psi)})`,
      action: 'Tier sizes will move with it: check the Hot share and the drift table; retrain if the leads arriving have really changed.',
    });
  }
  const hot = report.hotShare;
  if (hot.current !== null && hot.expected !== null && Math.abs(hot.current - hot.expected) > t.hotShareChange) {
    alerts.push({
      metric: 'hot_share',
      subject: hot.tier,
      figure: Math.abs(hot.current - hot.expected),
      threshold: t.hotShareChange,
      message: `${pct(hot.current)} of open leads are ${hot.tier}, against ${pct(hot.expected)} of the model's training leads: a change of ${pct(Math.abs(hot.current - hot.expected))} (alert above ${pct(t.hotShareChange)})`,
      action: hot.current > hot.expected
        ? `Score inflation: reps get more ${hot.tier} leads than the tier was sized for. Check the drift table; consider a percentile-based tier or retraining.`
        : `Fewer ${hot.tier} leads than the tier was sized for: check the drift table and recent lead sources; consider retraining.`,
    });
  }
  return alerts;
}

/** The Slack text for a day's new alerts. */
export function slackText(tenant: string, day: string, alerts: ReadonlyArray<{ message: string; action: string }>): string {
  return [`*Leadscore: ${alerts.length} model alert${alerts.length === 1 ? '' : 's'} for ${tenant} on ${day}*`, ...alerts.map((a) => `• ${a.message}\n   _What to do:_ ${a.action}`)].join('\n');
}
