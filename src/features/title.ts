/**
 * Seniority and department from a free-text job title, the way people type them into forms:
 * any case, abbreviations ("Sr.", "Dir", "Mgr", "VP", "SVP", "V.P."), "Vice President of",
 * "Head of", C-level acronyms, students and interns.
 */

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
  'other',
] as const;
export type Department = (typeof DEPARTMENTS)[number];

export interface ParsedTitle {
  seniority: Seniority;
  department: Department;
}

/** Chief-officer acronyms and the department each leads. */
const C_SUITE: Record<string, Department> = {
  ceo: 'executive',
  cro: 'sales',
  cso: 'sales',
  cmo: 'marketing',
  coo: 'operations',
  cto: 'engineering',
  cio: 'it',
  cfo: 'finance',
  chro: 'hr',
  cpo: 'product',
  cco: 'customer_success',
};

/** "Chief X Officer": the department X names. */
const CHIEF_OF: Record<string, Department> = {
  executive: 'executive',
  revenue: 'sales',
  sales: 'sales',
  commercial: 'sales',
  marketing: 'marketing',
  operating: 'operations',
  operations: 'operations',
  technology: 'engineering',
  technical: 'engineering',
  information: 'it',
  digital: 'it',
  financial: 'finance',
  finance: 'finance',
  people: 'hr',
  human: 'hr',
  product: 'product',
  customer: 'customer_success',
  of: 'executive', // chief of staff
};

/** Department words, checked in this order: "Sales Operations" is operations, not sales. */
const DEPARTMENT_WORDS: Array<[Department, RegExp]> = [
  ['operations', /\b(operations|ops|revops|revenue operations|sales operations|business operations|business analyst|operating)\b/],
  ['customer_success', /\b(customer success|customer experience|csm|support|customer service|client success|customer)\b/],
  ['marketing', /\b(marketing|marketer|demand gen(eration)?|growth|content|brand|seo|communications|pr)\b/],
  ['sales', /\b(sales|revenue|business development|account executive|account manager|sdr|bdr|ae|commercial|selling)\b/],
  ['hr', /\b(hr|human resources|people|talent|recruit(er|ing|ment)?|talent acquisition)\b/],
  ['finance', /\b(finance|financial|accounting|accountant|controller|fp ?& ?a|treasury|revenue accounting)\b/],
  ['it', /\b(it|information technology|i t|systems|sysadmin|network|infrastructure|helpdesk|security)\b/],
  ['engineering', /\b(engineering|engineer|eng|developer|software|r ?& ?d|data|devops|architect|programmer)\b/],
  ['product', /\b(product|ux|ui|design|designer)\b/],
  ['executive', /\b(executive|chief of staff|founder|owner|president|general management)\b/],
];

function clean(title: string): string {
  return ` ${title
    .toLowerCase()
    .replace(/\bv\.\s?p\.?/g, 'vp')
    .replace(/\bi\.t\.?/g, 'it')
    .replace(/\b(sr|snr)\b\.?/g, 'senior')
    .replace(/\bdir\b\.?/g, 'director')
    .replace(/\b(mgr|mngr)\b\.?/g, 'manager')
    .replace(/\beng\b\./g, 'engineering')
    .replace(/[^a-z0-9&]+/g, ' ')
    .trim()} `;
}

function seniorityOf(t: string): Seniority {
  if (/\b(student|intern|internship|trainee|apprentice|phd candidate|research assistant|graduate assistant)\b/.test(t)) return 'student';
  if (/\b(c[a-z]{1,2}o)\b/.test(t) && Object.keys(C_SUITE).some((a) => t.includes(` ${a} `))) return 'c_level';
  if (/\bchief\b/.test(t) && !/\bchief of staff\b/.test(t)) return 'c_level';
  if (/\b(founder|co founder|cofounder|owner|managing director|managing partner)\b/.test(t)) return 'c_level';
  if (/\bpresident\b/.test(t) && !/\bvice president\b/.test(t)) return 'c_level';
  if (/\b(vp|svp|evp|avp|vice president|head of|head)\b/.test(t)) return 'vp';
  if (/\bdirector\b/.test(t)) return 'director';
  if (/\b(manager|team lead|lead|supervisor)\b/.test(t)) return 'manager';
  return 'individual';
}

function departmentOf(t: string): Department {
  for (const [acronym, department] of Object.entries(C_SUITE)) if (t.includes(` ${acronym} `)) return department;
  const chief = /\bchief (\w+)/.exec(t);
  const led = chief ? CHIEF_OF[chief[1]!] : undefined;
  if (led) return led;
  return departmentOfWords(t);
}

function departmentOfWords(t: string): Department {
  for (const [department, words] of DEPARTMENT_WORDS) if (words.test(t)) return department;
  return 'other';
}

/** null for a blank title: unknown, which is not the same as "individual contributor". */
export function parseTitle(title: string | null): ParsedTitle | null {
  if (title === null || title.trim() === '') return null;
  const t = clean(title);
  const seniority = seniorityOf(t);
  let department = departmentOf(t);
  if (department === 'other' && seniority === 'c_level') department = 'executive';
  return { seniority, department };
}
