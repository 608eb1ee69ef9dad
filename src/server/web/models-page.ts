import { Router } from 'express';
import { DASHBOARD_STYLE, escapeHtml, loadDashboardData, renderAbTest, renderDashboard, renderLastModelChange, type ModelChange } from '../dashboard/index.js';
import type { TierChanges } from '../../learning/promote.js';
import { abTestReport } from '../../learning/ab-report.js';
import { currentSettings } from '../../settings/index.js';
import { renderChampionChallenger } from '../dashboard/tables.js';
import type { Comparison } from '../../learning/evaluate.js';
import type { FeedbackCheck } from '../../learning/feedback-check.js';
import { countFeedback, listFeedback, listModelVersions, queryAudit, type Database, type FeedbackCount, type FeedbackRecord, type ModelVersion } from '../../store/index.js';
import type { TenantId } from '../../domain/index.js';
import { sendPage, tenantOf, type WebDeps } from './context.js';

/** Drift bands coloured by class (the app's CSP allows no inline style). */
const BAND_CSS = `.band-stable{background:#dafbe1}.band-moderate{background:#fff8c5}.band-major{background:#ffebe9}`;

/** Champion and the newest challenger side by side, measured on the same held-out outcomes. */
function championChallenger(versions: ModelVersion[]): string {
  const latest = versions.find((v) => (v.evaluation as { comparison?: Comparison }).comparison);
  // Without a comparison the dashboard's own section says there is no challenger yet.
  if (!latest) return '';
  const evaluation = latest.evaluation as { champion?: string; comparison: Comparison; decision?: string; feedback?: FeedbackCheck };
  const c = evaluation.comparison;
  const table = renderChampionChallenger(
    { version: evaluation.champion ?? 'champion', auc: c.auc.champion, ece: c.ece.champion, liftTopDecile: c.liftTopDecile.champion, outcomes: c.rows },
    { version: latest.version, auc: c.auc.challenger, ece: c.ece.challenger, liftTopDecile: c.liftTopDecile.challenger, outcomes: c.rows },
  );
  const f = evaluation.feedback;
  const feedback = !f
    ? ''
    : f.flagged === 0
      ? '<p class="ls-dash-note">No lead was flagged as too high or too low before this retrain.</p>'
      : `<p data-feedback-check>Of the ${f.flagged} leads reps flagged as too high or too low, the challenger moves ${f.movedAsAsked} at least a point the way they asked and ${f.movedAgainst} the other way.</p>`;
  return `<section class="ls-dash-section"><h2>Champion and newest challenger</h2><p class="ls-dash-note">On the ${c.rows} most recent outcomes neither was trained on. ${escapeHtml(latest.reason)}</p>${table}${feedback}</section>`;
}

function versionsTable(versions: ModelVersion[]): string {
  if (versions.length === 0) return '<section class="ls-dash-section"><h2>Model versions</h2><p class="ls-dash-empty">No model of this account\'s own yet: the shipped default model scores its leads.</p></section>';
  const rows = versions
    .map((v) => `<tr><td>${escapeHtml(v.version)}</td><td>${escapeHtml(v.status)}</td><td>${escapeHtml(v.createdAt.toISOString().slice(0, 16).replace('T', ' '))}</td><td class="num">${v.outcomes ?? ''}</td><td>${escapeHtml(v.reason)}</td></tr>`)
    .join('');
  return `<section class="ls-dash-section"><h2>Model versions</h2><table class="ls-table"><thead><tr><th>Version</th><th>Status</th><th>Trained (UTC)</th><th>Outcomes</th><th>Why</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

const REASONS = ['too_high', 'too_low', 'wrong_reasons', 'other'] as const;
const REASON_LABEL: Record<(typeof REASONS)[number], string> = { too_high: 'Too high', too_low: 'Too low', wrong_reasons: 'Wrong reasons', other: 'Other' };

/** Reps' "this score looks wrong": counts per tier and reason, and the newest with what the rep saw. */
function feedbackSection(byTier: FeedbackCount[], bySize: FeedbackCount[], recent: FeedbackRecord[]): string {
  if (recent.length === 0) return '<section class="ls-dash-section"><h2>Rep feedback</h2><p class="ls-dash-empty">No rep has flagged a score yet (the record cards\' "This score looks wrong").</p></section>';
  const matrix = (title: string, counts: FeedbackCount[]) => {
    const segments = [...new Set(counts.map((c) => c.segment ?? 'none'))];
    const cell = (segment: string, reason: string) => counts.filter((c) => (c.segment ?? 'none') === segment && c.reason === reason).reduce((a, c) => a + c.count, 0);
    const rows = segments.map((seg) => `<tr><td>${escapeHtml(seg)}</td>${REASONS.map((r) => `<td class="num">${cell(seg, r)}</td>`).join('')}</tr>`).join('');
    return `<table class="ls-table"><caption>${escapeHtml(title)}</caption><thead><tr><th></th>${REASONS.map((r) => `<th>${REASON_LABEL[r]}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;
  };
  const items = recent
    .map(
      (f) =>
        `<tr><td>${escapeHtml(f.createdAt.toISOString().slice(0, 10))}</td><td>${escapeHtml(f.source)}/${escapeHtml(f.leadId)}</td><td>${REASON_LABEL[f.reason]}</td><td class="num">${f.score?.composite === null || f.score?.composite === undefined ? 'not scored' : Math.round(f.score.composite)}</td><td>${escapeHtml(f.tier ?? '')}</td><td>${escapeHtml(f.modelVersion ?? '')}</td><td>${escapeHtml(f.comment ?? '')}</td></tr>`,
    )
    .join('');
  return `<section class="ls-dash-section"><h2>Rep feedback</h2><p class="ls-dash-note">What reps flagged as wrong, with the score they saw then.</p><div class="ls-grid">${matrix('Per tier', byTier)}${matrix('Per company size', bySize)}</div>
<table class="ls-table"><caption>Newest</caption><thead><tr><th>Day</th><th>Lead</th><th>Reason</th><th>Score then</th><th>Tier then</th><th>Model</th><th>Comment</th></tr></thead><tbody>${items}</tbody></table></section>`;
}

/** The newest promotion or rollback from the audit log, with the tier moves it caused. */
async function lastModelChange(db: Database, tenant: TenantId): Promise<ModelChange | null> {
  const entries = (await Promise.all((['model_promotion', 'model_rollback'] as const).map((action) => queryAudit(db, tenant, { action, limit: 1 })))).flat();
  const newest = entries.sort((a, b) => b.id - a.id)[0];
  if (!newest) return null;
  const after = (newest.after ?? {}) as { champion?: string; tierChanges?: TierChanges };
  return {
    at: newest.at,
    action: newest.action as ModelChange['action'],
    version: after.champion ?? newest.recordId.replace(/^model:/, ''),
    previous: String((newest.before as { champion?: string } | null)?.champion ?? 'default'),
    actor: newest.cause,
    reason: newest.note ?? null,
    tierChanges: after.tierChanges ?? null,
  };
}

/** `/app/models`: the model dashboard (monitoring, drift, the model card) with the model versions. */
export function modelsRouter(deps: WebDeps): Router {
  const router = Router();
  router.get('/models/dashboard.css', (_req, res) => {
    res.type('text/css').send(DASHBOARD_STYLE + BAND_CSS);
  });
  router.get('/models', async (req, res, next) => {
    try {
      const tenant = tenantOf(req);
      const [data, versions, byTier, bySize, recent, abReport, { settings }, change] = await Promise.all([
        loadDashboardData(deps.db, deps.models, tenant),
        listModelVersions(deps.db, tenant),
        countFeedback(deps.db, tenant, 'tier'),
        countFeedback(deps.db, tenant, 'size_band'),
        listFeedback(deps.db, tenant, { limit: 20 }),
        abTestReport(deps.db, tenant),
        currentSettings(deps.db, tenant),
        lastModelChange(deps.db, tenant),
      ]);
      const changed = `<section class="ls-dash-section" id="model-change"><h2>Last model change</h2>${renderLastModelChange(change)}</section>`;
      const abTest = `<section class="ls-dash-section" id="ab-test"><h2>Live A/B split</h2><p class="ls-dash-note">Both arms on the outcomes that arrived since their leads got an arm.</p>${renderAbTest(abReport, settings.learning.abTest)}</section>`;
      sendPage(req, res, deps, {
        title: 'Models',
        active: '/app/models',
        styles: ['models/dashboard.css'],
        body: changed + championChallenger(versions) + abTest + versionsTable(versions) + feedbackSection(byTier, bySize, recent) + renderDashboard(data),
      });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
