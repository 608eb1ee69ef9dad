import { formatDate, html, type Html } from './html.js';

interface RealtimeNote {
  mode?: string;
  since?: string;
  reason?: string;
  pollEveryMinutes?: number;
  retryAt?: string;
}

/** How a Salesforce connection stays current: change events, or the incremental sync on a short schedule where CDC is off. */
export function realtimeStatus(kind: string, note: unknown): Html | string {
  if (kind !== 'salesforce') return '';
  const r = (note ?? {}) as RealtimeNote;
  if (r.mode === 'cdc') return html`<br><span data-realtime="cdc">Real time: change events (CDC) since ${formatDate(r.since ?? null)}</span>`;
  if (r.mode === 'polling') {
    return html`<br><span data-realtime="polling">Real time: sync every ${String(r.pollEveryMinutes ?? '?')} min (change data capture not available: ${r.reason ?? 'refused'}); CDC tried again ${formatDate(r.retryAt ?? null)}</span>`;
  }
  if (r.mode === 'reconnecting') return html`<br><span data-realtime="reconnecting" class="minus">Real time: change events reconnecting (${r.reason ?? ''}), next try ${formatDate(r.retryAt ?? null)}</span>`;
  return html`<br><span data-realtime="none" class="muted">Real time: not running (no worker holds this org's change events); scheduled sync only</span>`;
}
