/** Text into HTML (element content or a quoted attribute): every character that could start markup is escaped. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A number for display: fixed decimals, "n/a" when it could not be measured. */
export function fmt(x: number | null | undefined, digits = 3): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

export const pct = (x: number | null | undefined, digits = 1): string => (typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : 'n/a');

/** A coordinate in an SVG attribute: two decimals are plenty. */
export const c = (x: number): string => (Math.round(x * 100) / 100).toString();

/** A titled section wrapping a chart or table, with a sentence saying what it shows. */
export function section(id: string, title: string, explanation: string, body: string): string {
  return `<section class="ls-dash-section" id="${escapeHtml(id)}"><h2>${escapeHtml(title)}</h2><p class="ls-dash-note">${escapeHtml(explanation)}</p>${body}</section>`;
}

/** Shown instead of a chart when there is nothing to draw yet, saying why. */
export function emptyState(message: string): string {
  return `<p class="ls-dash-empty" role="status">${escapeHtml(message)}</p>`;
}
