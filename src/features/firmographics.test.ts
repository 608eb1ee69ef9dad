import { describe, expect, it } from 'vitest';
import { canonicalCountry, canonicalIndustry, canonicalLeadSource, emailKind } from './firmographics.js';

describe('firmographics', () => {
  it.each([
    ['Computer Software', 'software'],
    ['SaaS', 'software'],
    ['IT Services', 'professional_services'],
    ['Hospital & Health Care', 'healthcare'],
    ['FinServ', 'financial_services'],
    ['Non-profit Organization Management', 'nonprofit'],
    ['Retail & E-commerce', 'retail'],
    ['Basket weaving', 'other'],
  ])('industry %j is %s', (raw, canonical) => expect(canonicalIndustry(raw)).toBe(canonical));

  it.each([
    ['U.S.', 'US'],
    ['united states of america', 'US'],
    ['Great Britain', 'GB'],
    ['España', 'ES'],
    ['México', 'MX'],
    ['The Netherlands', 'NL'],
    ['Atlantis', 'other'],
  ])('country %j is %s', (raw, canonical) => expect(canonicalCountry(raw)).toBe(canonical));

  it.each([
    ['Google Ads', 'paid_search'],
    ['paid_search', 'paid_search'],
    ['Partner Referral', 'partner'],
    ['Trade Show', 'event'],
    ['3rd Party Content', 'content_syndication'],
    ['Purchased List', 'list_import'],
    ['Website', 'web'],
  ])('lead source %j is %s', (raw, canonical) => expect(canonicalLeadSource(raw)).toBe(canonical));

  it('tells free, corporate, education and broken email addresses apart', () => {
    expect(emailKind('jo@gmail.com')).toBe('free');
    expect(emailKind('jo@acme.io')).toBe('corporate');
    expect(emailKind('jo@cs.stanford.edu')).toBe('education');
    expect(emailKind('jo@ox.ac.uk')).toBe('education');
    expect(emailKind('not an email')).toBe('invalid');
    expect(emailKind(null)).toBeNull();
    expect(canonicalIndustry('')).toBeNull();
  });
});
