import { LEAD_COLUMNS } from '../../connectors/file/format.js';
import { Rng } from './random.js';
import { fitLogit, trueProbability, type ObservedTraits, type Regime, type TimedEvent } from './truth.js';
import {
  COMPANY_FORMS,
  COMPANY_SUFFIXES,
  COMPANY_WORDS,
  COUNTRIES,
  COUNTRY_WEIGHTS,
  DEPARTMENT_WEIGHTS,
  FIRST_NAMES,
  FREE_EMAIL_DOMAINS,
  INDUSTRIES,
  INDUSTRY_MEDIAN_EMPLOYEES,
  INDUSTRY_WEIGHTS,
  INDUSTRY_WEIGHTS_SHIFTED,
  LAST_NAMES,
  LEAD_SOURCES,
  LEAD_SOURCE_WEIGHTS,
  LEAD_SOURCE_WEIGHTS_SHIFTED,
  REGIONS,
  SENIORITY_WEIGHTS,
  titleFor,
  type Department,
} from './vocab.js';

const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface Timeline {
  /** When the bundle is exported: nothing after it is written. */
  exportAt: number;
  /** First possible lead creation time. */
  startAt: number;
  /** From here on the conversion rule's "after" weights apply. */
  changeAt: number;
  /**
   * A drift scenario (instead of the built-in change): from this time on the conversion rule's
   * "shifted" weights apply, and leads created after it come from other industries and sources.
   */
  shiftAt?: number | null;
  leads: number;
  seed: number;
}

export interface SyntheticEvent extends TimedEvent {
  channel: string;
  detail: string | null;
}

/** One synthetic lead: its bundle row, its activity, and what really happened. */
export interface SyntheticLead {
  id: string;
  /** Values of leads.csv, in the generator's header order; '' is a blank. */
  row: string[];
  /** Distinct activities in time order, including any after the outcome. */
  events: SyntheticEvent[];
  outcome: { converted: boolean; at: number; amount: number | null } | null;
  /** The probability the outcome was drawn from. */
  probability: number;
  /** For an open lead, the outcome it will eventually have. */
  eventuallyConverted: boolean;
}

/** The bundle's lead columns, then the custom attributes this CRM has. */
export const LEAD_HEADER = [...LEAD_COLUMNS, 'state', 'utm_campaign', 'product_interest'];

const PAGES = ['/', '/product', '/product/scoring', '/product/routing', '/integrations/salesforce', '/integrations/hubspot', '/customers', '/blog/lead-scoring-101', '/blog/revops-metrics', '/docs/getting-started', '/about', '/careers'];
const ASSETS = ['Ebook: The 2026 State of RevOps', 'Guide: Lead Scoring, Routing and You', 'Checklist: CRM Hygiene', 'Report: Pipeline Benchmarks', 'Template: SLA Playbook', 'Whitepaper: Predictive Scoring'];
const WEBINARS = ['Webinar: Scoring that reps trust', 'Webinar: Routing at scale', 'Webinar: RevOps office hours'];
const CAMPAIGNS = ['Nurture #1 welcome', 'Nurture #2 case study', 'Nurture #3 pricing', 'Newsletter', 'Product update', 'Event invite'];
const UTM = ['2025-q3-brand', '2025-q4-retargeting', '2026-q1-launch', '2026-q2-revops', 'partner-co-marketing'];

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const floorSecond = (ms: number) => Math.floor(ms / SECOND) * SECOND;

/** Lead i's id: shaped like a Salesforce 18-character Lead id. */
export function leadId(i: number): string {
  return `00Q${(i + 1).toString(36).toUpperCase().padStart(12, '0')}AAA`;
}

export function makeLead(timeline: Timeline, i: number): SyntheticLead {
  const rng = new Rng(timeline.seed, i);
  const id = leadId(i);

  // Creation times grow over the history (more leads lately) and are stratified by index, so
  // the file comes out in roughly the order a CRM export would give.
  const growth = 0.8;
  const u = (i + rng.next()) / timeline.leads;
  const x = (-1 + Math.sqrt(1 + 2 * growth * u * (1 + growth / 2))) / growth;
  const createdAt = floorSecond(timeline.startAt + x * (timeline.exportAt - timeline.startAt - DAY));

  // Who the lead really is.
  const seniority = rng.weighted(SENIORITY_WEIGHTS);
  const department: Department =
    seniority === 'c_level' && rng.chance(0.5) ? 'executive' : rng.weighted(DEPARTMENT_WEIGHTS);
  const shifted = timeline.shiftAt != null && createdAt >= timeline.shiftAt;
  const industry = seniority === 'student' && rng.chance(0.6) ? 'education' : rng.weighted(shifted ? INDUSTRY_WEIGHTS_SHIFTED : INDUSTRY_WEIGHTS);
  const employees = Math.max(1, Math.round(rng.logNormal(INDUSTRY_MEDIAN_EMPLOYEES[industry], 1.3)));
  const revenue = Math.round((employees * rng.logNormal(180_000, 0.6)) / 1000) * 1000;
  const country = rng.weighted(COUNTRY_WEIGHTS);
  const regions = REGIONS[country];
  const region = regions ? rng.pick(regions) : null;
  const source = rng.weighted(shifted ? LEAD_SOURCE_WEIGHTS_SHIFTED : LEAD_SOURCE_WEIGHTS);
  const firstName = rng.pick(FIRST_NAMES);
  const lastName = rng.pick(LAST_NAMES);
  const companyBase = seniority === 'student' ? `${rng.pick(COMPANY_WORDS)} University` : `${rng.pick(COMPANY_WORDS)} ${rng.pick(COMPANY_SUFFIXES)}`;
  const freeEmail = rng.chance(0.15 + (seniority === 'student' ? 0.35 : 0) + (employees < 10 ? 0.2 : 0));
  const domain = freeEmail
    ? rng.pick(FREE_EMAIL_DOMAINS)
    : `${companyBase.toLowerCase().replace(/[^a-z0-9]+/g, '')}.${seniority === 'student' ? 'edu' : rng.pick(['com', 'com', 'io', 'co', 'net'])}`;
  const local = freeEmail
    ? `${firstName[0]}${lastName}${rng.int(100)}`
    : rng.pick([`${firstName}.${lastName}`, `${firstName[0]}${lastName}`, firstName]);
  const email = `${local.toLowerCase().replace(/[^a-z0-9.]+/g, '')}@${domain}`;

  // What the CRM shows: blanks and messy spellings. The true probability sees only this.
  const shown = {
    title: !rng.chance(0.08),
    company: !rng.chance(0.04),
    industry: !rng.chance(0.12),
    employees: !rng.chance(0.18),
    revenue: !rng.chance(0.35),
    country: !rng.chance(0.07),
    source: !rng.chance(0.05),
    email: !rng.chance(0.03),
  };
  const observed: ObservedTraits = {
    seniority: shown.title ? seniority : null,
    department: shown.title ? department : null,
    employees: shown.employees ? employees : null,
    annualRevenue: shown.revenue ? revenue : null,
    industry: shown.industry ? industry : null,
    country: shown.country ? country : null,
    emailKind: shown.email ? (freeEmail ? 'free' : 'corporate') : null,
    source: shown.source ? source : null,
  };
  const trueTraits: ObservedTraits = {
    seniority,
    department,
    employees,
    annualRevenue: revenue,
    industry,
    country,
    emailKind: freeEmail ? 'free' : 'corporate',
    source,
  };

  const row = [
    id,
    formatCreatedAt(createdAt, rng),
    shown.email ? email : '',
    rng.chance(0.02) ? '' : firstName,
    rng.chance(0.01) ? '' : lastName,
    shown.title ? messTitle(titleFor(seniority, department, (items) => rng.pick(items)), rng) : '',
    shown.company ? `${companyBase}${rng.pick(COMPANY_FORMS)}` : '',
    shown.industry ? rng.pick(INDUSTRIES[industry]) : '',
    shown.employees ? formatCount(employees, rng) : '',
    shown.revenue ? formatMoney(revenue, rng) : '',
    shown.country ? rng.pick(COUNTRIES[country]) : '',
    shown.source ? rng.pick(LEAD_SOURCES[source]) : '',
    region && rng.chance(0.9) ? rng.pick(region[1]) : '',
    rng.chance(0.4) ? rng.pick(UTM) : '',
    rng.chance(0.5) ? rng.pick(['Core', 'Analytics', 'Enterprise']) : '',
  ];

  // Buying intent is hidden; it drives how much and what the lead does, and leans on fit.
  const intent = 0.45 * (fitLogit(trueTraits, 'before') - 0.6) + 0.9 * rng.normal();
  const decisionAt = floorSecond(createdAt + Math.min(365, Math.max(1, rng.logNormal(28, 0.8))) * DAY);
  const closed = decisionAt < timeline.exportAt;
  const asOf = closed ? decisionAt : timeline.exportAt;

  const events = new EventList(asOf);
  behaviour(rng, events, { createdAt, asOf, intent, fit: fitLogit(trueTraits, 'before'), source });
  const before = events.sorted();
  const regime: Regime =
    timeline.shiftAt != null ? (asOf >= timeline.shiftAt ? 'shifted' : 'before') : asOf >= timeline.changeAt ? 'after' : 'before';
  const probability = trueProbability(observed, before, asOf, regime);
  const converted = rng.chance(probability);

  let outcome: SyntheticLead['outcome'] = null;
  let all = before;
  if (closed) {
    const amount = converted && rng.chance(0.9) ? Math.round(rng.logNormal(8000 * Math.pow(employees / 100, 0.4), 0.5) / 100) * 100 : null;
    outcome = { converted, at: decisionAt, amount };
    // What happens after the decision is in the CRM too; it must never reach training features.
    const after = new EventList(timeline.exportAt, decisionAt);
    if (converted) {
      for (let k = rng.poisson(3); k > 0; k--) {
        after.add(decisionAt + rng.between(HOUR, 30 * DAY), rng.chance(0.6) ? 'meeting' : 'call', 'sales', rng.pick(['Kickoff', 'Onboarding call', 'Contract review']));
      }
    } else {
      for (let k = rng.poisson(1.5); k > 0; k--) {
        after.add(decisionAt + rng.between(HOUR, 60 * DAY), 'email_open', 'email', rng.pick(CAMPAIGNS));
      }
    }
    all = before.concat(after.sorted());
  }
  return { id, row, events: all, outcome, probability, eventuallyConverted: converted };
}

/** Collects a lead's events inside [from, until), one per (time, type, detail) as the store keeps them. */
class EventList {
  private events = new Map<string, SyntheticEvent>();

  constructor(
    private readonly until: number,
    private readonly from = -Infinity,
  ) {}

  add(at: number, type: string, channel: string, detail: string | null): void {
    const t = floorSecond(at);
    if (t >= this.until || t <= this.from) return;
    this.events.set(`${t}|${type}|${detail ?? ''}`, { at: t, type, channel, detail });
  }

  sorted(): SyntheticEvent[] {
    return [...this.events.values()].sort((a, b) => a.at - b.at || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  }
}

interface BehaviourInput {
  createdAt: number;
  asOf: number;
  intent: number;
  fit: number;
  source: string;
}

/** What a lead does from a little before it is created until `asOf`. */
function behaviour(rng: Rng, events: EventList, b: BehaviourInput): void {
  const { createdAt, asOf, intent: z } = b;
  // Anonymous visits, attributed once the lead fills in a form.
  for (let k = rng.poisson(0.5 + 0.3 * Math.max(z, 0)); k > 0; k--) {
    events.add(createdAt - rng.between(HOUR, 14 * DAY), 'page_view', 'web', rng.pick(PAGES));
  }
  // The event that created the lead.
  if (b.source === 'webinar') events.add(createdAt, 'webinar_attended', 'event', rng.pick(WEBINARS));
  else if (b.source === 'content_syndication') events.add(createdAt, 'content_download', 'partner', rng.pick(ASSETS));
  else if (b.source === 'event') events.add(createdAt, 'form_submit', 'event', 'Trade show badge scan');
  else if (rng.chance(0.7)) {
    const detail = rng.chance(0.002) ? 'Message: Please call me back.\nBest time is mornings.' : rng.pick(['Contact us', 'Newsletter signup', 'Ebook form']);
    events.add(createdAt, 'form_submit', 'web', detail);
  }

  // Web sessions: a rate that fades after creation and rises with intent (thinning a Poisson process).
  const peak = 0.12 * Math.exp(0.6 * z);
  for (let t = createdAt + rng.exponential(DAY / peak); t < asOf; t += rng.exponential(DAY / peak)) {
    if (!rng.chance(0.25 + 0.75 * Math.exp(-(t - createdAt) / (20 * DAY)))) continue;
    session(rng, events, t, z);
  }
  // Webinars about monthly.
  for (let month = 0; createdAt + month * 30 * DAY < asOf; month++) {
    if (rng.chance(0.04 * Math.exp(0.5 * z))) {
      events.add(createdAt + (month + rng.next()) * 30 * DAY, 'webinar_attended', 'event', rng.pick(WEBINARS));
    }
  }
  // Weekly nurture emails for up to half a year.
  const openRate = Math.min(0.85, 0.2 * Math.exp(0.35 * z));
  const clickRate = Math.min(0.8, 0.18 * Math.exp(0.4 * z));
  for (let week = 0; week < 26; week++) {
    const sent = createdAt + 2 * DAY + week * 7 * DAY + rng.between(0, DAY);
    if (sent >= asOf) break;
    if (!rng.chance(openRate)) continue;
    const campaign = rng.pick(CAMPAIGNS);
    const opened = sent + rng.between(5 * 60_000, 48 * HOUR);
    events.add(opened, 'email_open', 'email', campaign);
    if (rng.chance(clickRate)) events.add(opened + rng.between(10 * SECOND, 10 * 60_000), 'email_click', 'email', campaign);
  }
  // Reps call leads that look like a fit.
  for (let k = rng.poisson(0.3 + 0.5 * Math.max(0, b.fit)); k > 0; k--) {
    events.add(createdAt + rng.between(HOUR, 30 * DAY), 'call', 'phone', rng.pick(['Outbound call - connected', 'Outbound call - voicemail']));
  }
  if (rng.chance(0.02)) events.add(createdAt + rng.between(0, 60 * DAY), 'g2_profile_view', 'review_site', 'G2 profile');
}

function session(rng: Rng, events: EventList, t: number, z: number): void {
  let at = t;
  const step = () => (at += rng.between(20 * SECOND, 5 * 60_000));
  for (let k = 1 + rng.poisson(0.8); k > 0; k--) events.add(step(), 'page_view', 'web', rng.pick(PAGES));
  if (rng.chance(0.6 * sigmoid(z - 0.8))) events.add(step(), 'pricing_page_view', 'web', '/pricing');
  if (rng.chance(0.12)) {
    events.add(step(), 'content_download', 'web', rng.pick(ASSETS));
    // The high-intent sequence: pricing within two days of a download.
    if (rng.chance(0.1 + 0.5 * sigmoid(1.5 * z - 1))) events.add(at + rng.between(HOUR, 47 * HOUR), 'pricing_page_view', 'web', '/pricing');
  }
  if (rng.chance(Math.min(0.4, 0.025 * Math.exp(0.9 * z)))) {
    events.add(step(), 'demo_request', 'web', 'Demo request form');
    if (rng.chance(0.75)) events.add(at + rng.between(DAY, 6 * DAY), 'meeting', 'sales', 'Discovery call');
  }
  if (rng.chance(Math.min(0.3, 0.02 * Math.exp(0.8 * z)))) events.add(step(), 'trial_signup', 'product', 'Free trial');
  if (rng.chance(0.04)) events.add(step(), 'form_submit', 'web', 'Contact us');
  if (rng.chance(0.05)) events.add(step(), 'chat_started', 'chat', 'Website chat');
}

function messTitle(title: string, rng: Rng): string {
  const r = rng.next();
  if (r < 0.08) return title.toLowerCase();
  if (r < 0.12) return title.toUpperCase();
  if (r < 0.15) return title.replace(' ', '  ');
  return title;
}

const withCommas = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

function formatCount(n: number, rng: Rng): string {
  return n >= 1000 && rng.chance(0.2) ? withCommas(n) : String(n);
}

function formatMoney(n: number, rng: Rng): string {
  const r = rng.next();
  if (r < 0.15) return withCommas(n);
  if (r < 0.25 && n >= 1_000_000 && n % 100_000 === 0) return `${n / 1_000_000}M`;
  if (r < 0.4) return `${n}.00`;
  return String(n);
}

/** Mostly UTC with a Z; some exports write local time with an offset (the same instant). */
function formatCreatedAt(ms: number, rng: Rng): string {
  if (!rng.chance(0.03)) return isoSeconds(ms);
  const offsetHours = rng.pick([-8, -5, 1, 2, 5.5]);
  const local = new Date(ms + offsetHours * HOUR).toISOString().slice(0, 19);
  const sign = offsetHours < 0 ? '-' : '+';
  const abs = Math.abs(offsetHours);
  return `${local}${sign}${String(Math.floor(abs)).padStart(2, '0')}:${abs % 1 ? '30' : '00'}`;
}

export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
