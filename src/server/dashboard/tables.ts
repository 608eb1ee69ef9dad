import { emptyState, escapeHtml, fmt } from './html.js';

const BAND_STYLE = {
  stable: { colour: '#dafbe1', label: 'stable' },
  moderate: { colour: '#fff8c5', label: 'moderate shift' },
  major: { colour: '#ffebe9', label: 'major shift' },
} as const;

/** PSI per feature, largest first, each row coloured by its band and naming it in words too. */
export function renderDriftTable(features: ReadonlyArray<{ name: string; group: string; psi: number; band: keyof typeof BAND_STYLE }>, message: string | null = null, top = 25): string {
  if (features.length === 0) return emptyState(message ?? 'No drift figures yet.');
  const shown = [...features].sort((a, b) => b.psi - a.psi).slice(0, top);
  const rows = shown.map((f) => {
    const style = BAND_STYLE[f.band];
    return `<tr class="band-${f.band}" style="background:${style.colour}"><td>${escapeHtml(f.name)}</td><td>${escapeHtml(f.group)}</td><td class="num">${escapeHtml(fmt(f.psi))}</td><td>${escapeHtml(style.label)}</td></tr>`;
  });
  return `<table class="ls-table ls-drift"><thead><tr><th>Feature</th><th>Group</th><th>PSI</th><th>Band</th></tr></thead><tbody>${rows.join('')}</tbody></table>` +
    `<p class="ls-dash-note">${features.length > shown.length ? `The ${shown.length} largest of ${features.length} features. ` : ''}PSI below 0.1: stable; 0.1 to 0.25: moderate shift; above 0.25: major shift.</p>`;
}

export interface Importance {
  feature: string;
  /** Share of the model's total importance, 0-1. */
  importance: number;
}

/**
 * Feature importance of the current model as bars with the share printed, and, given the
 * previous version's list, how each feature's share and rank moved.
 */
export function renderFeatureImportance(current: readonly Importance[], previous: readonly Importance[] | null = null, top = 15, previousLabel = 'the previous version'): string {
  if (current.length === 0) return emptyState('No feature importance: this model has no trees to read it from.');
  const sorted = [...current].sort((a, b) => b.importance - a.importance).slice(0, top);
  const prevRank = new Map((previous ? [...previous].sort((a, b) => b.importance - a.importance) : []).map((p, i) => [p.feature, { rank: i + 1, importance: p.importance }]));
  const max = Math.max(...sorted.map((s) => s.importance), 1e-9);
  const rows = sorted.map((s, i) => {
    const before = prevRank.get(s.feature);
    const shift = previous === null ? '' : before === undefined
      ? `<td>new</td><td></td>${shiftBar(s.importance)}`
      : `<td class="num">${escapeHtml(signed(s.importance - before.importance))}</td><td>${escapeHtml(rankMove(before.rank, i + 1))}</td>${shiftBar(s.importance - before.importance)}`;
    return `<tr><td class="num">${i + 1}</td><td>${escapeHtml(s.feature)}</td><td><svg class="ls-bar" width="160" height="12" role="img"><title>${escapeHtml(`${(s.importance * 100).toFixed(1)}%`)}</title><rect width="${Math.max(1, Math.round((s.importance / max) * 160))}" height="12" fill="#1f6feb"/></svg></td><td class="num">${escapeHtml(`${(s.importance * 100).toFixed(1)}%`)}</td>${shift}</tr>`;
  });
  const head = `<tr><th>#</th><th>Feature</th><th></th><th>Share</th>${previous === null ? '' : `<th>Change since ${escapeHtml(previousLabel)}</th><th>Rank</th><th></th>`}</tr>`;
  const dropped = previous ? previous.filter((p) => !current.some((c) => c.feature === p.feature && c.importance > 0)).map((p) => p.feature) : [];
  return `<table class="ls-table ls-importance"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>` +
    (dropped.length ? `<p class="ls-dash-note">No longer used: ${escapeHtml(dropped.join(', '))}</p>` : '');
}

/** The change of a share as a bar from a centre line: right and green for a gain, left and red for a loss (20 pts fill a side). */
function shiftBar(change: number): string {
  const half = 40;
  const w = Math.max(1, Math.round(Math.min(1, Math.abs(change) / 0.2) * half));
  const x = change >= 0 ? half : half - w;
  return `<td><svg class="ls-shift" width="${half * 2}" height="12" role="img"><title>${escapeHtml(signed(change))}</title><line x1="${half}" y1="0" x2="${half}" y2="12" stroke="#59636e"/><rect class="${change >= 0 ? 'gain' : 'loss'}" x="${x}" y="2" width="${w}" height="8" fill="${change >= 0 ? '#2da44e' : '#cf222e'}"/></svg></td>`;
}

const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)} pts`;
const rankMove = (before: number, now: number) => (before === now ? `= ${now}` : before > now ? `▲ ${before} → ${now}` : `▼ ${before} → ${now}`);

export interface ModelMetrics {
  version: string;
  auc: number | null;
  ece: number | null;
  liftTopDecile: number | null;
  logLoss?: number | null;
  outcomes?: number | null;
}

/**
 * Champion and challenger side by side on the same figures, the difference and which is better
 * in words (higher AUC and lift are better; lower calibration error and log loss are).
 */
export function renderChampionChallenger(champion: ModelMetrics, challenger: ModelMetrics | null): string {
  if (!challenger) return `<p class="ls-dash-empty" role="status">No challenger yet: model ${escapeHtml(champion.version)} is the champion and nothing has been trained to compare with it.</p>`;
  const rows: Array<[string, keyof ModelMetrics, 'higher' | 'lower', number]> = [
    ['AUC', 'auc', 'higher', 3],
    ['Calibration error', 'ece', 'lower', 3],
    ['Lift, top 10%', 'liftTopDecile', 'higher', 2],
    ['Log loss', 'logLoss', 'lower', 3],
    ['Outcomes measured on', 'outcomes', 'higher', 0],
  ];
  const body = rows
    .filter(([, key]) => champion[key] !== undefined || challenger[key] !== undefined)
    .map(([label, key, better, digits]) => {
      const a = champion[key] as number | null | undefined;
      const b = challenger[key] as number | null | undefined;
      const both = typeof a === 'number' && typeof b === 'number' && Number.isFinite(a) && Number.isFinite(b);
      const verdict = key === 'outcomes' || !both ? '' : a === b ? 'same' : (better === 'higher' ? b > a : b < a) ? 'challenger better' : 'champion better';
      return `<tr><th scope="row">${escapeHtml(label)}</th><td class="num">${escapeHtml(fmt(a, digits))}</td><td class="num">${escapeHtml(fmt(b, digits))}</td><td class="num">${both && key !== 'outcomes' ? escapeHtml(`${b - a >= 0 ? '+' : '−'}${Math.abs(b - a).toFixed(digits)}`) : ''}</td><td>${escapeHtml(verdict)}</td></tr>`;
    });
  return `<table class="ls-table ls-champion"><thead><tr><th></th><th>Champion ${escapeHtml(champion.version)}</th><th>Challenger ${escapeHtml(challenger.version)}</th><th>Difference</th><th></th></tr></thead><tbody>${body.join('')}</tbody></table>`;
}
