/**
 * Canonical values for the firmographic fields CRMs spell in many ways. Each map lists, per
 * canonical value, the words that identify it; anything else is "other", a blank is unknown.
 */

export const INDUSTRIES = [
  'software',
  'financial_services',
  'healthcare',
  'manufacturing',
  'retail',
  'education',
  'government',
  'media',
  'telecom',
  'professional_services',
  'nonprofit',
  'logistics',
  'energy',
  'real_estate',
  'other',
] as const;
export type Industry = (typeof INDUSTRIES)[number];

/** Checked in order: the first pattern that matches wins ("IT Services" is services, not software). */
const INDUSTRY_PATTERNS: Array<[Industry, RegExp]> = [
  ['professional_services', /\b(consult\w*|professional services|it services|agency|legal|law|accounting services|staffing)\b/],
  ['nonprofit', /\b(non ?profit|not for profit|ngo|charity|foundation|philanthrop\w*)\b/],
  ['government', /\b(government|public sector|federal|municipal|state agency|defen[cs]e|military)\b/],
  ['education', /\b(education|edtech|e ?learning|higher ed\w*|university|school|academ\w*|training)\b/],
  ['healthcare', /\b(health ?care|health|hospital|medical|pharma\w*|biotech\w*|life sciences|clinic\w*)\b/],
  ['financial_services', /\b(financ\w*|fin ?serv|banking|bank|insurance|fintech|investment\w*|capital markets|wealth)\b/],
  ['telecom', /\b(telecom\w*|wireless|isp)\b/],
  ['media', /\b(media|entertainment|publishing|advertising|marketing and advertising|broadcast\w*|gaming|news)\b/],
  ['retail', /\b(retail|e ?commerce|consumer goods|cpg|wholesale|apparel|fashion|grocery)\b/],
  ['logistics', /\b(logistics|transportation|supply chain|shipping|freight|trucking|airline\w*|aviation)\b/],
  ['manufacturing', /\b(manufactur\w*|industrial|machinery|automotive|chemicals|electronics|aerospace)\b/],
  ['energy', /\b(energy|oil|gas|utilities|utility|renewable\w*|mining|solar)\b/],
  ['real_estate', /\b(real estate|property|construction|architecture)\b/],
  ['software', /\b(software|saas|internet|information technology|computer|tech|technology|cloud|cyber ?security|it)\b/],
];

const words = (text: string) => ` ${text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim()} `;

export function canonicalIndustry(raw: string | null): Industry | null {
  if (raw === null || raw.trim() === '') return null;
  const t = words(raw);
  for (const [industry, pattern] of INDUSTRY_PATTERNS) if (pattern.test(t)) return industry;
  return 'other';
}

export const COUNTRIES = ['US', 'GB', 'CA', 'DE', 'FR', 'AU', 'IN', 'BR', 'NL', 'ES', 'SG', 'JP', 'MX', 'IT', 'SE', 'CH', 'IE', 'other'] as const;
export type Country = (typeof COUNTRIES)[number];

const COUNTRY_NAMES: Record<Exclude<Country, 'other'>, string[]> = {
  US: ['us', 'usa', 'u s', 'u s a', 'united states', 'united states of america', 'america'],
  GB: ['gb', 'uk', 'u k', 'united kingdom', 'great britain', 'britain', 'england', 'scotland', 'wales', 'northern ireland'],
  CA: ['ca', 'can', 'canada'],
  DE: ['de', 'deu', 'germany', 'deutschland'],
  FR: ['fr', 'fra', 'france'],
  AU: ['au', 'aus', 'australia'],
  IN: ['in', 'ind', 'india'],
  BR: ['br', 'bra', 'brazil', 'brasil'],
  NL: ['nl', 'nld', 'netherlands', 'the netherlands', 'holland'],
  ES: ['es', 'esp', 'spain', 'espana'],
  SG: ['sg', 'sgp', 'singapore'],
  JP: ['jp', 'jpn', 'japan'],
  MX: ['mx', 'mex', 'mexico'],
  IT: ['it', 'ita', 'italy', 'italia'],
  SE: ['se', 'swe', 'sweden', 'sverige'],
  CH: ['ch', 'che', 'switzerland', 'schweiz', 'suisse'],
  IE: ['ie', 'irl', 'ireland'],
};

const COUNTRY_BY_NAME = new Map<string, Country>(
  Object.entries(COUNTRY_NAMES).flatMap(([code, names]) => names.map((n) => [n, code as Country])),
);

/** Accents are folded first: "España" and "México" are Spain and Mexico. */
export function canonicalCountry(raw: string | null): Country | null {
  if (raw === null || raw.trim() === '') return null;
  const key = raw
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, ' ')
    .trim();
  return COUNTRY_BY_NAME.get(key) ?? 'other';
}

export const LEAD_SOURCES = [
  'organic_search',
  'paid_search',
  'web',
  'referral',
  'partner',
  'event',
  'webinar',
  'content_syndication',
  'outbound',
  'list_import',
  'social',
  'email',
  'other',
] as const;
export type LeadSourceKind = (typeof LEAD_SOURCES)[number];

const SOURCE_PATTERNS: Array<[LeadSourceKind, RegExp]> = [
  ['partner', /\b(partner\w*|reseller|channel|affiliate)\b/],
  ['referral', /\b(referral|referred|word of mouth)\b/],
  ['paid_search', /\b(paid|ppc|cpc|adwords|google ads|bing ads|sem)\b/],
  ['organic_search', /\b(organic|seo|search)\b/],
  ['content_syndication', /\b(syndication|3rd party content|third party content)\b/],
  ['webinar', /\b(webinar\w*|virtual event)\b/],
  ['event', /\b(event\w*|trade ?show|conference|tradeshow|booth|meetup)\b/],
  ['outbound', /\b(outbound|cold|prospecting|sdr)\b/],
  ['list_import', /\b(list|purchased|import\w*|upload)\b/],
  ['social', /\b(social|linkedin|facebook|twitter|instagram|x com)\b/],
  ['email', /\b(email|e mail|newsletter)\b/],
  ['web', /\b(web|website|direct|inbound|contact us|chat)\b/],
];

export function canonicalLeadSource(raw: string | null): LeadSourceKind | null {
  if (raw === null || raw.trim() === '') return null;
  const t = words(raw.replace(/_/g, ' '));
  for (const [source, pattern] of SOURCE_PATTERNS) if (pattern.test(t)) return source;
  return 'other';
}

export const EMAIL_KINDS = ['corporate', 'free', 'education', 'invalid'] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

const FREE_DOMAINS = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'yahoo.fr', 'ymail.com', 'hotmail.com', 'hotmail.co.uk',
  'hotmail.fr', 'outlook.com', 'live.com', 'msn.com', 'icloud.com', 'me.com', 'mac.com', 'aol.com', 'gmx.de', 'gmx.net',
  'gmx.com', 'web.de', 'proton.me', 'protonmail.com', 'mail.com', 'yandex.ru', 'yandex.com', 'qq.com', '163.com',
  'zoho.com', 'fastmail.com', 'hey.com', 'rediffmail.com', 'uol.com.br', 'bol.com.br', 'libero.it', 'orange.fr',
]);

export function emailKind(email: string | null): EmailKind | null {
  if (email === null || email.trim() === '') return null;
  const m = /^[^@\s]+@([a-z0-9.-]+\.[a-z]{2,})$/i.exec(email.trim());
  if (!m) return 'invalid';
  const domain = m[1]!.toLowerCase();
  if (FREE_DOMAINS.has(domain)) return 'free';
  if (/\.(edu|ac\.[a-z]{2}|edu\.[a-z]{2})$/.test(domain)) return 'education';
  return 'corporate';
}
