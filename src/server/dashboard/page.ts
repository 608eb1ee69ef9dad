import { renderModelCard } from './card.js';
import { renderCalibrationCurve, renderHotShareOverTime, renderLiftChart, renderRocCurve, renderScoreHistogramOverTime } from './charts.js';
import type { DashboardData } from './data.js';
import { emptyState, escapeHtml, fmt, pct, section } from './html.js';
import { renderDefaultModelNotice } from './notice.js';
import { renderChampionChallenger, renderDriftTable, renderFeatureImportance, type ModelMetrics } from './tables.js';

/** What the importance section compares, in words. */
function importanceNote(data: DashboardData): string {
  const what = 'What each model leans on (share of the training weight reaching splits on a feature)';
  if (!data.model) return `${what}.`;
  if (data.model.isDefault) return `${what}. The shipped default model is in force: there is no previous version of this account's to compare with.`;
  return data.previousVersion ? `${what}, and how that moved since ${data.previousVersion}, the version in force before ${data.model.version}.` : `${what}. No previous version is known to compare with.`;
}

/** Fit, engagement and composite side by side: the top features of each, with the shift since the previous version. */
function renderImportanceByModel(data: DashboardData): string {
  const models = data.importanceByModel.filter((m) => m.current.length > 0);
  if (models.length === 0) return renderFeatureImportance(data.importance, data.previousImportance);
  const label = data.previousVersion ?? 'the previous version';
  return `<div class="ls-importance-models">${models
    .map((m) => `<div class="ls-importance-model" data-model="${m.model}"><h3>${escapeHtml(MODEL_TITLES[m.model])}</h3>${renderFeatureImportance(m.current, m.previous, 10, label)}</div>`)
    .join('')}</div>`;
}

const MODEL_TITLES = { fit: 'Fit (who the lead is)', engagement: 'Engagement (what the lead does)', composite: 'Composite (the score)' } as const;

export interface DashboardOptions {
  /** A challenger's figures, when the model registry has one (wired after the learning branch). */
  challenger?: ModelMetrics | null;
}

/** The model dashboard as one HTML fragment (the web app wraps it in its layout). */
export function renderDashboard(data: DashboardData, options: DashboardOptions = {}): string {
  const r = data.latest;
  const a = r?.accuracy;
  const ok = a?.status === 'ok' ? a : null;
  const parts: string[] = [];
  if (data.championFailure) {
    parts.push(
      `<aside class="ls-notice ls-champion-failure" role="alert"><strong>This account's champion model ${escapeHtml(data.championFailure.version)} does not load, so the shipped default scores its leads meanwhile.</strong> ` +
        `Why: ${escapeHtml(data.championFailure.message)}. Roll back to an earlier version (POST /api/v1/models/rollback) or retrain.</aside>`,
    );
  } else if (data.model?.isDefault) {
    parts.push(renderDefaultModelNotice({ version: data.model.version, outcomes: data.outcomes.total, conversions: data.outcomes.converted, needed: data.outcomes.needed }));
  }
  if (!data.model) parts.push(emptyState('No model is scoring this account yet.'));
  parts.push(summary(data));
  if (data.openAlerts.length) {
    parts.push(
      section('alerts', 'Open alerts', 'Each figure past its threshold, with what to do. Acknowledge them in the API (POST /api/v1/alerts/:id/ack).',
        `<ul class="ls-alerts">${data.openAlerts
          .slice(0, 8)
          .map((al) => `<li><strong>${escapeHtml(al.day)}:</strong> ${escapeHtml(al.message)}. <em>What to do:</em> ${escapeHtml(al.action)}</li>`)
          .join('')}</ul>${data.openAlerts.length > 8 ? `<p class="ls-dash-note">and ${data.openAlerts.length - 8} more (GET /api/v1/alerts)</p>` : ''}`),
    );
  }
  const notEnough = a && a.status === 'not_enough_outcomes' ? a.message : 'Monitoring has not run yet.';
  const caption = ok ? `${ok.outcomes} outcomes, last ${a!.windowDays} days` : undefined;
  parts.push(
    `<div class="ls-grid">`,
    section('roc', 'ROC curve', 'How well scores given before the outcome separate leads that converted from those that did not.', ok ? renderRocCurve({ points: ok.roc, auc: ok.auc, ...(caption ? { caption } : {}) }) : emptyState(notEnough)),
    section('lift', 'Lift by decile', 'Conversion rate of each tenth of leads by score, against the average.', ok ? renderLiftChart(ok.lift) : emptyState(notEnough)),
    section('calibration', 'Calibration', 'Whether a score of 30 means about 30 in 100 convert: points on the dashed line are well calibrated.', ok ? renderCalibrationCurve(ok.reliability, ok.ece) : emptyState(notEnough)),
    section('hot-share', `${r?.hotShare.tier ?? 'Hot'} share over time`, 'Share of open leads in the top tier each day: a rising line means score inflation.',
      renderHotShareOverTime(data.history.map((h) => ({ day: h.day, share: h.hotShare })), r?.hotShare.expected ?? null, r?.hotShare.tier ?? 'Hot')),
    `</div>`,
    section('histogram', 'Score histogram over time', 'Open leads per 10 points of composite score, one row per day (newest last).', renderScoreHistogramOverTime(data.history.slice(-14).map((h) => ({ day: h.day, counts: h.scoreHistogram })))),
    section('drift', 'Drift', 'Population stability index of each feature: open leads today against the leads the model was trained on.',
      (r?.drift.score ? `<p>Score distribution PSI: <strong>${escapeHtml(fmt(r.drift.score.psi))}</strong> (${escapeHtml(r.drift.score.band)})</p>` : '') +
        renderDriftTable(r?.drift.features ?? [], r?.drift.message ?? (r ? null : 'Monitoring has not run yet.')) +
        (r?.drift.newLeads ? `<h3>Leads created in the last ${r.drift.newLeads.days} days (${r.drift.newLeads.leads}), fit features</h3>${renderDriftTable(r.drift.newLeads.features, null, 10)}` : '')),
    section('importance', 'Feature importance', importanceNote(data), renderImportanceByModel(data)),
    section('champion', 'Champion and challenger', 'The model in force and the newest challenger on the same held-out outcomes.', data.model ? renderChampionChallenger(data.model.holdout, options.challenger ?? null) : emptyState('No model yet.')),
    section('card', 'Model card', 'What the model is for, what it was trained on and how good it is.', data.modelCard ? renderModelCard(data.modelCard) : emptyState('This model has no model card.')),
  );
  return `<div class="ls-dashboard">${parts.join('')}</div>`;
}

function summary(data: DashboardData): string {
  const r = data.latest;
  const ok = r?.accuracy.status === 'ok' ? r.accuracy : null;
  const items = [
    ['Model', data.model ? `${data.model.version}${data.model.isDefault ? ' (default)' : ''}` : 'none'],
    ['Held-out AUC', fmt(data.model?.holdout.auc)],
    ['AUC on recent outcomes', ok ? fmt(ok.auc) : 'not enough outcomes'],
    ['Precision / recall at Hot', ok ? `${pct(ok.precisionAtHot)} / ${pct(ok.recallAtHot)}` : 'n/a'],
    ['Calibration error', ok ? fmt(ok.ece) : 'n/a'],
    ['Report of', r?.day ?? 'never run'],
  ];
  return `<dl class="ls-summary">${items.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join('')}</dl>`;
}

/** The dashboard's stylesheet (the web app serves it as a file: its CSP allows no inline style). */
export const DASHBOARD_STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;margin:24px;background:#f6f8fa}
h1{font-size:22px;margin:0 0 12px} h2{font-size:16px;margin:0 0 4px}
.ls-dash-section{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:12px 16px;margin:0 0 16px}
.ls-grid{display:grid;grid-template-columns:repeat(2,minmax(440px,1fr));gap:0 16px}
.ls-dash-note{color:#59636e;margin:0 0 8px;font-size:12px} .ls-dash-empty{color:#59636e;font-style:italic}
.ls-notice{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:10px 14px;margin:0 0 16px}
.ls-summary{display:flex;flex-wrap:wrap;gap:8px;margin:0 0 16px} .ls-summary div{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:6px 12px}
.ls-summary dt{font-size:11px;color:#59636e} .ls-summary dd{margin:0;font-weight:600}
.ls-table{border-collapse:collapse;font-size:13px} .ls-table th,.ls-table td{border-bottom:1px solid #d0d7de;padding:3px 10px;text-align:left} .ls-table .num{text-align:right;font-variant-numeric:tabular-nums}
.ls-model-card h3{font-size:15px} .ls-model-card h4{font-size:14px}
.ls-importance-models{display:flex;flex-wrap:wrap;gap:8px 24px} .ls-importance-model h3{font-size:14px;margin:8px 0 4px}
`;

/** A standalone HTML document of the dashboard (the screenshot test and a plain export use it). */
export function renderDashboardPage(data: DashboardData, options: DashboardOptions = {}): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Model dashboard: ${escapeHtml(data.tenant)}</title><style>${DASHBOARD_STYLE}</style></head>` +
    `<body><h1>Model dashboard: ${escapeHtml(data.tenant)}</h1>${renderDashboard(data, options)}</body></html>`;
}
