/** HTML text building: every value goes through `esc` unless it is already markup (`Html`). */

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export const esc = (value: unknown): string =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Markup trusted as it is (built by these helpers). */
export const raw = (text: string): Html => new Html(text);

type Part = Html | string | number | null | undefined | false | readonly Part[];

const render = (part: Part): string => {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  return esc(part);
};

/** Tagged template: interpolated values are escaped, Html values and arrays of them are not. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new Html(out);
}

export const when = (cond: unknown, part: () => Part): Part => (cond ? part() : null);

export const formatDate = (d: Date | string | null | undefined): string => {
  if (!d) return '—';
  const date = typeof d === 'string' ? new Date(d) : d;
  return date.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
};
