import type { Lead, Score } from '../domain/index.js';
import { canonicalIndustry, canonicalLeadSource } from '../features/index.js';
import type { Region } from '../settings/index.js';
import { categoryKey, countryKey, regionOf, stateKey } from './places.js';

/** What routing conditions look at, taken once from a lead and its score. */
export interface LeadFacts {
  leadId: string;
  tier: string | null;
  grade: string | null;
  composite: number | null;
  fit: number | null;
  engagement: number | null;
  country: string | null;
  region: Region | null;
  state: string | null;
  /** The lead's own text and the category it falls in ("SaaS" and "software"), both as keys. */
  industry: string[];
  leadSource: string[];
  employees: number | null;
  attributes: Record<string, string>;
}

/** Where CRMs and files keep a lead's state or province; the first one filled is used. */
const STATE_ATTRIBUTES = ['state', 'State', 'state_code', 'StateCode', 'province', 'region'];

export function leadFacts(lead: Lead, score: Score | null): LeadFacts {
  const scored = score?.status === 'scored' ? score : null;
  const country = countryKey(lead.country);
  const stateRaw = STATE_ATTRIBUTES.map((key) => lead.attributes[key]).find((v) => v !== undefined && v.trim() !== '');
  return {
    leadId: lead.id,
    tier: scored?.tier ?? null,
    grade: scored?.grade ?? null,
    composite: scored?.composite ?? null,
    fit: scored?.fit ?? null,
    engagement: scored?.engagement ?? null,
    country,
    region: regionOf(country),
    state: stateKey(stateRaw),
    industry: keys(lead.industry, canonicalIndustry(lead.industry)),
    leadSource: keys(lead.leadSource, canonicalLeadSource(lead.leadSource)),
    employees: lead.employees,
    attributes: lead.attributes,
  };
}

function keys(raw: string | null, canonical: string | null): string[] {
  return [...new Set([categoryKey(raw), canonical].filter((k): k is string => k !== null))];
}
