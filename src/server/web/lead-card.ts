import type { Score, ScoreReason } from '../../domain/index.js';
import { formatDate, html, type Html } from './html.js';

export interface LeadCardModel {
  source: string;
  leadId: string;
  /** Who the lead is, for the card's title. */
  lead: { name: string | null; title: string | null; company: string | null; email: string | null } | null;
  score: Score;
  /** Recent composites, newest first (as the score history API gives them). */
  history: Array<{ scoredAt: Date; composite: number | null }>;
  /** The tier's place from the top (0 = hottest), for its colour. */
  tierRank: number | null;
  /** The "this score looks wrong" form; null leaves it out. */
  feedback: { action: string; csrfToken: string; available: boolean } | null;
}

/** "about 3 in 10 similar leads converted" ("about 4 in 100" below one in ten, "about 97 in 100" near all). */
export function probabilityInWords(p: number): string {
  if (p >= 0.095 && p < 0.95) return `about ${Math.round(p * 10)} in 10 similar leads converted`;
  if (p >= 0.005) return `about ${Math.round(p * 100)} in 100 similar leads converted`;
  return 'fewer than 1 in 100 similar leads converted';
}

/** An inline SVG line of the recent composites, oldest on the left; nothing with fewer than two. */
export function sparkline(history: LeadCardModel['history'], width = 140, height = 32): Html | '' {
  const points = history.filter((h) => h.composite !== null).slice(0, 30).reverse();
  if (points.length < 2) return '';
  const step = (width - 4) / (points.length - 1);
  const y = (v: number) => 2 + (height - 4) * (1 - v / 100);
  const coords = points.map((p, i) => `${(2 + i * step).toFixed(1)},${y(p.composite!).toFixed(1)}`);
  const last = coords.at(-1)!.split(',');
  const label = `Score trend over the last ${points.length} scores: ${points.map((p) => p.composite).join(', ')}`;
  return html`<svg class="spark" role="img" aria-label="${label}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title>${label}</title><polyline points="${coords.join(' ')}"/><circle cx="${last[0]!}" cy="${last[1]!}" r="2.5"/></svg>`;
}

const reasonList = (reasons: ScoreReason[], cls: string, empty: string) =>
  reasons.length ? html`<ul class="${cls}">${reasons.map((r) => html`<li>${r.text}</li>`)}</ul>` : html`<p class="muted">${empty}</p>`;

/**
 * The record card as reps see it in the CRM: composite with its tier colour, fit and engagement,
 * grade, probability in words, top reasons each way, next action, when and by which model, a
 * trend, and a "this score looks wrong" form. A lead that is not scored says why.
 */
export function renderLeadCard(model: LeadCardModel): Html {
  const s = model.score;
  const who = model.lead ? [model.lead.name, model.lead.title, model.lead.company].filter(Boolean).join(' · ') : '';
  const heading = html`<h2>${who || model.leadId} <span class="muted">(${model.source} ${model.leadId})</span></h2>`;
  if (s.status === 'not_scored') {
    return html`<article class="card lead-card" data-status="not_scored" aria-label="Lead score">${heading}
<div class="not-scored"><p><strong>Not scored yet.</strong> ${s.reason}</p><p class="muted">Checked ${formatDate(s.scoredAt)}.</p></div>
${feedbackForm(model)}</article>`;
  }
  const positive = s.reasons.filter((r) => r.direction === 'positive').slice(0, 3);
  const negative = s.reasons.filter((r) => r.direction === 'negative').slice(0, 3);
  const tierClass = `tier tier-${Math.min(model.tierRank ?? 2, 2)}`;
  return html`<article class="card lead-card" data-status="scored" aria-label="Lead score">${heading}
<div class="headline"><span class="composite" data-composite>${s.composite}</span><span class="${tierClass}" data-tier>${s.tier}</span>${sparkline(model.history)}</div>
<p data-probability>${probabilityInWords(s.probability)}</p>
<dl>
<dt>Fit</dt><dd data-fit>${s.fit ?? '—'}</dd>
<dt>Engagement</dt><dd data-engagement>${s.engagement ?? '—'}</dd>
<dt>Grade</dt><dd data-grade>${s.grade ?? '—'}</dd>
<dt>Next action</dt><dd data-next-action>${s.nextAction ?? '—'}</dd>
<dt>Scored</dt><dd>${formatDate(s.scoredAt)} by model <code>${s.modelVersion}</code></dd>
</dl>
<div class="reasons"><div><h3 class="plus">Raises the score</h3>${reasonList(positive, 'plus', 'Nothing stands out.')}</div><div><h3 class="minus">Lowers the score</h3>${reasonList(negative, 'minus', 'Nothing holds it back.')}</div></div>
${feedbackForm(model)}</article>`;
}

function feedbackForm(model: LeadCardModel): Html | '' {
  const f = model.feedback;
  if (!f) return '';
  return html`<details class="feedback"><summary>This score looks wrong</summary>
${f.available ? '' : html`<p class="muted" data-feedback-unavailable>Feedback is not available yet on this server.</p>`}
<form method="post" action="${f.action}">
<input type="hidden" name="_csrf" value="${f.csrfToken}">
<label>What is wrong <select name="reason"><option value="too_high">Too high</option><option value="too_low">Too low</option><option value="wrong_reasons">The reasons are wrong</option><option value="other">Something else</option></select></label>
<label>Comment <textarea name="comment" maxlength="1000" rows="2"></textarea></label>
<button type="submit" class="secondary">Send feedback</button>
</form></details>`;
}
