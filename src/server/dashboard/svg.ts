import { c, escapeHtml } from './html.js';

/** The drawing area of a chart: SVG size and the margins the axes and their labels take. */
export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export const FRAME: Frame = { width: 420, height: 300, left: 56, right: 16, top: 16, bottom: 48 };

export const plotX = (f: Frame, x: number, min = 0, max = 1): number => f.left + ((x - min) / (max - min || 1)) * (f.width - f.left - f.right);
export const plotY = (f: Frame, y: number, min = 0, max = 1): number => f.height - f.bottom - ((y - min) / (max - min || 1)) * (f.height - f.top - f.bottom);

/** An <svg> element with a title (read by screen readers) and a description. */
export function svg(f: Frame, title: string, body: string, className: string): string {
  return `<svg class="ls-chart ${className}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img"><title>${escapeHtml(title)}</title>${body}</svg>`;
}

/**
 * Axes with ticks and printed tick values, and a label under the x axis and beside the y axis.
 * `format` turns a tick value into its label.
 */
export function axes(
  f: Frame,
  x: { label: string; min: number; max: number; ticks: number[]; format?: (v: number) => string },
  y: { label: string; min: number; max: number; ticks: number[]; format?: (v: number) => string },
): string {
  const x0 = f.left;
  const y0 = f.height - f.bottom;
  const x1 = f.width - f.right;
  const y1 = f.top;
  const fx = x.format ?? ((v: number) => String(v));
  const fy = y.format ?? ((v: number) => String(v));
  const parts = [
    `<line class="axis" x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}" stroke="#444"/>`,
    `<line class="axis" x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" stroke="#444"/>`,
    ...x.ticks.map((t) => {
      const px = c(plotX(f, t, x.min, x.max));
      return `<line x1="${px}" y1="${y0}" x2="${px}" y2="${y0 + 4}" stroke="#444"/><text class="tick x-tick" x="${px}" y="${y0 + 16}" text-anchor="middle" font-size="11">${escapeHtml(fx(t))}</text>`;
    }),
    ...y.ticks.map((t) => {
      const py = c(plotY(f, t, y.min, y.max));
      return `<line x1="${x0 - 4}" y1="${py}" x2="${x0}" y2="${py}" stroke="#444"/><line x1="${x0}" y1="${py}" x2="${x1}" y2="${py}" stroke="#eee"/><text class="tick y-tick" x="${x0 - 7}" y="${py}" dy="4" text-anchor="end" font-size="11">${escapeHtml(fy(t))}</text>`;
    }),
    `<text class="axis-label x-label" x="${c((x0 + x1) / 2)}" y="${f.height - 8}" text-anchor="middle" font-size="12">${escapeHtml(x.label)}</text>`,
    `<text class="axis-label y-label" transform="translate(14 ${c((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" font-size="12">${escapeHtml(y.label)}</text>`,
  ];
  return parts.join('');
}

export const TENTHS = [0, 0.2, 0.4, 0.6, 0.8, 1];
export const asPct = (v: number) => `${Math.round(v * 100)}%`;

/** Evenly spaced, rounded ticks from 0 to at least `max`. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  return Array.from({ length: Math.ceil(max / step) + 1 }, (_, i) => Math.round(i * step * 1e9) / 1e9);
}
