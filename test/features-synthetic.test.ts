import { describe, expect, it } from 'vitest';
import { canonicalCountry, canonicalIndustry, canonicalLeadSource, parseTitle } from '../src/features/index.js';
import { COUNTRIES, DEPARTMENTS, INDUSTRIES, LEAD_SOURCES, SENIORITIES, titleFor } from '../src/synthetic/vocab.js';

/**
 * Every spelling the generator writes must read back as the value it was written from: the
 * generator's true probability uses those values, so a parser that misreads them hides signal.
 */
describe('feature parsers against every synthetic spelling', () => {
  it('reads every generated title as its seniority and department', () => {
    const misread: string[] = [];
    for (const seniority of SENIORITIES) {
      for (const department of DEPARTMENTS) {
        for (let k = 0; k < 40; k++) {
          let n = k;
          const title = titleFor(seniority, department, (items) => items[n++ % items.length]!);
          const parsed = parseTitle(title);
          const departmentOk = seniority === 'student' || parsed?.department === department;
          if (parsed?.seniority !== seniority || !departmentOk) misread.push(`${title} -> ${JSON.stringify(parsed)} (want ${seniority}/${department})`);
        }
      }
    }
    expect([...new Set(misread)]).toEqual([]);
  });

  it('maps every industry, country and source spelling to its canonical value', () => {
    const sourceNames: Record<string, string> = { web_direct: 'web' };
    for (const [industry, spellings] of Object.entries(INDUSTRIES)) {
      for (const s of spellings) expect([s, canonicalIndustry(s)]).toEqual([s, industry]);
    }
    for (const [country, spellings] of Object.entries(COUNTRIES)) {
      for (const s of spellings) expect([s, canonicalCountry(s)]).toEqual([s, country]);
    }
    for (const [source, spellings] of Object.entries(LEAD_SOURCES)) {
      for (const s of spellings) expect([s, canonicalLeadSource(s)]).toEqual([s, sourceNames[source] ?? source]);
    }
  });
});
