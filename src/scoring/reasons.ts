import type { ScoreReason } from '../domain/index.js';
import type { FeatureSpec } from '../features/index.js';

/**
 * Per-feature contributions (log-odds, from TreeSHAP or a linear model) rolled up into the
 * reasons a rep reads: related features form one topic ("pricing interest" is every pricing
 * count), a topic's contributions add up, and its sentence is written from the lead's values.
 */

type Values = (name: string) => number;

interface Topic {
  key: string;
  /** Features that belong to the topic: exact names or prefixes ending in "*". */
  features: string[];
  sentence(v: Values, spec: FeatureSpec, direction: 'positive' | 'negative'): string;
}

const n = (x: number) => (Number.isFinite(x) ? Math.round(x) : 0);
const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
const ago = (days: number) => (days < 1 ? 'today' : days < 2 ? 'yesterday' : `${Math.floor(days)} days ago`);

function category(spec: FeatureSpec, name: string, v: Values): string | null {
  const def = spec.features.find((f) => f.name === name);
  const code = v(name);
  if (!def?.categories || !Number.isFinite(code)) return null;
  return def.categories[code] ?? null;
}

const LABEL: Record<string, string> = {
  c_level: 'C-level',
  vp: 'VP-level',
  director: 'Director-level',
  manager: 'Manager-level',
  individual: 'Individual-contributor',
  student: 'Student or intern',
  customer_success: 'Customer Success',
  it: 'IT',
  hr: 'HR',
  financial_services: 'Financial services',
  professional_services: 'Professional services',
  real_estate: 'Real estate',
  organic_search: 'organic search',
  paid_search: 'paid search',
  content_syndication: 'content syndication',
  list_import: 'a list import',
  US: 'the United States',
  GB: 'the United Kingdom',
  NL: 'the Netherlands',
};
const label = (value: string) => LABEL[value] ?? value.charAt(0).toUpperCase() + value.slice(1).replace(/_/g, ' ');

function sizeBand(employees: number): string {
  const bands = [1, 11, 51, 201, 1001, 5001];
  for (let i = bands.length - 1; i >= 0; i--) {
    if (employees >= bands[i]!) return i === bands.length - 1 ? '5,000+' : `${bands[i]!.toLocaleString('en-US')}-${(bands[i + 1]! - 1).toLocaleString('en-US')}`;
  }
  return 'fewer than 1';
}

function money(amount: number): string {
  if (amount >= 1e9) return `$${(amount / 1e9).toFixed(1)}B`;
  if (amount >= 1e6) return `$${(amount / 1e6).toFixed(amount >= 1e7 ? 0 : 1)}M`;
  if (amount >= 1e3) return `$${Math.round(amount / 1e3)}K`;
  return `$${Math.round(amount)}`;
}

/** The count in the shortest window that has any, phrased with that window. */
function windowed(v: Values, prefix: string): { count: number; window: string } | null {
  for (const days of [7, 30, 90]) {
    const count = n(v(`${prefix}_${days}d`));
    if (count > 0) return { count, window: `in the last ${days} days` };
  }
  return null;
}

const TOPICS: Topic[] = [
  {
    key: 'title',
    features: ['title_seniority', 'title_department'],
    sentence(v, spec) {
      const seniority = category(spec, 'title_seniority', v);
      const department = category(spec, 'title_department', v);
      if (!seniority) return 'No job title given';
      if (seniority === 'student') return 'Student or intern title';
      const where = department && department !== 'other' && department !== 'executive' ? ` in ${label(department)}` : '';
      return `${label(seniority)} title${where}`;
    },
  },
  {
    key: 'company_size',
    features: ['employees_log10'],
    sentence(v, _spec, direction) {
      const log = v('employees_log10');
      if (!Number.isFinite(log)) return 'Company size unknown';
      const band = sizeBand(Math.round(10 ** log - 1));
      return `Company of ${band} employees, ${direction === 'positive' ? 'in the range that usually buys' : 'outside the usual buyer size'}`;
    },
  },
  {
    key: 'revenue',
    features: ['annual_revenue_log10'],
    sentence(v) {
      const log = v('annual_revenue_log10');
      return Number.isFinite(log) ? `Annual revenue around ${money(10 ** log - 1)}` : 'Annual revenue unknown';
    },
  },
  { key: 'industry', features: ['industry'], sentence: (v, s) => (category(s, 'industry', v) ? `Industry: ${label(category(s, 'industry', v)!)}` : 'Industry unknown') },
  {
    key: 'country',
    features: ['country'],
    sentence: (v, s) => {
      const c = category(s, 'country', v);
      return c === null ? 'Country unknown' : c === 'other' ? 'Based outside the main markets' : `Based in ${label(c)}`;
    },
  },
  {
    key: 'email',
    features: ['email_kind'],
    sentence: (v, s) =>
      ({ free: 'Uses a free email address', corporate: 'Uses a company email address', education: 'Uses a school or university email address', invalid: 'Email address looks invalid' })[
        category(s, 'email_kind', v) ?? ''
      ] ?? 'No email address',
  },
  {
    key: 'source',
    features: ['lead_source'],
    sentence: (v, s) => (category(s, 'lead_source', v) ? `Came from ${label(category(s, 'lead_source', v)!).toLowerCase()}` : 'Lead source unknown'),
  },
  { key: 'completeness', features: ['profile_completeness'], sentence: (v) => `Profile has ${n(v('profile_completeness'))} of 10 fields filled in` },
  {
    key: 'demo',
    features: ['demo_request_*', 'demo_requests_ever'],
    sentence: (v) => {
      const count = n(v('demo_requests_ever'));
      if (count === 0) return 'Has not requested a demo';
      const recent = windowed(v, 'demo_request');
      return recent ? `Requested a demo ${recent.window}` : `Requested a demo (${plural(count, 'time')})`;
    },
  },
  {
    key: 'pricing',
    features: ['pricing_page_view_*', 'pricing_views_ever'],
    sentence: (v) => {
      const recent = windowed(v, 'pricing_page_view');
      if (recent) return `Viewed pricing ${plural(recent.count, 'time')} ${recent.window}`;
      return n(v('pricing_views_ever')) > 0 ? 'Viewed pricing, but not in the last 90 days' : 'Has not looked at pricing';
    },
  },
  {
    key: 'trial',
    features: ['trial_signup_*', 'trial_signups_ever'],
    sentence: (v) => (n(v('trial_signups_ever')) > 0 ? 'Signed up for a trial' : 'Has not started a trial'),
  },
  {
    key: 'webinar',
    features: ['webinar_attended_*', 'webinars_ever'],
    sentence: (v) => (n(v('webinars_ever')) > 0 ? `Attended ${plural(n(v('webinars_ever')), 'webinar')}` : 'Has not attended a webinar'),
  },
  {
    key: 'sequence',
    features: ['download_then_pricing_48h'],
    sentence: (v) => (n(v('download_then_pricing_48h')) > 0 ? 'Checked pricing within 48 hours of downloading content' : 'No pricing visit right after a download'),
  },
  {
    key: 'content',
    features: ['content_download_*'],
    sentence: (v) => {
      const recent = windowed(v, 'content_download');
      return recent ? `Downloaded ${plural(recent.count, 'piece')} of content ${recent.window}` : 'No content downloads in the last 90 days';
    },
  },
  {
    key: 'email_engagement',
    features: ['email_open_*', 'email_click_*', 'email_clicks_60d', 'email_click_rate_60d'],
    sentence: (v) => {
      const clicks = n(v('email_clicks_60d'));
      if (clicks > 0) return `Clicked ${plural(clicks, 'marketing email')} in the last 60 days`;
      const opens = windowed(v, 'email_open');
      return opens ? `Opened ${plural(opens.count, 'marketing email')} ${opens.window} but clicked none` : 'Has not opened marketing emails lately';
    },
  },
  {
    key: 'web',
    features: ['page_view_*'],
    sentence: (v) => {
      const recent = windowed(v, 'page_view');
      return recent ? `Visited ${plural(recent.count, 'page')} ${recent.window}` : 'No website visits in the last 90 days';
    },
  },
  { key: 'forms', features: ['form_submit_*'], sentence: (v) => (windowed(v, 'form_submit') ? `Filled in ${plural(windowed(v, 'form_submit')!.count, 'form')} ${windowed(v, 'form_submit')!.window}` : 'No forms filled in lately') },
  {
    key: 'sales_contact',
    features: ['meeting_*', 'call_*', 'meetings_ever', 'calls_ever'],
    sentence: (v) => {
      const meetings = n(v('meetings_ever'));
      const calls = n(v('calls_ever'));
      if (meetings > 0) return `Had ${plural(meetings, 'meeting')} with sales`;
      if (calls > 0) return `Reached by sales ${plural(calls, 'time')}, no meeting yet`;
      return 'No conversation with sales yet';
    },
  },
  {
    key: 'recency',
    features: ['days_since_last_activity', 'days_since_high_intent', 'decayed_activity', 'decayed_high_intent'],
    sentence: (v) => {
      const days = v('days_since_last_activity');
      return Number.isFinite(days) ? `Last active ${ago(days)}` : 'No recorded activity';
    },
  },
  {
    key: 'momentum',
    features: ['events_*', 'velocity_14d', 'other_events_90d', 'channels_90d', 'types_90d', 'days_since_first_activity'],
    sentence: (v, _s, direction) => {
      const events = n(v('events_90d'));
      const channels = n(v('channels_90d'));
      const trend = v('velocity_14d') > 1.5 ? ', picking up lately' : v('velocity_14d') < 0.5 ? ', slowing down lately' : '';
      if (events === 0) return 'No activity in the last 90 days';
      // Activities sent without a channel (e.g. through the API) count no channel: say nothing of channels then.
      const across = channels > 0 ? ` across ${plural(channels, 'channel')}` : '';
      return `${plural(events, 'activity', 'activities')}${across} in the last 90 days${direction === 'negative' && !trend ? ', less than converting leads show' : trend}`;
    },
  },
  {
    key: 'age',
    features: ['days_since_created'],
    sentence: (v) => `Lead created ${ago(v('days_since_created'))}`,
  },
];

/** The topic a feature's contribution is reported under (the feature itself when it has none). */
export function topicKey(name: string): string {
  return topicOf(name)?.key ?? name;
}

function topicOf(name: string): Topic | null {
  for (const topic of TOPICS) {
    for (const f of topic.features) if (f.endsWith('*') ? name.startsWith(f.slice(0, -1)) : name === f) return topic;
  }
  return null;
}

interface SpecLayout {
  index: Map<string, number>;
  /** For each feature, the slot (topic, or the feature alone) its contribution adds to. */
  slotOf: Int32Array;
  slots: Array<{ topic: Topic | null; feature: string }>;
}

/** Which topic each feature rolls up into: worked out once per spec, not per lead. */
const layouts = new WeakMap<FeatureSpec, SpecLayout>();
function layoutOf(spec: FeatureSpec): SpecLayout {
  let layout = layouts.get(spec);
  if (layout) return layout;
  const slots: SpecLayout['slots'] = [];
  const byKey = new Map<string, number>();
  const slotOf = Int32Array.from(spec.features, (f) => {
    const topic = topicOf(f.name);
    const key = topic?.key ?? f.name;
    let slot = byKey.get(key);
    if (slot === undefined) {
      byKey.set(key, (slot = slots.length));
      slots.push({ topic, feature: key });
    }
    return slot;
  });
  layout = { index: new Map(spec.features.map((f, i) => [f.name, i])), slotOf, slots };
  layouts.set(spec, layout);
  return layout;
}

/**
 * Where each feature's contribution goes when reasons are made: its topic's slot. Explainers that
 * can add contributions up themselves (FastTreeShap's slotOf) give reasonsFromSums these sums.
 */
export function reasonSlots(spec: FeatureSpec): { slotOf: Int32Array; count: number } {
  const { slotOf, slots } = layoutOf(spec);
  return { slotOf, count: slots.length };
}

/**
 * The strongest reasons for and against, as sentences: at most `perSide` of each, largest first.
 * Contributions below `minimum` (log-odds) are noise and left out.
 */
export function reasonsFor(
  spec: FeatureSpec,
  vector: ArrayLike<number>,
  contributions: ArrayLike<number>,
  options: { perSide?: number; minimum?: number } = {},
): ScoreReason[] {
  const { slotOf, slots } = layoutOf(spec);
  const sums = new Float64Array(slots.length);
  for (let i = 0; i < slotOf.length; i++) sums[slotOf[i]!]! += contributions[i]!;
  return reasonsFromSums(spec, vector, sums, options);
}

/** reasonsFor with the contributions already added up by topic (slots of reasonSlots). */
export function reasonsFromSums(
  spec: FeatureSpec,
  vector: ArrayLike<number>,
  sums: ArrayLike<number>,
  options: { perSide?: number; minimum?: number } = {},
): ScoreReason[] {
  const perSide = options.perSide ?? 3;
  const minimum = options.minimum ?? 0.02;
  const { index, slots } = layoutOf(spec);
  const v: Values = (name) => {
    const i = index.get(name);
    return i === undefined ? NaN : vector[i]!;
  };
  const sentence = (entry: { topic: Topic | null; feature: string }, direction: 'positive' | 'negative') => {
    if (entry.topic) return entry.topic.sentence(v, spec, direction);
    const def = spec.features.find((f) => f.name === entry.feature)!;
    const value = v(def.name);
    const shown = !Number.isFinite(value) ? 'unknown' : def.categories ? def.categories[value] : String(Math.round(value * 100) / 100);
    return `${def.attribute ?? def.name}: ${shown}`;
  };
  // The strongest perSide slots of a side, strongest first (the earlier slot on a tie), kept in
  // order as they are found rather than sorting every slot: this runs once per lead scored.
  const strongest = (sign: 1 | -1): number[] => {
    const best: number[] = [];
    for (let i = 0; i < sums.length; i++) {
      const size = sums[i]! * sign;
      if (!(size > 0 && size >= minimum)) continue;
      let at = best.length;
      while (at > 0 && sums[best[at - 1]!]! * sign < size) at--;
      if (at < perSide) {
        best.splice(at, 0, i);
        if (best.length > perSide) best.pop();
      }
    }
    return best;
  };
  const reasons: ScoreReason[] = [];
  for (const i of strongest(1)) reasons.push({ direction: 'positive', feature: slots[i]!.feature, contribution: sums[i]!, text: sentence(slots[i]!, 'positive') });
  for (const i of strongest(-1)) reasons.push({ direction: 'negative', feature: slots[i]!.feature, contribution: sums[i]!, text: sentence(slots[i]!, 'negative') });
  return reasons;
}
