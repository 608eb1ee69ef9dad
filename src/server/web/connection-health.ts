import type { Connection } from '../../domain/index.js';
import type { ApiUsageNote } from '../../store/index.js';
import { formatDate, html, type Html } from './html.js';

/** What the connections page knows about one connection besides the row itself. */
export interface HealthFacts {
  lastCursorAt: Date | null;
  writes: { sentLastDay: number; pending: number; dead: number } | null;
  /** CRM calls this app made in the last 24 h (counted by the hour). */
  callsLastDay: number | null;
  /** How a Salesforce org stays current (change events or polling); empty for other CRMs. */
  realtime?: Html | string;
}

const count = (n: number) => n.toLocaleString('en-US');
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** The CRM's own word on API use when it gave one, else the calls counted here. */
export function usageText(note: ApiUsageNote | null | undefined, callsLastDay: number | null): Html {
  const calls = callsLastDay !== null ? html`<br><span class="muted">${count(callsLastDay)} calls by Leadscore in the last 24 h</span>` : '';
  if (note?.source === 'Sforce-Limit-Info' && note.limit > 0) {
    const share = Math.round((note.used / note.limit) * 100);
    return html`<span data-api-usage>${count(note.used)} of ${count(note.limit)} daily API calls used (${share}%)</span><br><span class="muted">org-wide, reported ${formatDate(note.at)}</span>${calls}`;
  }
  if (note?.source === 'X-HubSpot-RateLimit-Daily' && note.limit > 0) {
    const used = Math.max(0, note.limit - note.remaining);
    return html`<span data-api-usage>${count(used)} of ${count(note.limit)} daily API calls used (${Math.round((used / note.limit) * 100)}%)</span><br><span class="muted">reported ${formatDate(note.at)}</span>${calls}`;
  }
  if (callsLastDay !== null) return html`<span data-api-usage>${count(callsLastDay)} calls in the last 24 h</span>`;
  return html`<span class="muted" data-api-usage>not reported yet</span>`;
}

/** One row of the health table: status, last sync, API use, writes, and the latest errors and warnings. */
export function healthRow(c: Connection, facts: HealthFacts): Html {
  const s = c.settings as Record<string, unknown>;
  const status = c.status === 'active' ? 'connected' : c.status === 'needs_reconnect' ? html`<strong class="minus">needs reconnecting</strong>` : c.status;
  const w = facts.writes;
  const problems: Html[] = [];
  if (str(s.lastError)) problems.push(html`<li><span class="minus">${str(s.lastError)}</span> <span class="muted">${formatDate(str(s.lastErrorAt))}</span></li>`);
  const rejections = s.lastSyncRejections as { count?: number; first?: string[] } | undefined;
  if (rejections?.count) problems.push(html`<li>${count(rejections.count)} records refused in the last sync${rejections.first?.length ? html`: ${rejections.first.slice(0, 3).join('; ')}` : ''}</li>`);
  for (const warning of (Array.isArray(s.writebackWarnings) ? (s.writebackWarnings as string[]) : []).slice(0, 3)) problems.push(html`<li>${warning}</li>`);
  if (Array.isArray(s.missingFields) && s.missingFields.length) problems.push(html`<li>Missing fields: ${(s.missingFields as string[]).join(', ')}</li>`);
  return html`<tr data-connection="${c.id}"><td>${c.kind}</td><td><code>${c.externalAccountId ?? c.id}</code></td><td>${status}${facts.realtime ?? ''}</td>
<td>${formatDate(str(s.lastSyncAt))}${facts.lastCursorAt ? html`<br><span class="muted">cursor moved ${formatDate(facts.lastCursorAt)}</span>` : ''}</td>
<td>${usageText(s.apiUsage as ApiUsageNote | undefined, facts.callsLastDay)}</td>
<td>${w ? `${count(w.sentLastDay)} in 24 h, ${count(w.pending)} waiting, ${count(w.dead)} dead` : '—'}</td>
<td>${problems.length ? html`<ul class="problems">${problems}</ul>` : '—'}</td></tr>`;
}

export const HEALTH_HEAD = html`<thead><tr><th scope="col">CRM</th><th scope="col">Account</th><th scope="col">Status</th><th scope="col">Last sync</th><th scope="col">API use</th><th scope="col">Writes</th><th scope="col">Errors and warnings</th></tr></thead>`;
