import type { FeatureMatrix } from '../features/index.js';
import { parseNumber } from '../features/index.js';
import type { FeatureKind } from './tree.js';

/**
 * A flat table (one row a lead, columns of any kind) turned into a feature matrix: each column
 * typed as a number or a category from its values, the way a data scientist would set it up.
 */
export interface TabularColumn {
  name: string;
  /** Position in the source row. */
  index: number;
  kind: FeatureKind;
  /** Categorical: the vocabulary, "other" last. */
  categories?: string[];
}

export const TABULAR_RULES = {
  numericShare: 0.95,
  minCategoryCount: 5,
  maxCategories: 200,
} as const;

const isBlank = (v: string) => v.trim() === '';

export function typeColumns(header: readonly string[], rows: readonly string[][], use: readonly number[]): TabularColumn[] {
  return use.map((index) => {
    const name = header[index]!;
    const filled = rows.map((r) => r[index] ?? '').filter((v) => !isBlank(v));
    const numeric = filled.filter((v) => !Number.isNaN(parseNumber(v))).length;
    if (filled.length > 0 && numeric >= TABULAR_RULES.numericShare * filled.length) return { name, index, kind: 'numeric' };
    const counts = new Map<string, number>();
    for (const v of filled) counts.set(v.trim(), (counts.get(v.trim()) ?? 0) + 1);
    const categories = [...counts.entries()]
      .filter(([, n]) => n >= TABULAR_RULES.minCategoryCount)
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
      .slice(0, TABULAR_RULES.maxCategories)
      .map(([v]) => v);
    return { name, index, kind: 'categorical', categories: [...categories, 'other'] };
  });
}

export function encodeTabular(columns: readonly TabularColumn[], rows: readonly string[][]): FeatureMatrix {
  const cols = columns.length;
  const values = new Float64Array(rows.length * cols);
  const lookup = columns.map((c) => (c.categories ? new Map(c.categories.map((v, i) => [v, i])) : null));
  rows.forEach((row, r) => {
    columns.forEach((column, c) => {
      const raw = (row[column.index] ?? '').trim();
      let value = NaN;
      if (raw !== '') {
        if (column.kind === 'numeric') value = parseNumber(raw);
        else value = lookup[c]!.get(raw) ?? column.categories!.length - 1;
      }
      values[r * cols + c] = value;
    });
  });
  return { rows: rows.length, cols, values };
}

const POSITIVE = new Set(['1', 'yes', 'y', 'true', 't', 'converted', 'won']);
const NEGATIVE = new Set(['0', 'no', 'n', 'false', 'f', 'lost']);

/** A 0/1 label from its usual spellings; null when the value is none of them. */
export function parseLabel(raw: string): 0 | 1 | null {
  const v = raw.trim().toLowerCase();
  if (POSITIVE.has(v)) return 1;
  if (NEGATIVE.has(v)) return 0;
  return null;
}

/** Stratified K-fold assignment: each fold gets its share of each class, shuffled by a seed. */
export function stratifiedFolds(labels: ArrayLike<number>, k: number, seed: number): Int32Array {
  if (!Number.isInteger(k) || k < 2) throw new Error(`folds must be a whole number of at least 2, got ${k}`);
  const fold = new Int32Array(labels.length);
  let state = seed >>> 0 || 1;
  const random = () => {
    // xorshift32: small, seeded, the same on every machine
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  for (const cls of [0, 1]) {
    const members = Array.from({ length: labels.length }, (_, i) => i).filter((i) => (labels[i] ? 1 : 0) === cls);
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [members[i], members[j]] = [members[j]!, members[i]!];
    }
    members.forEach((row, n) => (fold[row] = n % k));
  }
  return fold;
}

export function columnKinds(columns: readonly TabularColumn[]): { kinds: FeatureKind[]; categoryCounts: number[] } {
  return {
    kinds: columns.map((c) => c.kind),
    categoryCounts: columns.map((c) => (c.categories ? c.categories.length : 0)),
  };
}
