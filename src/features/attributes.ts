import type { Lead } from '../domain/index.js';
import { normalizeCategory, parseNumber } from './featurize.js';
import type { FeatureDef } from './spec.js';

/** Limits of the auto-typing, as data. */
export const ATTRIBUTE_RULES = {
  /** An attribute filled on fewer leads than this share is left out. */
  minFilledShare: 0.05,
  /** Numeric when at least this share of its filled values are numbers. */
  numericShare: 0.95,
  /** A category needs this many leads (or this share of leads, whichever is larger) to get its own code. */
  minCategoryCount: 10,
  minCategoryShare: 0.005,
  maxCategories: 30,
  /** More distinct values than this share of filled values: an id or free text, left out. */
  maxDistinctShare: 0.5,
} as const;

/**
 * Decide which custom attributes become features, and how: a number, or a category with a
 * vocabulary of its common values ("other" for the rest). Ids, free text and sparse attributes
 * are left out. The result goes into the feature spec, so scoring types values the same way.
 */
export function inferAttributeFeatures(leads: readonly Lead[]): FeatureDef[] {
  const values = new Map<string, string[]>();
  for (const lead of leads) {
    for (const [key, value] of Object.entries(lead.attributes)) {
      if (value.trim() === '') continue;
      let list = values.get(key);
      if (!list) values.set(key, (list = []));
      list.push(value);
    }
  }
  const r = ATTRIBUTE_RULES;
  const defs: FeatureDef[] = [];
  for (const [attribute, filled] of [...values.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (filled.length < r.minFilledShare * leads.length) continue;
    const name = `attr_${attribute.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`;
    const numbers = filled.filter((v) => !Number.isNaN(parseNumber(v))).length;
    if (numbers >= r.numericShare * filled.length) {
      defs.push({ name, kind: 'numeric', group: 'fit', attribute });
      continue;
    }
    const counts = new Map<string, number>();
    for (const v of filled) {
      const key = normalizeCategory(v);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    if (counts.size > Math.max(r.maxCategories, r.maxDistinctShare * filled.length)) continue;
    const minimum = Math.max(r.minCategoryCount, r.minCategoryShare * leads.length);
    const common = [...counts.entries()]
      .filter(([, n]) => n >= minimum)
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
      .slice(0, r.maxCategories)
      .map(([v]) => v);
    if (common.length === 0) continue;
    defs.push({ name, kind: 'categorical', group: 'fit', attribute, categories: [...common, 'other'] });
  }
  return defs;
}
