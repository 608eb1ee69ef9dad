import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { listDeadLetters, queryAudit, recordAudit, requeueDeadLetters, type AuditAction } from '../../store/index.js';
import { changedBy, isAdmin, sendPage, tenantOf, type WebDeps } from './context.js';
import { csrfField, list, selected, text } from './forms.js';
import { formatDate, html } from './html.js';
import { requireAdmin } from './security.js';

const PAGE = 50;
const ACTIONS: AuditAction[] = ['field_write', 'assignment', 'dead_letter_retry', 'privacy_deletion'];
const AuditQuery = z.object({
  record_id: z.string().trim().max(255).optional(),
  action: z.enum(ACTIONS as [AuditAction, ...AuditAction[]]).or(z.literal('')).optional(),
  outcome: z.string().trim().max(40).optional(),
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'is not a date (YYYY-MM-DD)').or(z.literal('')).optional(),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'is not a date (YYYY-MM-DD)').or(z.literal('')).optional(),
  before: z.coerce.number().int().positive().optional(),
});

const short = (v: unknown) => {
  const s = v === null || v === undefined ? '' : JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 157)}…` : s;
};

/** Dead letters with retry, and the audit log with filters and paging. */
export function opsRouter(deps: WebDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '64kb' });

  const lettersPage = async (req: Request, res: Response, flash: { kind: 'ok' | 'error'; text: string } | null, status = 200) => {
    const before = Number(req.query.before);
    const letters = await listDeadLetters(deps.db, tenantOf(req), { limit: PAGE, ...(Number.isInteger(before) && before > 0 ? { before } : {}) });
    const admin = isAdmin(req);
    sendPage(req, res, deps, {
      title: 'Dead letters',
      active: '/app/dead-letters',
      status,
      flash,
      body: html`<section class="card"><p class="muted">CRM writes refused for good (a validation rule, a deleted record). Retrying puts them back in the queue; one whose lead has a newer score written since is retired instead.</p>
${letters.length
  ? html`<form method="post" action="/app/dead-letters/retry">${csrfField(req.web!.csrfToken)}
<table class="data"><thead><tr><th scope="col"></th><th scope="col">Write</th><th scope="col">Lead</th><th scope="col">Reason</th><th scope="col">Attempts</th><th scope="col">Failed</th></tr></thead><tbody>
${letters.map((d) => html`<tr><td><input type="checkbox" name="ids" value="${d.id}" aria-label="Select write ${d.id}"></td><td>${d.id}</td><td>${d.source ?? ''} ${d.leadId}</td><td>${d.reason ?? ''}</td><td class="num">${d.attempts}</td><td>${formatDate(d.failedAt)}</td></tr>`)}
</tbody></table>
${admin ? html`<div class="actions"><button type="submit" name="which" value="selected">Retry selected</button><button type="submit" name="which" value="all" class="secondary">Retry all</button></div>` : ''}
</form>
${letters.length === PAGE ? html`<p><a href="/app/dead-letters?before=${letters.at(-1)!.id}">Older</a></p>` : ''}`
  : html`<p>No dead letters.</p>`}</section>`,
    });
  };

  router.get('/dead-letters', async (req, res, next) => {
    try {
      await lettersPage(req, res, null);
    } catch (err) {
      next(err);
    }
  });

  router.post('/dead-letters/retry', form, requireAdmin, async (req, res, next) => {
    try {
      const body = req.body as Record<string, unknown>;
      const ids = list(body.ids).map(Number).filter((n) => Number.isInteger(n) && n > 0);
      const all = text(body.which) === 'all';
      if (!all && ids.length === 0) return await lettersPage(req, res, { kind: 'error', text: 'Select the writes to retry, or retry all.' }, 400);
      const tenant = tenantOf(req);
      const result = await requeueDeadLetters(deps.db, tenant, all ? 'all' : ids);
      await recordAudit(
        deps.db,
        tenant,
        result.requeued.map((id) => ({ action: 'dead_letter_retry', recordId: String(id), connectionId: null, before: null, after: null, cause: `requested by ${changedBy(req)}`, outcome: 'requeued' })),
      );
      if (result.requeued.length > 0) await deps.onWritesQueued?.(tenant);
      await lettersPage(req, res, { kind: 'ok', text: `${result.requeued.length} write${result.requeued.length === 1 ? '' : 's'} queued again${result.superseded.length ? `, ${result.superseded.length} retired (a newer score was written since)` : ''}.` });
    } catch (err) {
      next(err);
    }
  });

  router.get('/audit', async (req, res, next) => {
    try {
      const parsed = AuditQuery.safeParse(Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, text(v)])));
      const q = parsed.success ? parsed.data : {};
      const error = parsed.success ? null : `${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`;
      const entries = parsed.success
        ? await queryAudit(deps.db, tenantOf(req), {
            limit: PAGE,
            ...(q.before ? { before: q.before } : {}),
            ...(q.record_id ? { recordId: q.record_id } : {}),
            ...(q.action ? { action: q.action } : {}),
            ...(q.outcome ? { outcome: q.outcome } : {}),
            ...(q.from ? { from: new Date(`${q.from}T00:00:00Z`) } : {}),
            ...(q.to ? { to: new Date(new Date(`${q.to}T00:00:00Z`).getTime() + 86_400_000) } : {}),
          })
        : [];
      const keep = new URLSearchParams(Object.entries({ record_id: q.record_id, action: q.action, outcome: q.outcome, from: q.from, to: q.to }).filter((e): e is [string, string] => Boolean(e[1])));
      sendPage(req, res, deps, {
        title: 'Audit log',
        active: '/app/audit',
        status: error ? 400 : 200,
        flash: error ? { kind: 'error', text: error } : null,
        body: html`<form method="get" action="/app/audit" class="card row">
<label>Record <input name="record_id" value="${q.record_id ?? ''}"></label>
<label>Action <select name="action"><option value="">any</option>${ACTIONS.map((a) => html`<option value="${a}"${selected(q.action, a)}>${a}</option>`)}</select></label>
<label>Outcome <input name="outcome" value="${q.outcome ?? ''}" size="10"></label>
<label>From <input type="date" name="from" value="${q.from ?? ''}"></label>
<label>To <input type="date" name="to" value="${q.to ?? ''}"></label>
<button type="submit">Filter</button></form>
<section class="card">${entries.length
          ? html`<table class="data"><thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">Record</th><th scope="col">Outcome</th><th scope="col">Cause</th><th scope="col">Change</th></tr></thead><tbody>
${entries.map((e) => html`<tr><td>${formatDate(e.at)}</td><td>${e.action}</td><td>${e.recordId}</td><td>${e.outcome}</td><td>${e.cause}${e.note ? html`<br><span class="muted">${e.note}</span>` : ''}</td><td><code>${short(e.after ?? e.before)}</code></td></tr>`)}
</tbody></table>${entries.length === PAGE ? html`<p><a href="/app/audit?${keep.toString()}${keep.size ? '&' : ''}before=${entries.at(-1)!.id}">Older</a></p>` : ''}`
          : html`<p>No entries${keep.size ? ' match these filters' : ''}.</p>`}
<p class="muted">Settings changes are listed with who made them under <a href="/app/tiers">Tiers</a> (history).</p></section>`,
      });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
