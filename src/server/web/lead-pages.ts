import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { sourceMatches, type Score } from '../../domain/index.js';
import { rescore } from '../../scoring/rescore.js';
import { currentSettings } from '../../settings/index.js';
import { findLeadsByEmail, getLead, getLeadSource, getScoreHistory, getScores } from '../../store/index.js';
import { sendPage, tenantOf, type WebDeps } from './context.js';
import { selected, text } from './forms.js';
import { html, type Html } from './html.js';
import { renderLeadCard } from './lead-card.js';

const SOURCES = ['salesforce', 'hubspot', 'file'] as const;
const FeedbackForm = z.object({ reason: z.enum(['too_high', 'too_low', 'wrong_reasons', 'other']), comment: z.string().trim().max(1000).optional() });

/** Lead lookup by source and id (or email), showing the same card the CRMs show. */
export function leadRouter(deps: WebDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });

  const card = async (req: Request, source: string, id: string): Promise<Html | null> => {
    const tenant = tenantOf(req);
    if (!sourceMatches(await getLeadSource(deps.db, tenant, id), source)) return null;
    let score: Score | undefined = (await getScores(deps.db, tenant, [id])).get(id)?.score;
    if (!score) {
      // Never scored (just arrived): score it now, as the score API does.
      await rescore(deps.db, deps.models, tenant, { ids: [id] });
      score = (await getScores(deps.db, tenant, [id])).get(id)?.score ?? {
        status: 'not_scored',
        leadId: id,
        reason: 'the lead already has an outcome (converted or closed); only open leads are scored',
        scoredAt: new Date(),
      };
    }
    const [lead, history, { settings }] = await Promise.all([getLead(deps.db, tenant, id), getScoreHistory(deps.db, tenant, id, 30), currentSettings(deps.db, tenant)]);
    const rank = score.status === 'scored' ? settings.tiers.levels.findIndex((l) => l.name === score.tier) : -1;
    return renderLeadCard({
      source,
      leadId: id,
      lead: lead ? { name: [lead.firstName, lead.lastName].filter(Boolean).join(' ') || null, title: lead.title, company: lead.company, email: lead.email } : null,
      score,
      history: history.map((h) => ({ scoredAt: h.scoredAt, composite: h.composite })),
      tierRank: rank >= 0 ? rank : null,
      feedback: { action: `/app/leads/${encodeURIComponent(source)}/${encodeURIComponent(id)}/feedback`, csrfToken: req.web!.csrfToken, available: Boolean(deps.recordFeedback) },
    });
  };

  const page = async (req: Request, res: Response, q: { source: string; id: string; email: string }, flash: { kind: 'ok' | 'error' | 'info'; text: string } | null = null, status = 200) => {
    let result: Html | string = '';
    let code = status;
    if (q.email) {
      const found = await findLeadsByEmail(deps.db, tenantOf(req), q.email);
      if (found.length === 1) result = (await card(req, found[0]!.source, found[0]!.leadId))!;
      else if (found.length > 1)
        result = html`<section class="card"><h2>${found.length} leads have this email</h2><ul>${found.map(
          (f) => html`<li><a href="/app/leads?source=${encodeURIComponent(f.source)}&amp;id=${encodeURIComponent(f.leadId)}">${f.source} ${f.leadId}</a></li>`,
        )}</ul></section>`;
      else {
        result = html`<p class="flash flash-error" role="alert">No lead has the email ${q.email} in this account.</p>`;
        code = 404;
      }
    } else if (q.id) {
      const found = await card(req, q.source, q.id);
      if (found) result = found;
      else {
        result = html`<p class="flash flash-error" role="alert">No lead "${q.id}" from ${q.source} in this account.</p>`;
        code = 404;
      }
    }
    sendPage(req, res, deps, {
      title: 'Lead lookup',
      active: '/app/leads',
      status: code,
      flash,
      body: html`<form method="get" action="/app/leads" class="card row" role="search">
<label>Source <select name="source">${SOURCES.map((s) => html`<option value="${s}"${selected(q.source, s)}>${s}</option>`)}</select></label>
<label>Lead id <input name="id" value="${q.id}" maxlength="255"></label>
<span class="muted">or</span>
<label>Email <input name="email" type="email" value="${q.email}" maxlength="320"></label>
<button type="submit">Look up</button>
</form>
${result}`,
    });
  };

  router.get('/leads', async (req, res, next) => {
    try {
      const source = text(req.query.source) || 'salesforce';
      await page(req, res, { source: (SOURCES as readonly string[]).includes(source) ? source : 'salesforce', id: text(req.query.id).slice(0, 255), email: text(req.query.email).slice(0, 320) });
    } catch (err) {
      next(err);
    }
  });

  router.post('/leads/:source/:id/feedback', form, async (req, res, next) => {
    try {
      const { source, id } = req.params as { source: string; id: string };
      const q = { source, id, email: '' };
      if (!deps.recordFeedback) return await page(req, res, q, { kind: 'info', text: 'Feedback is not available yet on this server; nothing was sent.' }, 501);
      const parsed = FeedbackForm.safeParse({ reason: text((req.body as Record<string, unknown>).reason), comment: text((req.body as Record<string, unknown>).comment) || undefined });
      if (!parsed.success) return await page(req, res, q, { kind: 'error', text: `Feedback not sent: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}` }, 400);
      if (!sourceMatches(await getLeadSource(deps.db, tenantOf(req), id), source)) return await page(req, res, q, null, 404);
      await deps.recordFeedback(tenantOf(req), source, id, { ...parsed.data, user: req.web!.user.displayName.slice(0, 200) });
      await page(req, res, q, { kind: 'ok', text: 'Thank you: your feedback was recorded with the current score.' });
    } catch (err) {
      next(err);
    }
  });
  return router;
}

