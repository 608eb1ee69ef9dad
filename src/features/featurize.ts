import type { Activity, Lead } from '../domain/index.js';
import { canonicalCountry, canonicalIndustry, canonicalLeadSource, emailKind } from './firmographics.js';
import { BASE_FEATURES, BASE_VERSION, WINDOWS, type FeatureDef, type FeatureSpec } from './spec.js';
import { parseTitle } from './title.js';

const DAY = 86_400_000;
const HIGH_INTENT = new Set(['pricing_page_view', 'demo_request', 'form_submit', 'trial_signup']);

/** Column of each base feature, by name. */
const AT: Record<string, number> = Object.fromEntries(BASE_FEATURES.map((f, i) => [f.name, i]));
const at = (name: string): number => {
  const index = AT[name];
  if (index === undefined) throw new Error(`no base feature named ${name}`);
  return index;
};
const COUNT_COLUMNS = new Map<string, number[]>(); // type -> column per window
for (const f of BASE_FEATURES) {
  const m = /^(.+)_(\d+)d$/.exec(f.name);
  if (m && WINDOWS.includes(Number(m[2]) as (typeof WINDOWS)[number]) && !f.name.startsWith('events_') && !f.name.startsWith('other_')) {
    const list = COUNT_COLUMNS.get(m[1]!) ?? [];
    list.push(at(f.name));
    COUNT_COLUMNS.set(m[1]!, list);
  }
}
const EVENTS = WINDOWS.map((d) => at(`events_${d}d`));
// Columns written once per activity, looked up once here rather than by name per activity.
const OTHER_90D = at('other_events_90d');
const DECAYED_ACTIVITY = at('decayed_activity');
const DECAYED_HIGH_INTENT = at('decayed_high_intent');
const EVER: Record<string, number> = {
  demo_request: at('demo_requests_ever'),
  trial_signup: at('trial_signups_ever'),
  webinar_attended: at('webinars_ever'),
  meeting: at('meetings_ever'),
  call: at('calls_ever'),
  pricing_page_view: at('pricing_views_ever'),
};
const DOWNLOAD_THEN_PRICING = at('download_then_pricing_48h');
const ZEROED = ['other_events_90d', 'demo_requests_ever', 'trial_signups_ever', 'webinars_ever', 'email_clicks_60d', 'pricing_views_ever', 'meetings_ever', 'calls_ever', 'decayed_activity', 'decayed_high_intent', 'download_then_pricing_48h'].map(at);

const code = (def: FeatureDef, value: string | null): number => {
  if (value === null) return NaN;
  const index = def.categories!.indexOf(value);
  return index === -1 ? NaN : index;
};

/**
 * A lead's feature vector as of `asOf`: only activity strictly before `asOf` counts. Training
 * featurizes a lead with an outcome as of its outcome time, so nothing that happened after the
 * decision (sales meetings after a conversion) can reach a model; scoring uses the scoring time.
 * `activities` must be the lead's own, in time order.
 */
export function featurize(spec: FeatureSpec, lead: Lead, activities: readonly Activity[], asOf: Date): Float64Array {
  checkSpec(spec);
  return featurizeInto(spec, lead, activities, asOf, new Float64Array(spec.features.length));
}

function checkSpec(spec: FeatureSpec): void {
  if (spec.version.split('+')[0] !== BASE_VERSION) {
    throw new Error(`feature spec ${spec.version} was made by another featurizer (this one is ${BASE_VERSION}); retrain the model`);
  }
}

/** featurize, written into `out` (one row of a matrix). */
function featurizeInto(spec: FeatureSpec, lead: Lead, activities: readonly Activity[], asOf: Date, out: Float64Array): Float64Array {
  out.fill(NaN);
  writeFit(spec, lead, out);
  writeEngagement(spec, lead, activities, asOf.getTime(), out);
  for (let i = BASE_FEATURES.length; i < spec.features.length; i++) out[i] = attributeValue(spec.features[i]!, lead);
  return out;
}

/**
 * A pure parser of CRM text with its results kept: titles, industries, countries and sources
 * repeat from lead to lead, and parsing them (lower-casing, splitting, matching words) took
 * about a third of a lead's features and much of their garbage. The map starts afresh when full.
 */
function kept<T>(parse: (raw: string | null) => T, limit = 20_000): (raw: string | null) => T {
  const results = new Map<string, T>();
  return (raw) => {
    if (raw === null) return parse(null);
    let result = results.get(raw);
    if (result === undefined) {
      if (results.size >= limit) results.clear();
      result = parse(raw);
      results.set(raw, result);
    }
    return result;
  };
}
// What they give is only read.
const titleOf = kept(parseTitle);
const industryOf = kept(canonicalIndustry);
const countryOf = kept(canonicalCountry);
const sourceOf = kept(canonicalLeadSource);

function writeFit(spec: FeatureSpec, lead: Lead, out: Float64Array): void {
  const f = spec.features;
  const title = titleOf(lead.title);
  out[at('title_seniority')] = code(f[at('title_seniority')]!, title?.seniority ?? null);
  out[at('title_department')] = code(f[at('title_department')]!, title?.department ?? null);
  out[at('employees_log10')] = lead.employees === null ? NaN : Math.log10(lead.employees + 1);
  out[at('annual_revenue_log10')] = lead.annualRevenue === null ? NaN : Math.log10(lead.annualRevenue + 1);
  out[at('industry')] = code(f[at('industry')]!, industryOf(lead.industry));
  out[at('country')] = code(f[at('country')]!, countryOf(lead.country));
  out[at('email_kind')] = code(f[at('email_kind')]!, emailKind(lead.email));
  out[at('lead_source')] = code(f[at('lead_source')]!, sourceOf(lead.leadSource));
  const standard = [lead.email, lead.firstName, lead.lastName, lead.title, lead.company, lead.industry, lead.employees, lead.annualRevenue, lead.country, lead.leadSource];
  out[at('profile_completeness')] = standard.filter((v) => v !== null).length;
}

function writeEngagement(spec: FeatureSpec, lead: Lead, activities: readonly Activity[], asOf: number, out: Float64Array): void {
  for (const columns of COUNT_COLUMNS.values()) for (const c of columns) out[c] = 0;
  for (const c of EVENTS) out[c] = 0;
  for (const c of ZEROED) out[c] = 0;

  const decay = Math.LN2 / (spec.halfLifeDays * DAY);
  const channels = new Set<string>();
  const types = new Set<string>();
  let first = Infinity;
  let last = -Infinity;
  let lastHighIntent = -Infinity;
  let lastDownload = -Infinity;
  let recent14 = 0;
  let prior42 = 0;
  let opens60 = 0;
  let clicks60 = 0;

  for (const a of activities) {
    const t = a.occurredAt.getTime();
    if (t >= asOf) break; // time order: the rest is later still
    const age = asOf - t;
    first = Math.min(first, t);
    last = t;
    const columns = COUNT_COLUMNS.get(a.type);
    for (let w = 0; w < WINDOWS.length; w++) {
      if (age <= WINDOWS[w]! * DAY) {
        out[EVENTS[w]!]!++;
        if (columns) out[columns[w]!]!++;
      }
    }
    if (!columns && age <= 90 * DAY) out[OTHER_90D]!++;
    if (age <= 90 * DAY) {
      if (a.channel) channels.add(a.channel.toLowerCase());
      types.add(a.type);
    }
    if (age <= 14 * DAY) recent14++;
    else if (age <= 56 * DAY) prior42++;
    const weight = Math.exp(-decay * age);
    out[DECAYED_ACTIVITY]! += weight;
    if (HIGH_INTENT.has(a.type)) {
      out[DECAYED_HIGH_INTENT]! += weight;
      lastHighIntent = t;
    }
    const ever = EVER[a.type];
    if (ever !== undefined) out[ever]!++;
    switch (a.type) {
      case 'content_download':
        lastDownload = t;
        break;
      case 'pricing_page_view':
        if (t - lastDownload <= 2 * DAY) out[DOWNLOAD_THEN_PRICING]!++;
        break;
      case 'email_open':
        if (age <= 60 * DAY) opens60++;
        break;
      case 'email_click':
        if (age <= 60 * DAY) clicks60++;
        break;
    }
  }
  out[at('days_since_last_activity')] = last === -Infinity ? NaN : (asOf - last) / DAY;
  out[at('days_since_first_activity')] = first === Infinity ? NaN : (asOf - first) / DAY;
  out[at('days_since_created')] = (asOf - lead.createdAt.getTime()) / DAY;
  out[at('days_since_high_intent')] = lastHighIntent === -Infinity ? NaN : (asOf - lastHighIntent) / DAY;
  // Recent daily rate against the six weeks before, smoothed so that one event is not "infinite".
  out[at('velocity_14d')] = (recent14 / 14 + 0.02) / (prior42 / 42 + 0.02);
  out[at('channels_90d')] = channels.size;
  out[at('types_90d')] = types.size;
  out[at('email_clicks_60d')] = clicks60;
  out[at('email_click_rate_60d')] = opens60 > 0 ? Math.min(1, clicks60 / opens60) : NaN;
}

function attributeValue(def: FeatureDef, lead: Lead): number {
  const raw = lead.attributes[def.attribute!];
  if (raw === undefined || raw.trim() === '') return NaN;
  if (def.kind === 'numeric') return parseNumber(raw);
  const c = code(def, normalizeCategory(raw));
  // A value outside the vocabulary is "other", the vocabulary's last entry.
  return Number.isNaN(c) ? def.categories!.length - 1 : c;
}

export function normalizeCategory(raw: string): string {
  return raw.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** A number as spreadsheets write it ("1,200", "$5", "12.5%"), NaN otherwise. */
export function parseNumber(raw: string): number {
  const t = raw.trim().replace(/^\$/, '').replace(/%$/, '').replace(/,(?=\d{3}\b)/g, '');
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i.test(t)) return NaN;
  const n = Number(t);
  return Number.isFinite(n) ? n : NaN;
}

/** Rows of feature vectors, row-major, NaN for missing: what the models take. */
export interface FeatureMatrix {
  rows: number;
  cols: number;
  values: Float64Array;
}

export interface FeaturizeItem {
  lead: Lead;
  /** The lead's activities in time order (later ones are ignored). */
  activities: readonly Activity[];
  asOf: Date;
}

export function featurizeMany(spec: FeatureSpec, items: readonly FeaturizeItem[]): FeatureMatrix {
  const cols = spec.features.length;
  checkSpec(spec);
  const values = new Float64Array(items.length * cols);
  items.forEach((item, row) => featurizeInto(spec, item.lead, item.activities, item.asOf, values.subarray(row * cols, (row + 1) * cols)));
  return { rows: items.length, cols, values };
}
