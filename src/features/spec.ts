import { createHash } from 'node:crypto';
import { KNOWN_ACTIVITY_TYPES } from '../domain/index.js';
import { DEPARTMENTS, SENIORITIES } from './title.js';
import { COUNTRIES, EMAIL_KINDS, INDUSTRIES, LEAD_SOURCES } from './firmographics.js';

/**
 * The feature spec: every feature's name, kind and group, in the order of the vectors the
 * featurizer writes. Training stores the spec with the model and scoring uses that stored spec,
 * so the two always agree. Bump BASE_VERSION whenever the featurizer's meaning changes.
 */
export const BASE_VERSION = 'lf-1';

export type FeatureKind = 'numeric' | 'categorical';
export type FeatureGroup = 'fit' | 'engagement';

export interface FeatureDef {
  name: string;
  kind: FeatureKind;
  group: FeatureGroup;
  /** Categorical only: the vocabulary; a value's code is its index. */
  categories?: readonly string[];
  /** For a custom attribute: its name on the lead. */
  attribute?: string;
}

export interface FeatureSpec {
  version: string;
  /** Half-life of the time-decayed engagement totals. */
  halfLifeDays: number;
  features: FeatureDef[];
}

/** Windows (days) over which activity is counted by type. */
export const WINDOWS = [7, 30, 90] as const;

const fit = (name: string, kind: FeatureKind = 'numeric', categories?: readonly string[]): FeatureDef =>
  categories ? { name, kind, group: 'fit', categories } : { name, kind, group: 'fit' };
const engagement = (name: string): FeatureDef => ({ name, kind: 'numeric', group: 'engagement' });

export const BASE_FEATURES: readonly FeatureDef[] = [
  fit('title_seniority', 'categorical', SENIORITIES),
  fit('title_department', 'categorical', DEPARTMENTS),
  fit('employees_log10'),
  fit('annual_revenue_log10'),
  fit('industry', 'categorical', INDUSTRIES),
  fit('country', 'categorical', COUNTRIES),
  fit('email_kind', 'categorical', EMAIL_KINDS),
  fit('lead_source', 'categorical', LEAD_SOURCES),
  fit('profile_completeness'),
  ...KNOWN_ACTIVITY_TYPES.flatMap((type) => WINDOWS.map((days) => engagement(`${type}_${days}d`))),
  ...WINDOWS.map((days) => engagement(`events_${days}d`)),
  engagement('other_events_90d'),
  engagement('demo_requests_ever'),
  engagement('trial_signups_ever'),
  engagement('webinars_ever'),
  engagement('email_clicks_60d'),
  engagement('pricing_views_ever'),
  engagement('meetings_ever'),
  engagement('calls_ever'),
  engagement('days_since_last_activity'),
  engagement('days_since_first_activity'),
  engagement('days_since_created'),
  engagement('days_since_high_intent'),
  engagement('velocity_14d'),
  engagement('decayed_activity'),
  engagement('decayed_high_intent'),
  engagement('download_then_pricing_48h'),
  engagement('channels_90d'),
  engagement('types_90d'),
  engagement('email_click_rate_60d'),
];

export const DEFAULT_HALF_LIFE_DAYS = 14;

/** The spec for a tenant: the base features plus its custom attributes as auto-typed. */
export function buildSpec(attributes: FeatureDef[] = [], halfLifeDays = DEFAULT_HALF_LIFE_DAYS): FeatureSpec {
  if (!(halfLifeDays > 0 && Number.isFinite(halfLifeDays))) {
    throw new Error(`halfLifeDays must be a positive number of days, got ${halfLifeDays}`);
  }
  const features = [...BASE_FEATURES, ...attributes];
  const extra = JSON.stringify({ halfLifeDays, attributes });
  const suffix = attributes.length || halfLifeDays !== DEFAULT_HALF_LIFE_DAYS
    ? `+${createHash('sha256').update(extra).digest('hex').slice(0, 8)}`
    : '';
  return { version: `${BASE_VERSION}${suffix}`, halfLifeDays, features };
}

export function featureNames(spec: FeatureSpec): string[] {
  return spec.features.map((f) => f.name);
}

/** The columns of a spec that belong to one group, for the fit and engagement models. */
export function columnsOfGroup(spec: FeatureSpec, group: FeatureGroup): number[] {
  return spec.features.flatMap((f, i) => (f.group === group ? [i] : []));
}
