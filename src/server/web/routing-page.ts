import express, { Router, type Request, type Response } from 'express';
import { replayRouting, type SimulationReport } from '../../routing/index.js';
import { currentSettings, type Settings } from '../../settings/index.js';
import { leadCreationRange } from '../../store/index.js';
import { checkSettings, isAdmin, saveAs, sendPage, tenantOf, type Issues, type WebDeps } from './context.js';
import { csrfField, fieldIssues, num, text } from './forms.js';
import { applyRuleAction, formStateFromBody, formStateOf, routingOfForm, type RoutingFormState } from './routing-form.js';
import { routingFormHtml } from './routing-form-html.js';
import { formatDate, html, type Html } from './html.js';
import { requireAdmin } from './security.js';

interface Draft {
  state: RoutingFormState;
  /** The raw-JSON box as typed, when that was what was applied. */
  json?: string;
}

/** Check the form's routing with the rest of the settings in force, by the API's schema. */
function parseDraft(draft: Draft, current: Settings): { settings: Settings | null; issues: Issues } {
  const checked = checkSettings({ ...current, routing: routingOfForm(draft.state) });
  return checked.issues ? { settings: null, issues: checked.issues } : { settings: checked.settings, issues: [] };
}

/** "Apply JSON": the routing object typed in the raw box; valid JSON that fails the schema keeps the form and names the fields. */
function applyJson(typed: string, current: Settings, state: RoutingFormState): { state: RoutingFormState; issues: Issues } {
  let routing: unknown;
  try {
    routing = JSON.parse(typed);
  } catch (err) {
    return { state, issues: [{ field: 'routing_json', message: `is not valid JSON: ${(err as Error).message}` }] };
  }
  const checked = checkSettings({ ...current, routing });
  if (checked.issues) return { state, issues: checked.issues.map((i) => ({ field: 'routing_json', message: `${i.field}: ${i.message}` })) };
  return { state: formStateOf(checked.settings), issues: [] };
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
    const form = routingFormHtml(draft.state, (issues ?? []).filter((i) => i.field !== 'routing_json'));
    const jsonIssues = fieldIssues(issues, 'routing_json');
    sendPage(req, res, deps, {
      title: 'Routing rules',
      active: '/app/routing',
      status: extra.status ?? 200,
      flash: extra.flash ?? null,
      scripts: ['routing.js'],
      body: html`<form method="post" action="/app/routing" id="routing-form" novalidate>
${csrfField(req.web!.csrfToken)}<input type="hidden" name="expected_version" value="${version}">
<div class="row"><p class="muted">Changes take effect when saved. Check validates the draft; Simulate replays past leads through it.</p><button type="submit" name="action" value="check" class="secondary">Check</button></div>
<section class="card"><h2>Roster</h2>
${form.roster}
</section>
<section class="card"><h2>Rules, first match wins</h2>
${form.rules}
<div class="actions"><button type="submit" name="action" value="add" class="secondary">Add a rule</button></div>
</section>
${form.leftover ? html`<section class="card"><h2>Other problems</h2>${form.leftover}</section>` : ''}
<section class="card"><h2>Check and save</h2>
<div class="row"><label>Simulate leads created from <input type="date" name="from" value="${from}"></label><label>to <input type="date" name="to" value="${to}"></label>
<button type="submit" name="action" value="simulate" class="secondary">Simulate</button>
${admin ? html`<button type="submit" name="action" value="save">Save</button>` : html`<span class="muted">You are a viewer: you can check and simulate but not save.</span>`}</div>
</section>
<details class="card" id="raw-json"${jsonIssues ? ' open' : ''}><summary>Edit as JSON</summary>
<p class="muted">The routing settings as the API takes them (<code>src/routing/README.md</code>). Apply JSON replaces the form with them.</p>
<label for="routing-json">Routing JSON</label><textarea id="routing-json" name="routing_json" rows="14">${draft.json ?? JSON.stringify(routingOfForm(draft.state), null, 2)}</textarea>${jsonIssues}
<div class="actions"><button type="submit" name="action" value="json" class="secondary">Apply JSON</button></div>
</details>
</form>
${extra.report ?? ''}`,
    });
  };

  router.get('/routing', async (req, res, next) => {
    try {
      const current = await currentSettings(deps.db, tenantOf(req));
      const saved = Number(req.query.saved);
      await render(req, res, { state: formStateOf(current.settings) }, current.version, null, { flash: Number.isInteger(saved) && saved > 0 ? { kind: 'ok', text: `Saved as version ${saved}.` } : null });
    } catch (err) {
      next(err);
    }
  });

  router.post('/routing', form, async (req, res, next) => {
    try {
      const body = req.body as Record<string, unknown>;
      const action = text(body.action);
      const current = await currentSettings(deps.db, tenantOf(req));
      const period = { from: text(body.from), to: text(body.to) };
      const posted = formStateFromBody(body);
      if (action === 'json') {
        const applied = applyJson(text(body.routing_json), current.settings, posted);
        const flash = applied.issues.length ? { kind: 'error' as const, text: 'The JSON was not applied: see the message under it.' } : { kind: 'info' as const, text: 'The JSON is in the form; save to keep it.' };
        return await render(req, res, { state: applied.state, ...(applied.issues.length ? { json: text(body.routing_json) } : {}) }, current.version, applied.issues, { flash, period, status: applied.issues.length ? 400 : 200 });
      }
      const moved = applyRuleAction(posted, action);
      if (moved) return await render(req, res, { state: moved }, current.version, null, { period });
      const draft: Draft = { state: posted };
      const { settings, issues } = parseDraft(draft, current.settings);
      const failed = issues.length ? { kind: 'error' as const, text: `${issues.length} problem${issues.length > 1 ? 's' : ''}: see the messages next to the rules and fields.` } : null;
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
