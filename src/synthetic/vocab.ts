/**
 * What synthetic leads are made of: canonical values (what the true probability uses) and the
 * messy ways CRMs spell them (what the bundle shows). Every spelling maps back to one canonical
 * value, so nothing the true probability uses is hidden from a good parser; blanks are blanks.
 */

type Weighted<T> = ReadonlyArray<readonly [T, number]>;

export const SENIORITIES = ['c_level', 'vp', 'director', 'manager', 'individual', 'student'] as const;
export type Seniority = (typeof SENIORITIES)[number];

export const DEPARTMENTS = [
  'executive',
  'sales',
  'marketing',
  'operations',
  'engineering',
  'it',
  'finance',
  'hr',
  'product',
  'customer_success',
] as const;
export type Department = (typeof DEPARTMENTS)[number];

export const SENIORITY_WEIGHTS: Weighted<Seniority> = [
  ['c_level', 0.07],
  ['vp', 0.1],
  ['director', 0.16],
  ['manager', 0.27],
  ['individual', 0.33],
  ['student', 0.07],
];

export const DEPARTMENT_WEIGHTS: Weighted<Exclude<Department, 'executive'>> = [
  ['sales', 0.2],
  ['marketing', 0.24],
  ['operations', 0.12],
  ['engineering', 0.12],
  ['it', 0.1],
  ['finance', 0.07],
  ['hr', 0.05],
  ['product', 0.05],
  ['customer_success', 0.05],
];

const DEPARTMENT_NAMES: Record<Department, readonly string[]> = {
  executive: ['Executive'],
  sales: ['Sales', 'Sales', 'Revenue'],
  marketing: ['Marketing', 'Marketing', 'Demand Generation', 'Growth Marketing'],
  operations: ['Operations', 'Revenue Operations', 'Sales Operations', 'Ops'],
  engineering: ['Engineering', 'Engineering', 'Eng.', 'R&D'],
  it: ['IT', 'Information Technology', 'I.T.'],
  finance: ['Finance', 'Finance & Accounting', 'Finance'],
  hr: ['HR', 'Human Resources', 'People'],
  product: ['Product', 'Product Management'],
  customer_success: ['Customer Success', 'Customer Experience', 'Support'],
};

const C_LEVEL_TITLES: Record<Department, readonly string[]> = {
  executive: ['CEO', 'Chief Executive Officer', 'Founder & CEO', 'Co-Founder', 'Owner', 'President'],
  sales: ['CRO', 'Chief Revenue Officer', 'Chief Sales Officer'],
  marketing: ['CMO', 'Chief Marketing Officer'],
  operations: ['COO', 'Chief Operating Officer'],
  engineering: ['CTO', 'Chief Technology Officer'],
  it: ['CIO', 'Chief Information Officer'],
  finance: ['CFO', 'Chief Financial Officer'],
  hr: ['CHRO', 'Chief People Officer'],
  product: ['CPO', 'Chief Product Officer'],
  customer_success: ['Chief Customer Officer', 'CCO'],
};

const INDIVIDUAL_TITLES: Record<Department, readonly string[]> = {
  executive: ['Chief of Staff', 'Executive Assistant'],
  sales: ['Account Executive', 'SDR', 'Sales Development Rep', 'Business Development Representative', 'AE'],
  marketing: ['Marketing Specialist', 'Content Marketer', 'Growth Marketer', 'Marketing Coordinator'],
  operations: ['Operations Analyst', 'Sales Ops Analyst', 'RevOps Analyst', 'Business Analyst'],
  engineering: ['Software Engineer', 'Sr. Software Engineer', 'Developer', 'Data Engineer', 'Data Scientist'],
  it: ['Systems Administrator', 'IT Specialist', 'Sysadmin', 'Network Engineer'],
  finance: ['Financial Analyst', 'Accountant', 'FP&A Analyst'],
  hr: ['Recruiter', 'HR Generalist', 'Talent Acquisition Specialist'],
  product: ['Product Analyst', 'Product Designer', 'UX Designer'],
  customer_success: ['Customer Success Specialist', 'CSM', 'Support Engineer'],
};

const PATTERNS: Record<Exclude<Seniority, 'c_level' | 'individual'>, readonly string[]> = {
  vp: ['VP {D}', 'VP of {D}', 'Vice President, {D}', 'Vice President of {D}', 'SVP {D}', 'EVP, {D}', 'V.P. {D}', 'Head of {D}'],
  director: ['Director of {D}', '{D} Director', 'Dir. {D}', 'Sr. Director, {D}', 'Senior Director {D}', 'Director, {D}'],
  manager: ['{D} Manager', 'Manager, {D}', 'Sr. {D} Manager', '{D} Mgr', '{D} Team Lead', 'Senior Manager - {D}'],
  student: ['Student', 'MBA Student', 'Graduate Student', '{D} Intern', 'Intern', 'intern - {D}', 'Research Assistant'],
};

/** A title as people type it into forms, before case and spacing mess. */
export function titleFor(seniority: Seniority, department: Department, pick: <T>(items: readonly T[]) => T): string {
  if (seniority === 'c_level') return pick(C_LEVEL_TITLES[department]);
  if (seniority === 'individual') return pick(INDIVIDUAL_TITLES[department]);
  return pick(PATTERNS[seniority]).replace('{D}', pick(DEPARTMENT_NAMES[department]));
}

export const INDUSTRIES = {
  software: ['Software', 'software', 'SaaS', 'Computer Software', 'Software & Internet', 'Information Technology'],
  financial_services: ['Financial Services', 'Finance', 'Banking', 'financial services', 'FinServ', 'Insurance'],
  healthcare: ['Healthcare', 'Health Care', 'Hospital & Health Care', 'healthcare', 'Medical', 'Pharmaceuticals'],
  manufacturing: ['Manufacturing', 'manufacturing', 'Industrial', 'Industrial Machinery'],
  retail: ['Retail', 'Retail & E-commerce', 'E-Commerce', 'retail', 'Consumer Goods'],
  education: ['Education', 'Higher Education', 'E-Learning', 'education', 'EdTech'],
  government: ['Government', 'Government Administration', 'Public Sector'],
  media: ['Media', 'Media & Entertainment', 'Marketing and Advertising', 'Publishing'],
  telecom: ['Telecommunications', 'Telecom', 'telecommunications'],
  professional_services: ['Professional Services', 'Consulting', 'Management Consulting', 'IT Services'],
  nonprofit: ['Nonprofit', 'Non-Profit', 'Non-profit Organization Management', 'NGO'],
  logistics: ['Transportation', 'Logistics', 'Logistics & Supply Chain'],
} as const;
export type Industry = keyof typeof INDUSTRIES;

export const INDUSTRY_WEIGHTS: Weighted<Industry> = [
  ['software', 0.2],
  ['financial_services', 0.11],
  ['healthcare', 0.1],
  ['manufacturing', 0.1],
  ['retail', 0.09],
  ['education', 0.08],
  ['government', 0.04],
  ['media', 0.06],
  ['telecom', 0.04],
  ['professional_services', 0.1],
  ['nonprofit', 0.04],
  ['logistics', 0.04],
];

/** Industries after a drift scenario's shift: a healthcare and public-sector push. */
export const INDUSTRY_WEIGHTS_SHIFTED: Weighted<Industry> = [
  ['software', 0.08],
  ['financial_services', 0.06],
  ['healthcare', 0.3],
  ['manufacturing', 0.06],
  ['retail', 0.05],
  ['education', 0.1],
  ['government', 0.15],
  ['media', 0.04],
  ['telecom', 0.03],
  ['professional_services', 0.06],
  ['nonprofit', 0.04],
  ['logistics', 0.03],
];

/** Median head count by industry: company size is drawn around it. */
export const INDUSTRY_MEDIAN_EMPLOYEES: Record<Industry, number> = {
  software: 120,
  financial_services: 400,
  healthcare: 350,
  manufacturing: 300,
  retail: 200,
  education: 250,
  government: 800,
  media: 80,
  telecom: 900,
  professional_services: 60,
  nonprofit: 40,
  logistics: 250,
};

export const COUNTRIES = {
  US: ['United States', 'US', 'USA', 'U.S.', 'United States of America', 'us'],
  GB: ['United Kingdom', 'UK', 'GB', 'Great Britain', 'England'],
  CA: ['Canada', 'CA', 'canada'],
  DE: ['Germany', 'DE', 'Deutschland'],
  FR: ['France', 'FR'],
  AU: ['Australia', 'AU'],
  IN: ['India', 'IN', 'india'],
  BR: ['Brazil', 'Brasil', 'BR'],
  NL: ['Netherlands', 'The Netherlands', 'NL', 'Holland'],
  ES: ['Spain', 'ES', 'España'],
  SG: ['Singapore', 'SG'],
  JP: ['Japan', 'JP'],
  MX: ['Mexico', 'MX', 'México'],
} as const;
export type Country = keyof typeof COUNTRIES;

export const COUNTRY_WEIGHTS: Weighted<Country> = [
  ['US', 0.42],
  ['GB', 0.1],
  ['CA', 0.07],
  ['DE', 0.07],
  ['FR', 0.05],
  ['AU', 0.05],
  ['IN', 0.08],
  ['BR', 0.04],
  ['NL', 0.03],
  ['ES', 0.03],
  ['SG', 0.02],
  ['JP', 0.02],
  ['MX', 0.02],
];

/** States and provinces, for routing by territory; only some countries have them. */
export const REGIONS: Partial<Record<Country, ReadonlyArray<readonly [string, readonly string[]]>>> = {
  US: [
    ['CA', ['CA', 'California', 'Calif.']],
    ['NY', ['NY', 'New York']],
    ['TX', ['TX', 'Texas']],
    ['FL', ['FL', 'Florida']],
    ['WA', ['WA', 'Washington']],
    ['MA', ['MA', 'Massachusetts']],
    ['IL', ['IL', 'Illinois']],
    ['GA', ['GA', 'Georgia']],
    ['CO', ['CO', 'Colorado']],
    ['NC', ['NC', 'North Carolina']],
  ],
  CA: [
    ['ON', ['ON', 'Ontario']],
    ['BC', ['BC', 'British Columbia']],
    ['QC', ['QC', 'Quebec', 'Québec']],
  ],
  AU: [
    ['NSW', ['NSW', 'New South Wales']],
    ['VIC', ['VIC', 'Victoria']],
  ],
};

export const LEAD_SOURCES = {
  organic_search: ['Organic Search', 'organic', 'SEO', 'Google Organic'],
  paid_search: ['Paid Search', 'Google Ads', 'PPC', 'paid_search', 'AdWords'],
  web_direct: ['Web', 'Website', 'Direct', 'web'],
  referral: ['Referral', 'Customer Referral', 'referral'],
  partner: ['Partner', 'Partner Referral', 'Reseller'],
  event: ['Event', 'Trade Show', 'Conference', 'event'],
  webinar: ['Webinar', 'webinar'],
  content_syndication: ['Content Syndication', 'Syndication', '3rd Party Content'],
  outbound: ['Outbound', 'Cold Outbound', 'SDR Outbound', 'Cold Call'],
  list_import: ['List Import', 'Purchased List', 'list upload'],
  social: ['Social', 'LinkedIn', 'Social Media', 'Facebook'],
} as const;
export type LeadSourceKind = keyof typeof LEAD_SOURCES;

export const LEAD_SOURCE_WEIGHTS: Weighted<LeadSourceKind> = [
  ['organic_search', 0.17],
  ['paid_search', 0.14],
  ['web_direct', 0.1],
  ['referral', 0.06],
  ['partner', 0.05],
  ['event', 0.08],
  ['webinar', 0.07],
  ['content_syndication', 0.1],
  ['outbound', 0.1],
  ['list_import', 0.06],
  ['social', 0.07],
];

/** Lead sources after a drift scenario's shift: a paid campaign and list buys bring most new leads. */
export const LEAD_SOURCE_WEIGHTS_SHIFTED: Weighted<LeadSourceKind> = [
  ['organic_search', 0.08],
  ['paid_search', 0.3],
  ['web_direct', 0.05],
  ['referral', 0.04],
  ['partner', 0.03],
  ['event', 0.04],
  ['webinar', 0.03],
  ['content_syndication', 0.12],
  ['outbound', 0.08],
  ['list_import', 0.18],
  ['social', 0.05],
];

export const FREE_EMAIL_DOMAINS = ['gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com', 'icloud.com', 'aol.com', 'gmx.de', 'proton.me'];

export const FIRST_NAMES = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William',
  'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Carlos', 'Karen', 'Priya', 'Wei', 'Aisha',
  'Lukas', 'Sofia', 'Hiroshi', 'Ana', 'Mohammed', 'Emma', 'Olivia', 'Noah', 'Liam', 'Chloe', 'Raj', 'Fatima',
  'Mateo', 'Isabella', 'Yuki', 'Hannah', 'Daniel', 'Zoe', 'Arjun', 'Lea', 'Pierre', 'Camille', 'Jonas', 'Marta',
];

export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez',
  'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Patel',
  'Kumar', 'Chen', 'Wang', 'Müller', 'Schmidt', 'Dubois', 'Silva', 'Santos', 'Tanaka', 'Sato', "O'Brien", 'Nguyen',
  'Kim', 'Singh', 'Rossi', 'Novak', 'Jansen', 'de Vries', 'Fernández', 'Okafor', 'Ivanova', 'Andersson',
];

export const COMPANY_WORDS = [
  'Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Hooli', 'Vandelay', 'Soylent', 'Cyberdyne', 'Tyrell',
  'Wonka', 'Gringotts', 'Oscorp', 'Aperture', 'Blue Sun', 'Massive', 'Nakatomi', 'Pied Piper', 'Dunder', 'Prestige',
  'Northwind', 'Contoso', 'Fabrikam', 'Tailspin', 'Woodgrove', 'Litware', 'Adatum', 'Proseware', 'Lucerne', 'Alpine',
  'Summit', 'Beacon', 'Harbor', 'Granite', 'Cascade', 'Meridian', 'Pinnacle', 'Redwood', 'Silverline', 'Vertex',
];

export const COMPANY_SUFFIXES = [
  'Analytics', 'Systems', 'Labs', 'Health', 'Logistics', 'Capital', 'Media', 'Partners', 'Group', 'Software',
  'Solutions', 'Industries', 'Networks', 'Foods', 'Retail', 'Learning', 'Works', 'Dynamics', 'Bio', 'Energy',
];

export const COMPANY_FORMS = ['', '', '', ' Inc.', ' Inc', ' LLC', ' Ltd', ' GmbH', ' Corp.', ', Inc.', ' S.A.', ' B.V.'];
