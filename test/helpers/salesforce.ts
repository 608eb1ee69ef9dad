import { openSession, type SalesforceSession } from '../../connectors/salesforce/index.js';

/**
 * Shared Salesforce fixtures for the nock suites. Records are shaped like the REST query resource
 * (v62.0): an `attributes` object with type and url, then the selected fields.
 */
export const LOGIN = 'https://login.salesforce.com';
export const INSTANCE = 'https://acme.my.salesforce.com';
export const V = '/services/data/v62.0';
export const ORG = '00D5e000000AbCdEAF';
export const USER = '0055e000001XyZaAAB';

export const tokens = { accessToken: 'tok', refreshToken: null, instanceUrl: INSTANCE, loginUrl: LOGIN, orgId: ORG, userId: USER, issuedAt: '0' };

/** A session straight from tokens (no refresh), for suites that only read or write. */
export function testSession(options: { maxApiShare?: number } = {}): SalesforceSession {
  return openSession({ loginUrl: LOGIN, clientId: 'id' }, tokens, () => undefined, options);
}

export const record = (type: string, fields: Record<string, unknown>) => ({ attributes: { type, url: `${V}/sobjects/${type}/${String(fields.Id)}` }, ...fields });

/** A Lead as a REST query returns it; `fields` override the defaults. */
export const leadRecord = (id: string, fields: Record<string, unknown> = {}) =>
  record('Lead', {
    Id: id,
    CreatedDate: '2026-10-01T09:00:00.000+0000',
    Email: `${id.toLowerCase()}@globex.com`,
    FirstName: 'Dana',
    LastName: 'Lee',
    Title: 'VP Operations',
    Company: 'Globex',
    Industry: 'Manufacturing',
    NumberOfEmployees: 800,
    AnnualRevenue: 120000000,
    Country: 'US',
    LeadSource: 'Web',
    SystemModstamp: '2026-11-20T10:00:00.000+0000',
    ...fields,
  });

export const emptyQuery = { totalSize: 0, done: true, records: [] };

/** A nock query matcher on the SOQL text of `?q=`. */
export const soql = (pattern: RegExp) => (q: Record<string, string | string[] | undefined>) => pattern.test(String(q.q ?? ''));
