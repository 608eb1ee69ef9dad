import express, { Router, type Request, type Response } from 'express';
import { replayRouting, type SimulationReport } from '../../routing/index.js';
import { currentSettings, routingOf, type Settings } from '../../settings/index.js';
import { leadCreationRange } from '../../store/index.js';
import { checkSettings, isAdmin, saveAs, sendPage, tenantOf, type Issues, type WebDeps } from './context.js';
import { csrfField, fieldIssues, issuesBelow, list, num, selected, text } from './forms.js';
import { formatDate, html, type Html } from './html.js';
import { requireAdmin } from './security.js';

/** What "Add a rule" puts in the new rule's box: a valid shape to edit. */
const NEW_RULE = { name: 'New rule', when: { tier: { equals: 'Hot' } }, assign: { type: 'owner', owner: 'owner-id' } };

interface Draft {
  score: string;
  fallbackOwner: string;
  owners: string;
  teams: string;
  rules: string[];
}

const pretty = (v: unknown) => JSON.stringify(v, null, 2);

function draftOf(settings: Settings): Draft {
  const r = routingOf(settings.routing);
  return { score: settings.routing.score, fallbackOwner: r.fallbackOwner ?? '', owners: pretty(r.owners), teams: pretty(r.teams), rules: r.rules.map(pretty) };
}

/** Parse the posted boxes; a box that is not JSON gets its own message instead of a schema issue. */
function parseDraft(draft: Draft, current: Settings): { settings: Settings | null; issues: Issues } {
  const issues: Issues = [];
  const json = (value: string, field: string): unknown => {
    try {
      return JSON.parse(value);
    } catch (err) {
      issues.push({ field, message: `is not valid JSON: ${(err as Error).message}` });
      return undefined;
    }
  };
  const owners = json(draft.owners || '[]', 'routing.owners');
  const teams = json(draft.teams || '[]', 'routing.teams');
  const rules = draft.rules.map((r, i) => json(r, `routing.rules[${i}]`));
  if (issues.length) return { settings: null, issues };
  const checked = checkSettings({ ...current, routing: { score: draft.score, owners, teams, rules, fallbackOwner: draft.fallbackOwner || null } });
  return checked.issues ? { settings: null, issues: checked.issues } : { settings: checked.settings, issues: [] };
}

function draftFromForm(body: Record<string, unknown>): Draft {
  const remove = new Set(list(body.remove).map(Number));
  const rules = list(body.rule).filter((_r, i) => !remove.has(i));
  if (text(body.action) === 'add') rules.push(pretty(NEW_RULE));
  return { score: text(body.score), fallbackOwner: text(body.fallback_owner), owners: text(body.owners), teams: text(body.teams), rules };
}

const dateInput = (d: Date) => d.toISOString().slice(0, 10);

function reportHtml(report: SimulationReport, period: { from: Date; to: Date }): Html {
  return html`<section class="card" id="simulation"><h2>Simulation: ${report.leads} leads created ${dateInput(period.from)} to ${dateInput(period.to)}</h2>
<p>${report.assigned} assigned by a rule, ${report.fallback} to a fallback owner, ${report.unassigned} to no one, ${report.noRule} matched no rule.</p>
<table class="data"><caption>Per owner (hot tier: ${report.hotTier})</caption><thead><tr><th scope="col">Owner</th><th scope="col">Leads</th><th scope="col">${report.hotTier}</th><th scope="col">As fallback</th></tr></thead><tbody>
${report.perOwner.map((o) => html`<tr><td>${o.name} <span class="muted">${o.owner}</span></td><td class="num">${o.leads}</td><td class="num">${o.hotLeads}</td><td class="num">${o.fallbackLeads}</td></tr>`)}
</tbody></table>
<p class="muted">Spread of leads over the owners the rules name: ${report.spread.leads.min} to ${report.spread.leads.max}${report.spread.leads.coefficientOfVariation !== null ? `, coefficient of variation ${report.spread.leads.coefficientOfVariation.toFixed(2)}` : ''}.</p>
<table class="data"><caption>Per rule</caption><thead><tr><th scope="col">Rule</th><th scope="col">Leads</th><th scope="col">Fallback</th><th scope="col">Unassigned</th></tr></thead><tbody>
${report.perRule.map((r) => html`<tr><td>${r.rule}</td><td class="num">${r.leads}</td><td class="num">${r.fallback}</td><td class="num">${r.unassigned}</td></tr>`)}
</tbody></table>
${report.fellBack.length ? html`<h3>Fell back (first ${Math.min(10, report.fellBack.length)} of ${report.fellBack.length})</h3><ul>${report.fellBack.slice(0, 10).map((f) => html`<li>${f.leadId} (${formatDate(f.at)}), rule ${f.rule}: ${f.owner ?? 'no one'}: ${f.reason}</li>`)}</ul>` : ''}
</section>`;
}

/** Routing rules: owners, teams and ordered rules, each message next to its rule, and a simulation over a past period. */
export function routingRouter(deps: WebDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '512kb' });

  const render = async (req: Request, res: Response, draft: Draft, version: number, issues: Issues | null, extra: { flash?: { kind: 'ok' | 'error' | 'info'; text: string } | null; report?: Html; period?: { from: string; to: string }; status?: number } = {}) => {
    const admin = isAdmin(req);
    const range = await leadCreationRange(deps.db, tenantOf(req));
    const to = extra.period?.to ?? dateInput(new Date((range?.last ?? new Date()).getTime() + 86_400_000));
    const from = extra.period?.from ?? dateInput(new Date(new Date(to).getTime() - 90 * 86_400_000));
    sendPage(req, res, deps, {
      title: 'Routing rules',
      active: '/app/routing',
      status: extra.status ?? 200,
      flash: extra.flash ?? null,
      body: html`<form method="post" action="/app/routing" id="routing-form">
${csrfField(req.web!.csrfToken)}<input type="hidden" name="expected_version" value="${version}">
<section class="card"><h2>Roster</h2>
<div class="row"><label>Route by score <select name="score">${['composite', 'fit', 'engagement'].map((s) => html`<option value="${s}"${selected(draft.score, s)}>${s}</option>`)}</select></label>
<label>Fallback owner <input name="fallback_owner" value="${draft.fallbackOwner}" placeholder="owner id"></label></div>
${fieldIssues(issues, 'routing.fallbackOwner')}${fieldIssues(issues, 'routing.score')}
<label for="owners">Owners (JSON: id, name, crmUserId, kind, away, dailyCapacity)</label><textarea id="owners" name="owners" rows="6">${draft.owners}</textarea>${issuesBelow(issues, 'routing.owners')}
<label for="teams">Teams (JSON: id, name, members)</label><textarea id="teams" name="teams" rows="4">${draft.teams}</textarea>${issuesBelow(issues, 'routing.teams')}
</section>
<section class="card"><h2>Rules, first match wins</h2>
${draft.rules.length ? '' : html`<p class="muted">No rules: leads keep the owner the CRM gave them.</p>`}
${draft.rules.map((rule, i) => {
  const mine = issuesBelow(issues, `routing.rules[${i}]`);
  return html`<div class="rule${mine ? ' invalid' : ''}" data-rule="${i}"><label for="rule-${i}">Rule ${i + 1}</label><textarea id="rule-${i}" name="rule" rows="7">${rule}</textarea>${mine}
<label class="inline-check"><input type="checkbox" name="remove" value="${i}"> remove this rule</label></div>`;
})}
${fieldIssues(issues, 'routing.rules')}
<div class="actions"><button type="submit" name="action" value="add" class="secondary">Add a rule</button></div>
</section>
<section class="card"><h2>Check and save</h2>
<div class="row"><label>Simulate leads created from <input type="date" name="from" value="${from}"></label><label>to <input type="date" name="to" value="${to}"></label>
<button type="submit" name="action" value="simulate" class="secondary">Simulate</button>
<button type="submit" name="action" value="check" class="secondary">Check</button>
${admin ? html`<button type="submit" name="action" value="save">Save</button>` : html`<span class="muted">You are a viewer: you can check and simulate but not save.</span>`}</div>
</section>
</form>
${extra.report ?? ''}`,
    });
  };

  router.get('/routing', async (req, res, next) => {
    try {
      const current = await currentSettings(deps.db, tenantOf(req));
      const saved = Number(req.query.saved);
      await render(req, res, draftOf(current.settings), current.version, null, { flash: Number.isInteger(saved) && saved > 0 ? { kind: 'ok', text: `Saved as version ${saved}.` } : null });
    } catch (err) {
      next(err);
    }
  });

  router.post('/routing', form, async (req, res, next) => {
    try {
      const body = req.body as Record<string, unknown>;
      const action = text(body.action);
      const current = await currentSettings(deps.db, tenantOf(req));
      const draft = draftFromForm(body);
      const period = { from: text(body.from), to: text(body.to) };
      const { settings, issues } = parseDraft(draft, current.settings);
      const failed = issues.length ? { kind: 'error' as const, text: `${issues.length} problem${issues.length > 1 ? 's' : ''}: see the messages next to the rules and fields.` } : null;
      if (action === 'add') return await render(req, res, draft, current.version, null, { period });
      if (action === 'save') {
        if (!isAdmin(req)) return requireAdmin(req, res, next);
        if (!settings) return await render(req, res, draft, current.version, issues, { flash: failed, period, status: 400 });
        const expected = num(body.expected_version);
        const saved = await saveAs(req, deps, settings, Number.isInteger(expected) ? expected : undefined);
        return res.redirect(303, `/app/routing?saved=${saved.version}`);
      }
      if (!settings) return await render(req, res, draft, current.version, issues, { flash: failed, period, status: 400 });
      if (action !== 'simulate') return await render(req, res, draft, current.version, [], { flash: { kind: 'ok', text: 'These rules are valid.' }, period });
      const from = new Date(`${period.from}T00:00:00Z`);
      const to = new Date(`${period.to}T00:00:00Z`);
      if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to) {
        return await render(req, res, draft, current.version, [], { flash: { kind: 'error', text: 'Simulation period: give a start date before the end date.' }, period, status: 400 });
      }
      const tenant = tenantOf(req);
      // The same replay as the API: each lead with the score it had when it arrived.
      const { report } = await replayRouting(deps.db, tenant, settings, { from, to });
      await render(req, res, draft, current.version, [], { report: reportHtml(report, { from, to }), period });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
