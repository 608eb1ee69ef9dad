import { parseNumber } from '../features/index.js';
import type { AttributeMatch, RoutingConditions, RoutingRule, RoutingRules, RoutingTeam } from '../settings/index.js';
import type { LeadFacts } from './facts.js';
import { categoryKey, countryKey, stateKey } from './places.js';

type TextMatch = { equals?: string | undefined; in?: string[] | undefined };
type Range = { min?: number | undefined; max?: number | undefined };

const listOf = (m: TextMatch): string[] => m.in ?? (m.equals !== undefined ? [m.equals] : []);

/** Does `value` (already a key) equal one of the listed values, each turned into a key the same way? */
function anyOf(m: TextMatch | undefined, values: Array<string | null>, toKey: (raw: string) => string | null): boolean {
  if (!m) return true;
  const wanted = new Set(listOf(m).map(toKey));
  return values.some((v) => v !== null && wanted.has(v));
}

/** Inclusive at both ends; an unknown value is outside every range. */
function inRange(r: Range | undefined, value: number | null): boolean {
  if (!r) return true;
  if (value === null || Number.isNaN(value)) return false;
  return (r.min === undefined || value >= r.min) && (r.max === undefined || value <= r.max);
}

function gradeMatches(m: TextMatch | undefined, grade: string | null): boolean {
  if (!m) return true;
  // "A" stands for A1-A4.
  return grade !== null && listOf(m).some((g) => (g.length === 1 ? grade.startsWith(g) : grade === g));
}

function attributeMatches(m: AttributeMatch, raw: string | undefined): boolean {
  if (raw === undefined || raw.trim() === '') return false;
  if (m.equals !== undefined || m.in !== undefined) return listOf(m).some((v) => v.trim().toLowerCase() === raw.trim().toLowerCase());
  return inRange(m, parseNumber(raw));
}

/** Attribute names as the source spelled them; a rule written "Product_Interest" also finds "product_interest". */
function attributeValue(attributes: Record<string, string>, name: string): string | undefined {
  if (name in attributes) return attributes[name];
  const lower = name.toLowerCase();
  const key = Object.keys(attributes).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : attributes[key];
}

/** Every condition given holds for the lead. */
export function conditionsHold(when: RoutingConditions, f: LeadFacts): boolean {
  return (
    anyOf(when.tier, [f.tier?.toLowerCase() ?? null], (v) => v.toLowerCase()) &&
    gradeMatches(when.grade, f.grade) &&
    inRange(when.composite, f.composite) &&
    inRange(when.fit, f.fit) &&
    inRange(when.engagement, f.engagement) &&
    anyOf(when.country, [f.country], countryKey) &&
    anyOf(when.region, [f.region], (v) => v) &&
    anyOf(when.state, [f.state], stateKey) &&
    anyOf(when.industry, f.industry, categoryKey) &&
    anyOf(when.leadSource, f.leadSource, categoryKey) &&
    inRange(when.employees, f.employees) &&
    Object.entries(when.attributes ?? {}).every(([name, m]) => attributeMatches(m, attributeValue(f.attributes, name)))
  );
}

export interface RuleMatch {
  rule: RoutingRule;
  /** For a territory rule: the territory's team and the lead's value that picked it. */
  territory: { team: RoutingTeam; value: string } | null;
}

/**
 * The first rule whose conditions hold. A territory rule also needs a territory that covers the
 * lead; a lead outside all of them goes on to the next rule.
 */
export function findRule(routing: RoutingRules, facts: LeadFacts): RuleMatch | null {
  for (const rule of routing.rules) {
    if (!conditionsHold(rule.when, facts)) continue;
    const a = rule.assign;
    if (a.type !== 'territory') return { rule, territory: null };
    const value = facts[a.by];
    if (value === null) continue;
    const toKey = a.by === 'country' ? countryKey : a.by === 'state' ? stateKey : (v: string) => v;
    const territory = a.territories.find((t) => t.values.some((v) => toKey(v) === value));
    if (!territory) continue;
    const team = routing.teams.find((t) => t.id === territory.team);
    // Saved settings always name a known team; a missing one just means this rule cannot place the lead.
    if (team) return { rule, territory: { team, value } };
  }
  return null;
}
