import type { AbTestReport, ArmFigures } from '../../learning/ab-report.js';
import { emptyState, escapeHtml, fmt, pct } from './html.js';

/**
 * The live A/B split: each arm's leads, arrived outcomes, conversions, AUC and calibration side by
 * side, the challenger arm's leads under the champion too when that was measured, and what the
 * figures say in words. `settings` says whether the split is on when no split has run yet.
 */
export function renderAbTest(report: AbTestReport | null, settings: AbTestReport['settings']): string {
  const state = settings.enabled
    ? `On: ${pct(settings.share, 0)} of the leads are scored by the newest challenger; the CRM gets the ${settings.writes === 'champion' ? "champion's" : "challenger's"} score for them.`
    : 'Off (settings learning.abTest).';
  if (!report) {
    return `<p class="ls-dash-note">${escapeHtml(state)}</p>` + emptyState(settings.enabled ? 'No lead has been put in an arm yet: that happens at the next rescoring, once a challenger waits.' : 'No A/B split has run.');
  }
  const row = (label: string, model: string, a: ArmFigures) =>
    `<tr><th scope="row">${escapeHtml(label)}</th><td>${escapeHtml(model)}</td><td class="num">${a.leads}</td><td class="num">${a.outcomes}</td><td class="num">${a.conversions}</td><td class="num">${escapeHtml(pct(a.conversionRate))}</td><td class="num">${a.scored}</td><td class="num">${escapeHtml(fmt(a.auc))}</td><td class="num">${escapeHtml(pct(a.meanPredicted))}</td><td class="num">${escapeHtml(fmt(a.calibrationError))}</td></tr>`;
  const rows = [
    row("Champion's arm", 'champion', report.champion),
    row("Challenger's arm", `challenger ${report.challenger}`, report.challengerArm),
    report.championOnChallengerArm ? row("Challenger's arm, as the champion scored it", 'champion', report.championOnChallengerArm) : '',
  ].join('');
  return (
    `<p class="ls-dash-note">${escapeHtml(state)} Split for challenger ${escapeHtml(report.challenger)} since ${escapeHtml(report.startedAt.slice(0, 10))}.</p>` +
    `<table class="ls-table ls-ab-test"><thead><tr><th>Arm</th><th>Scored by</th><th>Leads</th><th>Outcomes</th><th>Converted</th><th>Conversion rate</th><th>Scored before the outcome</th><th>AUC</th><th>Mean score</th><th>Calibration error</th></tr></thead><tbody>${rows}</tbody></table>` +
    `<p data-ab-summary>${escapeHtml(report.summary)}</p>`
  );
}
