import type { Country, Department, Industry, LeadSourceKind, Seniority } from './vocab.js';

/**
 * The hidden rule that decides synthetic outcomes. It reads only what the bundle shows as of the
 * decision time (firmographics as written, blanks as blanks, activity strictly before that time),
 * so its probability is the best score any model could give. Its weights change at `changeAt`
 * ("what predicts conversion" shifts mid-year): webinars and company size matter less after,
 * trials, pricing interest and healthcare more.
 */

export interface ObservedTraits {
  seniority: Seniority | null;
  department: Department | null;
  employees: number | null;
  annualRevenue: number | null;
  industry: Industry | null;
  country: Country | null;
  emailKind: 'free' | 'corporate' | null;
  source: LeadSourceKind | null;
}

export interface TimedEvent {
  type: string;
  /** Milliseconds since the epoch. */
  at: number;
}

/**
 * 'before' and 'after' the built-in mid-year change; 'shifted' after a drift scenario's shift
 * (GenerateOptions.shift): a stronger change for drift benchmarks.
 */
export type Regime = 'before' | 'after' | 'shifted';

const DAY = 86_400_000;

const SENIORITY: Record<Seniority, number> = {
  c_level: 0.5,
  vp: 0.7,
  director: 0.6,
  manager: 0.3,
  individual: 0,
  student: -1.8,
};

const DEPARTMENT: Record<Department, number> = {
  executive: 0.2,
  sales: 0.3,
  marketing: 0.4,
  operations: 0.5,
  engineering: -0.1,
  it: 0.1,
  finance: 0,
  hr: -0.3,
  product: 0,
  customer_success: 0.1,
};

const INDUSTRY_BEFORE: Record<Industry, number> = {
  software: 0.5,
  financial_services: 0.2,
  healthcare: -0.2,
  manufacturing: 0,
  retail: -0.1,
  education: -0.5,
  government: -0.6,
  media: 0,
  telecom: 0.1,
  professional_services: 0.2,
  nonprofit: -0.8,
  logistics: 0,
};

const INDUSTRY: Record<Regime, Record<Industry, number>> = {
  before: INDUSTRY_BEFORE,
  after: { ...INDUSTRY_BEFORE, healthcare: 0.6 },
  // The drift scenario: healthcare and government become the converting industries, software stops being one.
  shifted: { ...INDUSTRY_BEFORE, healthcare: 1.1, government: 0.6, software: -0.4, financial_services: -0.2 },
};

const COUNTRY: Record<Country, number> = {
  US: 0.2,
  GB: 0.2,
  CA: 0.2,
  AU: 0.2,
  DE: 0.1,
  NL: 0.1,
  FR: 0.1,
  SG: 0.1,
  IN: -0.2,
  BR: -0.2,
  MX: -0.2,
  ES: -0.2,
  JP: -0.2,
};

const SOURCE: Record<LeadSourceKind, number> = {
  referral: 0.6,
  partner: 0.4,
  event: 0.1,
  webinar: 0.2,
  organic_search: 0.1,
  paid_search: 0,
  web_direct: 0.1,
  content_syndication: -0.4,
  outbound: -0.3,
  list_import: -0.7,
  social: -0.2,
};

function sizeWeight(employees: number | null): number {
  if (employees === null) return -0.1;
  if (employees < 10) return -1.0;
  if (employees < 50) return -0.3;
  if (employees < 200) return 0.2;
  if (employees < 1000) return 0.5;
  if (employees < 5000) return 0.4;
  return 0.1;
}

const ENGAGEMENT: Record<Regime, { demo: number; trial: number; pricing: number; webinar: number; size: number }> = {
  before: { demo: 1.6, trial: 0.6, pricing: 0.3, webinar: 0.8, size: 1 },
  after: { demo: 1.6, trial: 1.4, pricing: 0.45, webinar: 0.1, size: 0.5 },
  // The drift scenario: a demo request means much less, trials and pricing interest much more.
  shifted: { demo: 0.4, trial: 2.0, pricing: 0.7, webinar: 0, size: 0.3 },
};

const BIAS = -3.6;

export function fitLogit(t: ObservedTraits, regime: Regime): number {
  let x = 0;
  x += t.seniority ? SENIORITY[t.seniority] : -0.2;
  x += t.department ? DEPARTMENT[t.department] : 0;
  x += ENGAGEMENT[regime].size * sizeWeight(t.employees);
  if (t.annualRevenue !== null && t.annualRevenue > 0) {
    x += 0.15 * Math.max(-2, Math.min(2, Math.log10(t.annualRevenue) - 7));
  }
  x += t.industry ? INDUSTRY[regime][t.industry] : -0.1;
  x += t.country ? COUNTRY[t.country] : -0.1;
  x += t.emailKind === 'free' ? -0.6 : t.emailKind === null ? -0.2 : 0;
  x += t.source ? SOURCE[t.source] : 0;
  return x;
}

/** Engagement part of the log-odds from the lead's distinct activities before `asOf`. */
export function engagementLogit(events: readonly TimedEvent[], asOf: number, regime: Regime): number {
  const w = ENGAGEMENT[regime];
  let demo = false;
  let trial = false;
  let webinar = false;
  let sequence = false;
  let pricing30 = 0;
  let meetings = 0;
  let clicks60 = 0;
  let downloads90 = 0;
  let decayed = 0;
  let last = -Infinity;
  let lastDownload = -Infinity;
  for (const e of events) {
    if (e.at >= asOf) break;
    const age = asOf - e.at;
    last = e.at;
    decayed += Math.pow(0.5, age / (14 * DAY));
    switch (e.type) {
      case 'demo_request':
        demo = true;
        break;
      case 'trial_signup':
        trial = true;
        break;
      case 'webinar_attended':
        webinar = true;
        break;
      case 'meeting':
        meetings++;
        break;
      case 'email_click':
        if (age <= 60 * DAY) clicks60++;
        break;
      case 'content_download':
        if (age <= 90 * DAY) downloads90++;
        lastDownload = e.at;
        break;
      case 'pricing_page_view':
        if (age <= 30 * DAY) pricing30++;
        if (e.at - lastDownload <= 2 * DAY) sequence = true;
        break;
    }
  }
  const silentDays = last === -Infinity ? 60 : Math.min(60, (asOf - last) / DAY);
  let x = 0;
  x += demo ? w.demo : 0;
  x += trial ? w.trial : 0;
  x += webinar ? w.webinar : 0;
  x += sequence ? 0.7 : 0;
  x += w.pricing * Math.min(pricing30, 5);
  x += 0.5 * Math.min(meetings, 3);
  x += 0.2 * Math.min(clicks60, 5);
  x += 0.1 * Math.min(downloads90, 5);
  x += 0.25 * Math.log1p(decayed);
  x -= 0.04 * silentDays;
  return x;
}

export function trueProbability(
  traits: ObservedTraits,
  events: readonly TimedEvent[],
  asOf: number,
  regime: Regime,
): number {
  const logit = BIAS + fitLogit(traits, regime) + engagementLogit(events, asOf, regime);
  return 1 / (1 + Math.exp(-logit));
}
