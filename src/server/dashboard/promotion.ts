import type { TierChanges } from '../../learning/promote.js';
import { emptyState, escapeHtml } from './html.js';

export interface ModelChange {
  at: Date;
  action: 'model_promotion' | 'model_rollback';
  version: string;
  previous: string;
  actor: string;
  reason: string | null;
  tierChanges: TierChanges | null;
}

/**
 * The newest promotion or rollback: which model replaced which, who and why, and how many open
 * leads changed tier, with each tier's count before and after (percentile tiers keep sizes put).
 */
export function renderLastModelChange(change: ModelChange | null): string {
  if (!change) return emptyState('No model has been promoted or rolled back in this account yet.');
  const t = change.tierChanges;
  const verb = change.action === 'model_rollback' ? 'was rolled back to, replacing' : 'was promoted over';
  const head =
    `<p data-model-change>On ${escapeHtml(change.at.toISOString().slice(0, 16).replace('T', ' '))} UTC, <strong>${escapeHtml(change.version)}</strong> ${verb} ${escapeHtml(change.previous)} (${escapeHtml(change.actor)}${change.reason ? `: ${escapeHtml(change.reason)}` : ''}).` +
    (t ? ` <strong data-tier-changes>${t.changed} of ${t.openLeads} open leads changed tier</strong>; they were rescored and their new tiers written to the CRM.` : '') +
    '</p>';
  if (!t) return head;
  const tiers = [...new Set([...Object.keys(t.before), ...Object.keys(t.after)])];
  const rows = tiers
    .map((tier) => {
      const a = t.before[tier] ?? 0;
      const b = t.after[tier] ?? 0;
      return `<tr><th scope="row">${escapeHtml(tier)}</th><td class="num">${a}</td><td class="num">${b}</td><td class="num">${b - a > 0 ? '+' : b - a < 0 ? '−' : ''}${Math.abs(b - a)}</td></tr>`;
    })
    .join('');
  return head + `<table class="ls-table ls-tier-changes"><thead><tr><th>Tier</th><th>Open leads before</th><th>After</th><th>Change</th></tr></thead><tbody>${rows}</tbody></table>`;
}
