import { escapeHtml } from './html.js';

export interface DefaultModelNoticeData {
  version: string;
  /** What the tenant has now. */
  outcomes: number;
  conversions: number;
  /** What it needs before a model of its own replaces the default. */
  needed: { outcomes: number; conversions: number; nonConversions: number };
}

/** "The shipped default model is scoring this tenant", with how far it is from a model of its own. */
export function renderDefaultModelNotice(d: DefaultModelNoticeData): string {
  const nonConversions = d.outcomes - d.conversions;
  const missing = [
    d.outcomes < d.needed.outcomes ? `${d.needed.outcomes - d.outcomes} more outcomes` : null,
    d.conversions < d.needed.conversions ? `${d.needed.conversions - d.conversions} more conversions` : null,
    nonConversions < d.needed.nonConversions ? `${d.needed.nonConversions - nonConversions} more leads that did not convert` : null,
  ].filter((m): m is string => m !== null);
  return `<aside class="ls-notice ls-default-model" role="note"><strong>The shipped default model (${escapeHtml(d.version)}) is scoring your leads.</strong> ` +
    `It was trained on generated data, not on your outcomes, so its figures below describe that data. ` +
    `Your account has ${d.outcomes} outcomes (${d.conversions} converted); a model of your own needs at least ${d.needed.outcomes} outcomes with ${d.needed.conversions} conversions and ${d.needed.nonConversions} non-conversions` +
    `${missing.length ? `: ${escapeHtml(missing.join(', '))} to go.` : ', which it has: it is trained at the next retraining.'}</aside>`;
}
