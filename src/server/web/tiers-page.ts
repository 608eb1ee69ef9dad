import express, { Router, type Request, type Response } from 'express';
import { previewSettings, type SettingsPreview } from '../../scoring/preview.js';
import { currentSettings, settingsHistory, type Settings, type SettingsVersion } from '../../settings/index.js';
import { checkSettings, isAdmin, percentileIssue, saveAs, sendPage, tenantOf, type Issues, type WebDeps } from './context.js';
import { csrfField, fieldIssues, issuesBelow, list, num, selected, text } from './forms.js';
import { formatDate, html, type Html } from './html.js';
import { requireAdmin } from './security.js';

const MAX_TIERS = 6;

/** The tiers a posted form describes; a row left blank (the spare one) is skipped. */
function tiersFromForm(body: Record<string, unknown>, current: Settings): Settings {
  const names = list(body.tier_name);
  const mins = list(body.tier_min);
  const actions = list(body.tier_action);
  const levels = names
    .map((name, i) => ({ name: name.trim(), min: num(mins[i]), action: (actions[i] ?? '').trim() }))
    .filter((l) => l.name !== '' || !Number.isNaN(l.min) || l.action !== '');
  return {
    ...current,
    tiers: {
      basis: text(body.basis) as Settings['tiers']['basis'],
      score: text(body.score) as Settings['tiers']['score'],
      levels,
    },
  };
}

const pct = (rate: number | null) => (rate === null ? '—' : `${(rate * 100).toFixed(1)}%`);

/** The preview table: open leads per tier now, and how leads of each tier converted. */
export function previewTable(p: SettingsPreview | null, issues: Issues | null): Html {
  if (issues?.length) return html`<p class="muted" data-preview-state="invalid">Fix the highlighted fields to see a preview.</p>`;
  if (!p) return html`<p class="muted">No preview: no model is available yet.</p>`;
  const totalOpen = p.tiers.reduce((a, t) => a + t.openLeads, 0);
  return html`<table class="data" id="preview-table" data-preview-state="ok">
<caption>Open leads now (${p.openLeads.scored} scored${p.openLeads.notScored ? `, ${p.openLeads.notScored} not scored` : ''}) and the ${p.historical.leads} most recent closed leads${p.historical.from ? ` (${p.historical.from.slice(0, 10)} to ${p.historical.to!.slice(0, 10)})` : ''}, model ${p.modelVersion}</caption>
<thead><tr><th scope="col">Tier</th><th scope="col">From</th><th scope="col">Open leads</th><th scope="col">Share</th><th scope="col">Closed leads</th><th scope="col">Converted</th></tr></thead>
<tbody>${p.tiers.map(
    (t, i) => html`<tr data-tier="${t.name}"><th scope="row"><span class="tier tier-${String(Math.min(i, 2))}">${t.name}</span></th><td>${t.min}</td><td class="num" data-open>${t.openLeads}</td><td class="num">${totalOpen ? `${Math.round((100 * t.openLeads) / totalOpen)}%` : '—'}</td><td class="num">${t.historicalLeads}</td><td class="num" data-rate>${pct(t.historicalConversionRate)}</td></tr>`,
  )}</tbody></table>`;
}

export function historyList(versions: SettingsVersion[]): Html {
  if (!versions.length) return html`<p class="muted">No saved versions yet: the defaults are in force.</p>`;
  return html`<table class="data" id="history"><thead><tr><th scope="col">Version</th><th scope="col">Saved</th><th scope="col">By</th><th scope="col">Changes</th></tr></thead><tbody>${versions.map(
    (v) => html`<tr><td>${v.version}${v.restoredFrom !== null ? html` <span class="muted">(restored ${v.restoredFrom})</span>` : ''}</td><td>${formatDate(v.changedAt)}</td><td>${v.changedBy ?? ''}</td><td><ul class="changes">${v.changes
      .slice(0, 8)
      .map((c) => html`<li><code>${c.field}</code>: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}</li>`)}${v.changes.length > 8 ? html`<li>and ${v.changes.length - 8} more</li>` : ''}</ul></td></tr>`,
  )}</tbody></table>`;
}

export function tiersRouter(deps: WebDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '64kb' });

  const preview = async (req: Request, settings: Settings): Promise<SettingsPreview | null> => {
    try {
      return await previewSettings(deps.db, deps.models, tenantOf(req), settings);
    } catch (err) {
      req.log.warn('tier preview unavailable', { error: err });
      return null;
    }
  };

  const render = async (req: Request, res: Response, draft: Settings, version: number, issues: Issues | null, flash: { kind: 'ok' | 'error' | 'info'; text: string } | null, status = 200) => {
    const admin = isAdmin(req);
    const t = draft.tiers;
    const rows = [...t.levels, ...(t.levels.length < MAX_TIERS ? [{ name: '', min: Number.NaN, action: '' }] : [])];
    const p = issues?.length ? null : await preview(req, draft);
    const history = await settingsHistory(deps.db, tenantOf(req), 10);
    sendPage(req, res, deps, {
      title: 'Tiers and thresholds',
      active: '/app/tiers',
      status,
      flash,
      scripts: ['preview.js'],
      body: html`<form method="post" action="/app/tiers" id="tiers-form" class="card" data-preview-url="/app/tiers/preview">
${csrfField(req.web!.csrfToken)}<input type="hidden" name="expected_version" value="${version}">
<div class="row">
<label>Cut tiers from <select name="basis"><option value="percentile"${selected(t.basis, 'percentile')}>percentile of the model's scores</option><option value="score"${selected(t.basis, 'score')}>score (0-100)</option></select></label>
<label>Score <select name="score"><option value="composite"${selected(t.score, 'composite')}>composite</option><option value="fit"${selected(t.score, 'fit')}>fit</option><option value="engagement"${selected(t.score, 'engagement')}>engagement</option></select></label>
</div>
${fieldIssues(issues, 'tiers.basis')}${fieldIssues(issues, 'tiers.levels')}${fieldIssues(issues, 'tiers')}
<table class="data edit"><thead><tr><th scope="col">Tier (highest first)</th><th scope="col">From</th><th scope="col">Next action</th></tr></thead><tbody>
${rows.map(
  (l, i) => html`<tr><td><input name="tier_name" aria-label="Tier ${i + 1} name" value="${l.name}" maxlength="40">${issuesBelow(issues, `tiers.levels[${i}].name`)}</td>
<td><input name="tier_min" aria-label="Tier ${i + 1} minimum" type="number" min="0" max="100" step="any" value="${Number.isNaN(l.min) ? '' : l.min}">${issuesBelow(issues, `tiers.levels[${i}].min`)}</td>
<td><input name="tier_action" aria-label="Tier ${i + 1} next action" value="${l.action}" maxlength="200">${issuesBelow(issues, `tiers.levels[${i}].action`)}</td></tr>`,
)}
</tbody></table>
<p class="muted">Leave the last row blank for no new tier; the lowest tier starts at 0.</p>
<div class="actions"><button type="submit" name="action" value="preview" class="secondary">Preview</button>${admin ? html`<button type="submit" name="action" value="save">Save</button>` : html`<span class="muted">You are a viewer: you can preview but not save.</span>`}</div>
</form>
<section class="card"><h2>Preview</h2><div id="preview" aria-live="polite">${previewTable(p, issues)}</div></section>
<section class="card"><h2>History</h2>${historyList(history)}</section>`,
    });
  };

  router.get('/tiers', async (req, res, next) => {
    try {
      const current = await currentSettings(deps.db, tenantOf(req));
      const saved = Number(req.query.saved);
      const flash = Number.isInteger(saved) && saved > 0 ? { kind: 'ok' as const, text: `Saved as version ${saved}.` } : null;
      await render(req, res, current.settings, current.version, null, flash);
    } catch (err) {
      next(err);
    }
  });

  // The live preview script posts the draft here and swaps in the table it gets back.
  router.post('/tiers/preview', form, async (req, res, next) => {
    try {
      const current = await currentSettings(deps.db, tenantOf(req));
      const checked = checkSettings(tiersFromForm(req.body as Record<string, unknown>, current.settings));
      const issues = checked.issues ?? (await percentileIssue(deps, tenantOf(req), checked.settings));
      const p = issues ? null : await preview(req, checked.settings!);
      res.type('html').send(previewTable(p, issues).text);
    } catch (err) {
      next(err);
    }
  });

  router.post('/tiers', form, async (req, res, next) => {
    try {
      const body = req.body as Record<string, unknown>;
      const current = await currentSettings(deps.db, tenantOf(req));
      const draft = tiersFromForm(body, current.settings);
      const checked = checkSettings(draft);
      const issues = checked.issues ?? (await percentileIssue(deps, tenantOf(req), checked.settings));
      if (text(body.action) !== 'save') return await render(req, res, draft, current.version, issues, null);
      if (!isAdmin(req)) return requireAdmin(req, res, next);
      if (issues) return await render(req, res, draft, current.version, issues, { kind: 'error', text: 'Not saved: fix the fields marked below.' }, 400);
      const expected = num(body.expected_version);
      const saved = await saveAs(req, deps, checked.settings!, Number.isInteger(expected) ? expected : undefined);
      res.redirect(303, `/app/tiers?saved=${saved.version}`);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
