import { c, emptyState, escapeHtml, fmt, pct } from './html.js';
import { FRAME, TENTHS, asPct, axes, niceTicks, plotX, plotY, svg } from './svg.js';

export interface RocData {
  points: Array<{ fpr: number; tpr: number }>;
  auc: number | null;
  /** e.g. "312 outcomes, last 30 days" */
  caption?: string;
}

/** ROC curve with the diagonal of a coin toss, the AUC printed on the chart. */
export function renderRocCurve(data: RocData): string {
  if (data.points.length < 2) return emptyState('No ROC curve yet: it needs scored leads whose outcomes are known, of both kinds.');
  const f = FRAME;
  const line = data.points.map((p) => `${c(plotX(f, p.fpr))},${c(plotY(f, p.tpr))}`).join(' ');
  const body = [
    axes(f, { label: 'False positive rate (non-converting leads flagged)', min: 0, max: 1, ticks: TENTHS, format: asPct }, { label: 'True positive rate (conversions caught)', min: 0, max: 1, ticks: TENTHS, format: asPct }),
    `<line class="chance" x1="${c(plotX(f, 0))}" y1="${c(plotY(f, 0))}" x2="${c(plotX(f, 1))}" y2="${c(plotY(f, 1))}" stroke="#999" stroke-dasharray="4 4"/>`,
    `<text x="${c(plotX(f, 0.62))}" y="${c(plotY(f, 0.5))}" font-size="11" fill="#777">chance (AUC 0.5)</text>`,
    `<polyline class="roc" points="${line}" fill="none" stroke="#1f6feb" stroke-width="2.5"/>`,
    `<text class="value auc" x="${c(plotX(f, 0.55))}" y="${c(plotY(f, 0.12))}" font-size="14" font-weight="bold">AUC ${escapeHtml(fmt(data.auc))}</text>`,
    data.caption ? `<text x="${c(plotX(f, 0.55))}" y="${c(plotY(f, 0.05))}" font-size="11">${escapeHtml(data.caption)}</text>` : '',
  ].join('');
  return svg(f, `ROC curve, AUC ${fmt(data.auc)}`, body, 'ls-roc');
}

/** Lift by score decile: bars with the lift printed on each, a line at 1 (no better than random). */
export function renderLiftChart(deciles: ReadonlyArray<{ decile: number; leads: number; conversionRate: number; lift: number }>): string {
  if (deciles.length === 0) return emptyState('No lift chart yet: it needs scored leads whose outcomes are known.');
  const f = FRAME;
  const max = Math.max(1.5, ...deciles.map((d) => d.lift));
  const ticks = niceTicks(max, 5);
  const top = ticks[ticks.length - 1]!;
  const slot = (f.width - f.left - f.right) / deciles.length;
  const bars = deciles.map((d, i) => {
    const x = f.left + i * slot + slot * 0.15;
    const y = plotY(f, d.lift, 0, top);
    return `<rect class="bar" data-decile="${d.decile}" x="${c(x)}" y="${c(y)}" width="${c(slot * 0.7)}" height="${c(plotY(f, 0, 0, top) - y)}" fill="${d.lift >= 1 ? '#2da44e' : '#bf8700'}"/>` +
      `<text class="value" x="${c(x + slot * 0.35)}" y="${c(y - 4)}" text-anchor="middle" font-size="11">${escapeHtml(d.lift.toFixed(1))}x</text>` +
      `<text class="tick x-tick" x="${c(x + slot * 0.35)}" y="${f.height - f.bottom + 16}" text-anchor="middle" font-size="11">${d.decile}</text>`;
  });
  const one = plotY(f, 1, 0, top);
  const body = [
    axes(f, { label: 'Score decile (1 = top 10% of scores)', min: 0, max: 1, ticks: [] }, { label: 'Lift (conversion rate / average)', min: 0, max: top, ticks, format: (v) => `${v}x` }),
    ...bars,
    `<line class="baseline" x1="${f.left}" y1="${c(one)}" x2="${f.width - f.right}" y2="${c(one)}" stroke="#cf222e" stroke-dasharray="5 3"/>`,
    `<text x="${f.width - f.right - 2}" y="${c(one - 4)}" text-anchor="end" font-size="11" fill="#cf222e">1x = average</text>`,
  ].join('');
  return svg(f, `Lift by score decile; top decile ${deciles[0]!.lift.toFixed(1)}x`, body, 'ls-lift');
}

/** Calibration: mean predicted against observed conversion per probability bin, with the leads in each bin printed. */
export function renderCalibrationCurve(bins: ReadonlyArray<{ from: number; to: number; leads: number; predicted: number | null; observed: number | null }>, ece: number | null): string {
  const filled = bins.filter((b) => b.leads > 0 && b.predicted !== null && b.observed !== null);
  if (filled.length === 0) return emptyState('No calibration curve yet: it needs scored leads whose outcomes are known.');
  const f = FRAME;
  const line = filled.map((b) => `${c(plotX(f, b.predicted!))},${c(plotY(f, b.observed!))}`).join(' ');
  const dots = filled.map(
    (b) =>
      `<circle class="point" cx="${c(plotX(f, b.predicted!))}" cy="${c(plotY(f, b.observed!))}" r="4" fill="#8250df"/>` +
      `<text class="value" x="${c(plotX(f, b.predicted!) + 6)}" y="${c(plotY(f, b.observed!) - 6)}" font-size="10">${escapeHtml(pct(b.observed, 0))} of ${b.leads}</text>`,
  );
  const body = [
    axes(f, { label: 'Predicted probability (score / 100)', min: 0, max: 1, ticks: TENTHS, format: asPct }, { label: 'Share that converted', min: 0, max: 1, ticks: TENTHS, format: asPct }),
    `<line class="perfect" x1="${c(plotX(f, 0))}" y1="${c(plotY(f, 0))}" x2="${c(plotX(f, 1))}" y2="${c(plotY(f, 1))}" stroke="#999" stroke-dasharray="4 4"/>`,
    `<polyline class="calibration" points="${line}" fill="none" stroke="#8250df" stroke-width="2"/>`,
    ...dots,
    `<text class="value ece" x="${c(plotX(f, 0.04))}" y="${c(plotY(f, 0.92))}" font-size="13" font-weight="bold">Calibration error ${escapeHtml(fmt(ece))}</text>`,
  ].join('');
  return svg(f, `Calibration curve, expected calibration error ${fmt(ece)}`, body, 'ls-calibration');
}

/**
 * Open leads' score histogram per day: one row per day, one cell per 10 points of score, each
 * cell shaded by its share of the day's leads and printing the count.
 */
export function renderScoreHistogramOverTime(days: ReadonlyArray<{ day: string; counts: readonly number[] }>): string {
  if (days.length === 0) return emptyState('No score histogram yet: monitoring has not run.');
  const cell = { w: 34, h: 22 };
  const left = 84;
  const top = 8;
  const width = left + cell.w * 10 + 8;
  const height = top + cell.h * days.length + 44;
  const rows = days.map((d, r) => {
    const total = d.counts.reduce((a, b) => a + b, 0);
    const y = top + r * cell.h;
    return `<text class="tick y-tick" x="${left - 6}" y="${y + 15}" text-anchor="end" font-size="11">${escapeHtml(d.day)}</text>` +
      d.counts
        .map((n, b) => {
          const share = total ? n / total : 0;
          return `<rect class="cell" data-day="${escapeHtml(d.day)}" data-bin="${b}" x="${left + b * cell.w}" y="${y}" width="${cell.w - 1}" height="${cell.h - 1}" fill="rgba(31,111,235,${c(0.08 + share * 0.92)})"/>` +
            `<text class="value" x="${left + b * cell.w + cell.w / 2}" y="${y + 15}" text-anchor="middle" font-size="10" fill="${share > 0.45 ? '#fff' : '#111'}">${n}</text>`;
        })
        .join('');
  });
  const ticks = Array.from({ length: 11 }, (_, i) => `<text class="tick x-tick" x="${left + i * cell.w}" y="${top + days.length * cell.h + 14}" text-anchor="middle" font-size="10">${i * 10}</text>`);
  const body = [...rows, ...ticks, `<text class="axis-label x-label" x="${left + 5 * cell.w}" y="${height - 8}" text-anchor="middle" font-size="12">Composite score (open leads per 10-point bin)</text>`].join('');
  return svg({ width, height, left, right: 8, top, bottom: 44 }, 'Score histogram of open leads over time', body, 'ls-histogram');
}

/** Share of open leads in the top tier per day, with the share the model's training leads had. */
export function renderHotShareOverTime(points: ReadonlyArray<{ day: string; share: number | null }>, expected: number | null, tier = 'Hot'): string {
  const known = points.filter((p) => p.share !== null) as Array<{ day: string; share: number }>;
  if (known.length === 0) return emptyState(`No ${tier} share yet: monitoring has not scored open leads.`);
  const f = FRAME;
  const max = Math.min(1, Math.max(0.1, expected ?? 0, ...known.map((p) => p.share)) * 1.25);
  const ticks = niceTicks(max, 4).filter((t) => t <= 1);
  const top = ticks[ticks.length - 1]!;
  const n = known.length;
  const x = (i: number) => plotX(f, n === 1 ? 0.5 : i / (n - 1));
  const line = known.map((p, i) => `${c(x(i))},${c(plotY(f, p.share, 0, top))}`).join(' ');
  const labelEvery = Math.max(1, Math.ceil(n / 6));
  const body = [
    axes(f, { label: 'Day', min: 0, max: 1, ticks: [] }, { label: `Share of open leads that are ${tier}`, min: 0, max: top, ticks, format: asPct }),
    expected !== null
      ? `<line class="expected" x1="${f.left}" y1="${c(plotY(f, expected, 0, top))}" x2="${f.width - f.right}" y2="${c(plotY(f, expected, 0, top))}" stroke="#999" stroke-dasharray="4 4"/><text x="${f.width - f.right - 2}" y="${c(plotY(f, expected, 0, top) - 4)}" text-anchor="end" font-size="11" fill="#666">training leads: ${escapeHtml(pct(expected))}</text>`
      : '',
    `<polyline class="hot-share" points="${line}" fill="none" stroke="#cf222e" stroke-width="2"/>`,
    ...known.map(
      (p, i) =>
        `<circle cx="${c(x(i))}" cy="${c(plotY(f, p.share, 0, top))}" r="3" fill="#cf222e"/>` +
        (i % labelEvery === 0 || i === n - 1
          ? `<text class="value" x="${c(x(i))}" y="${c(plotY(f, p.share, 0, top) - 7)}" text-anchor="middle" font-size="10">${escapeHtml(pct(p.share, 0))}</text><text class="tick x-tick" x="${c(x(i))}" y="${f.height - f.bottom + 16}" text-anchor="middle" font-size="10">${escapeHtml(p.day.slice(5))}</text>`
          : ''),
    ),
  ].join('');
  return svg(f, `${tier} share of open leads over time`, body, 'ls-hot-share');
}
