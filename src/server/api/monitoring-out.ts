import type { MonitoringReport } from '../../monitoring/index.js';
import type { MonitoringAlert, StoredMonitoringReport } from '../../store/index.js';

/** A day's headline figures (the full report is only sent for the newest day). */
export function monitoringDayOut(r: StoredMonitoringReport) {
  const report = r.report as unknown as MonitoringReport;
  const a = report.accuracy;
  const ok = a.status === 'ok';
  return {
    day: r.day,
    model_version: r.modelVersion,
    computed_at: r.computedAt.toISOString(),
    accuracy_status: a.status,
    outcomes: a.outcomes,
    auc: ok ? a.auc : null,
    ece: ok ? a.ece : null,
    precision_at_hot: ok ? a.precisionAtHot : null,
    recall_at_hot: ok ? a.recallAtHot : null,
    score_psi: report.drift.score?.psi ?? null,
    max_feature_psi: report.drift.features.length ? Math.max(...report.drift.features.map((f) => f.psi)) : null,
    hot_share: report.hotShare.current,
  };
}

export const alertOut = (a: MonitoringAlert) => ({
  id: a.id,
  day: a.day,
  metric: a.metric,
  subject: a.subject,
  figure: a.figure,
  threshold: a.threshold,
  message: a.message,
  action: a.action,
  created_at: a.createdAt.toISOString(),
  acknowledged_at: a.acknowledgedAt?.toISOString() ?? null,
  acknowledged_by: a.acknowledgedBy,
  slack: a.slack,
});
