import type { Issues } from './context.js';
import { html, type Html } from './html.js';

/** Form helpers: values posted by urlencoded forms, and issues shown next to their fields. */

/** A repeated form field as a list (one value arrives as a string, none as undefined). */
export const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined || v === null ? [] : [String(v)]);

export const text = (v: unknown): string => (Array.isArray(v) ? String(v[0] ?? '') : v === undefined || v === null ? '' : String(v)).trim();

/** A number typed in a form; NaN stays NaN so the schema names the field. */
export const num = (v: unknown): number => {
  const t = text(v);
  return t === '' ? Number.NaN : Number(t);
};

/** The messages for one field (exact path), as a list under it. */
export function fieldIssues(issues: Issues | null, field: string): Html | '' {
  const mine = (issues ?? []).filter((i) => i.field === field);
  return mine.length ? html`<ul class="issues">${mine.map((i) => html`<li>${i.message}</li>`)}</ul>` : '';
}

/** Messages for a field and everything under it, with the sub-path named. */
export function issuesBelow(issues: Issues | null, prefix: string): Html | '' {
  const mine = (issues ?? []).filter((i) => i.field === prefix || i.field.startsWith(`${prefix}.`) || i.field.startsWith(`${prefix}[`));
  return mine.length
    ? html`<ul class="issues">${mine.map((i) => html`<li>${i.field === prefix ? '' : html`<code>${i.field.slice(prefix.length).replace(/^\./, '')}</code>: `}${i.message}</li>`)}</ul>`
    : '';
}

export const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;

export const selected = (a: unknown, b: unknown) => (a === b ? ' selected' : '');
export const checked = (on: boolean) => (on ? ' checked' : '');
