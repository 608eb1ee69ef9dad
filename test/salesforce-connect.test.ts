import { createVerify, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jwtBearerTokens, type SalesforceTokens } from '../connectors/salesforce/index.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/config/log.js';
import { loadVault } from '../src/config/secrets.js';
import { tenantId } from '../src/domain/index.js';
import { salesforceSession, withConnectionStatus } from '../src/crm/salesforce-connect.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { getConnection } from '../src/store/index.js';

/** Bodies below are shaped like Salesforce's documented OAuth 2.0 token and sObject Describe answers. */
const LOGIN = 'https://login.salesforce.com';
const INSTANCE = 'https://acme.my.salesforce.com';
const ORG = '00D5e000000AbCdEAF';
const USER = '0055e000001XyZaAAB';
const ADMIN = 'ls_sfadminkey01_abcdefghijklmnopqrstuvwxyz012345';
const env = {
  SALESFORCE_CLIENT_ID: '3MVG9test.client.id',
  SALESFORCE_CLIENT_SECRET: 'test-client-secret',
  PUBLIC_URL: 'http://localhost:3000',
};
const tokenAnswer = (accessToken: string, refresh = true) => ({
  access_token: accessToken,
  ...(refresh ? { refresh_token: '5Aep861TSESvWeug_refresh' } : {}),
  signature: 'CMJ4l+CCaPQiKjoOEwEig9H4wqhpuLSk4J2urAe+fVg=',
  scope: 'refresh_token api',
  instance_url: INSTANCE,
  id: `${LOGIN}/id/${ORG}/${USER}`,
  token_type: 'Bearer',
  issued_at: '1732262400000',
});
const describeAnswer = (name: string, fields: string[]) => ({
  name,
  label: name,
  fields: ['Id', 'Email', 'Company', ...fields].map((f) => ({ name: f, type: f === 'Id' ? 'id' : 'string', length: 255, updateable: f !== 'Id' })),
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-connect-'));
let server: RunningServer;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  const config = loadConfig({ DATA_DIR: dir, PORT: '0', DEMO_LEADS: '0', DEMO_TENANT: 'acme', LEADSCORE_BOOTSTRAP_API_KEY: ADMIN, LOG_LEVEL: 'error' });
  server = await startServer(config, createLogger('error', () => undefined), { env });
});
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(async () => {
  nock.enableNetConnect();
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const local = (p: string, headers: Record<string, string> = {}) => fetch(`${server.url.replace('localhost', '127.0.0.1')}${p}`, { headers, redirect: 'manual' });

async function authorize(environment = 'production', domain?: string): Promise<URL> {
  const res = await local(`/oauth/salesforce/start?environment=${environment}${domain ? `&domain=${domain}` : ''}`, { authorization: `Bearer ${ADMIN}`, accept: 'application/json' });
  expect(res.status).toBe(200);
  return new URL(((await res.json()) as { authorization_url: string }).authorization_url);
}

describe('Salesforce OAuth web server flow', () => {
  it('sends the admin to the consent page of the chosen login host with a signed state', async () => {
    const url = await authorize();
    expect(`${url.origin}${url.pathname}`).toBe(`${LOGIN}/services/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ response_type: 'code', client_id: env.SALESFORCE_CLIENT_ID, redirect_uri: 'http://localhost:3000/oauth/salesforce/callback', state: expect.stringMatching(/^[\w-]+\.[\w-]+$/) });
    expect((await authorize('sandbox')).origin).toBe('https://test.salesforce.com');
    expect((await authorize('mydomain', 'acme.my.salesforce.com')).origin).toBe(INSTANCE);
    const bad = await local('/oauth/salesforce/start?environment=mydomain&domain=evil.example.com', { authorization: `Bearer ${ADMIN}` });
    expect(bad.status).toBe(400);
    expect((await local('/oauth/salesforce/start')).status).toBe(401);
  });

  it('stores the tokens sealed, then reports exactly which Leadscore fields the org lacks', async () => {
    const state = (await authorize()).searchParams.get('state')!;
    nock(LOGIN)
      .post('/services/oauth2/token', (body: Record<string, string>) => body.grant_type === 'authorization_code' && body.code === 'aPrx4sgoM2Nd' && body.client_secret === env.SALESFORCE_CLIENT_SECRET)
      .reply(200, tokenAnswer('00D5e000000AbCd!AQ4AQ.first'));
    nock(INSTANCE, { reqheaders: { authorization: 'Bearer 00D5e000000AbCd!AQ4AQ.first' } })
      .get('/services/data/v62.0/sobjects/Lead/describe')
      .reply(200, describeAnswer('Lead', ['Leadscore_Score__c', 'Leadscore_Fit__c', 'Leadscore_Engagement__c', 'Leadscore_Grade__c', 'Leadscore_Tier__c', 'Leadscore_Reasons__c', 'Leadscore_Next_Action__c', 'Leadscore_Scored_At__c', 'Leadscore_Model_Version__c']))
      .get('/services/data/v62.0/sobjects/Contact/describe')
      .reply(200, describeAnswer('Contact', ['Leadscore_Score__c', 'Leadscore_Tier__c']));
    // The connecting user may not change metadata: the Metadata API faults the whole createMetadata call.
    // (The SOAP API carries the token in its SessionHeader, not in an Authorization header.)
    nock(INSTANCE)
      .post('/services/Soap/m/62.0', (body: string) => body.includes('<sessionId>00D5e000000AbCd!AQ4AQ.first</sessionId>') && (body.match(/<fullName>Contact\.Leadscore_/g) ?? []).length === 7)
      .reply(
        500,
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="http://soap.sforce.com/2006/04/metadata"><soapenv:Body><soapenv:Fault><faultcode>sf:INSUFFICIENT_ACCESS</faultcode><faultstring>INSUFFICIENT_ACCESS: insufficient access rights on cross-reference id</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>',
        { 'content-type': 'text/xml;charset=UTF-8' },
      );
    const res = await local(`/oauth/salesforce/callback?code=aPrx4sgoM2Nd&state=${encodeURIComponent(state)}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/Salesforce connected/);
    expect(html).toMatch(/Contact\.Leadscore_Fit__c<\/code>: .*INSUFFICIENT_ACCESS/);
    expect(html).not.toMatch(/Lead\.Leadscore_Fit__c/);

    const stored = (await getConnection(server.db, tenantId('acme'), `salesforce-${ORG}`))!;
    expect(stored).toMatchObject({ kind: 'salesforce', status: 'active', externalAccountId: ORG });
    expect(stored.settings.missingFields).toHaveLength(7);
    expect(stored.credentials!.toString('latin1')).not.toContain('AQ4AQ');
    const vault = loadVault(null, dir);
    expect(vault.open<SalesforceTokens>(stored.credentials!)).toMatchObject({ accessToken: '00D5e000000AbCd!AQ4AQ.first', refreshToken: '5Aep861TSESvWeug_refresh', instanceUrl: INSTANCE, orgId: ORG });
  });

  it('refuses a forged state and shows what Salesforce said when the admin declines', async () => {
    expect((await local('/oauth/salesforce/callback?code=x&state=eyJ0IjoiYWNtZSJ9.forged')).status).toBe(400);
    const declined = await local('/oauth/salesforce/callback?error=access_denied&error_description=end-user+denied+authorization');
    expect(declined.status).toBe(400);
    expect(await declined.text()).toMatch(/end-user denied authorization/);
  });
});

describe('Salesforce sessions', () => {
  const app = { loginUrl: LOGIN, clientId: env.SALESFORCE_CLIENT_ID, clientSecret: env.SALESFORCE_CLIENT_SECRET, redirectUri: 'http://localhost:3000/oauth/salesforce/callback' };
  const id = `salesforce-${ORG}`;

  it('renews an expired access token once on INVALID_SESSION_ID, retries the call, and stores the new token sealed', async () => {
    const vault = loadVault(null, dir);
    const session = await salesforceSession(server.db, vault, app, tenantId('acme'), id);
    nock(INSTANCE)
      .get('/services/data/v62.0/sobjects/Lead/describe')
      .reply(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    nock(LOGIN)
      .post('/services/oauth2/token', (body: Record<string, string>) => body.grant_type === 'refresh_token' && body.refresh_token === '5Aep861TSESvWeug_refresh')
      .reply(200, tokenAnswer('00D5e000000AbCd!AQ4AQ.second', false));
    nock(INSTANCE, { reqheaders: { authorization: 'Bearer 00D5e000000AbCd!AQ4AQ.second' } })
      .get('/services/data/v62.0/sobjects/Lead/describe')
      .reply(200, describeAnswer('Lead', []));
    const described = await session.get<{ name: string }>('/sobjects/Lead/describe');
    expect(described.name).toBe('Lead');
    await new Promise((r) => setTimeout(r, 50));
    const stored = (await getConnection(server.db, tenantId('acme'), id))!;
    expect(vault.open<SalesforceTokens>(stored.credentials!)).toMatchObject({ accessToken: '00D5e000000AbCd!AQ4AQ.second', refreshToken: '5Aep861TSESvWeug_refresh' });
  });

  it('renews the access token when it expires in the middle of a Bulk API results download, and asks for that page again', async () => {
    const vault = loadVault(null, dir);
    const session = await salesforceSession(server.db, vault, app, tenantId('acme'), id);
    const job = '750R0000000zlh9IAA';
    const base = '/services/data/v62.0/jobs/query';
    const info = (state: string) => ({ id: job, operation: 'query', object: 'Lead', state, contentType: 'CSV', apiVersion: 62.0, lineEnding: 'LF', columnDelimiter: 'COMMA' });
    const header = 'Id,CreatedDate,SystemModstamp';
    nock(INSTANCE, { reqheaders: { authorization: 'Bearer 00D5e000000AbCd!AQ4AQ.second' } })
      .post(base)
      .reply(200, info('UploadComplete'))
      .get(`${base}/${job}`)
      .reply(200, info('JobComplete'))
      .get(`${base}/${job}/results`)
      .reply(200, [header, '00Q5e00000DDDDDEA1,2026-10-01T09:00:00.000Z,2026-11-19T09:00:00.000Z', ''].join('\n'), { 'Content-Type': 'text/csv', 'Sforce-Locator': 'MTAwMDA' })
      // The token expired while the first page was read.
      .get(`${base}/${job}/results`)
      .query({ locator: 'MTAwMDA' })
      .reply(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    nock(LOGIN)
      .post('/services/oauth2/token', (body: Record<string, string>) => body.grant_type === 'refresh_token' && body.refresh_token === '5Aep861TSESvWeug_refresh')
      .reply(200, tokenAnswer('00D5e000000AbCd!AQ4AQ.third', false));
    nock(INSTANCE, { reqheaders: { authorization: 'Bearer 00D5e000000AbCd!AQ4AQ.third' } })
      .get(`${base}/${job}/results`)
      .query({ locator: 'MTAwMDA' })
      .reply(200, [header, '00Q5e00000EEEEEEA1,2026-10-02T09:00:00.000Z,2026-11-21T09:30:00.000Z', ''].join('\n'), { 'Content-Type': 'text/csv', 'Sforce-Locator': 'null' });
    const rows = [];
    for await (const row of await session.bulkQuery('SELECT Id, CreatedDate, SystemModstamp FROM Lead', { pollInterval: 10, pollTimeout: 5000 })) rows.push(row.Id);
    expect(rows).toEqual(['00Q5e00000DDDDDEA1', '00Q5e00000EEEEEEA1']);
    await new Promise((r) => setTimeout(r, 50));
    const stored = (await getConnection(server.db, tenantId('acme'), id))!;
    expect(vault.open<SalesforceTokens>(stored.credentials!)).toMatchObject({ accessToken: '00D5e000000AbCd!AQ4AQ.third', refreshToken: '5Aep861TSESvWeug_refresh' });
  });

  it('marks the connection as needing a reconnect when the refresh token was revoked', async () => {
    const vault = loadVault(null, dir);
    const session = await salesforceSession(server.db, vault, app, tenantId('acme'), id);
    nock(INSTANCE).get('/services/data/v62.0/sobjects/Lead/describe').reply(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    nock(LOGIN).post('/services/oauth2/token').reply(400, { error: 'invalid_grant', error_description: 'expired access/refresh token' });
    await expect(withConnectionStatus(server.db, tenantId('acme'), id, () => session.get('/sobjects/Lead/describe'))).rejects.toMatchObject({ code: 'CRM_AUTH_REVOKED' });
    expect((await getConnection(server.db, tenantId('acme'), id))!).toMatchObject({ status: 'needs_reconnect', settings: { lastError: expect.stringMatching(/refresh token/) } });
    await expect(salesforceSession(server.db, vault, app, tenantId('acme'), id)).rejects.toMatchObject({ code: 'CRM_AUTH_REVOKED' });
  });
});

describe('Salesforce JWT bearer flow', () => {
  it('signs an RS256 assertion for the configured user and audience, and reads the org from the answer', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const app = { loginUrl: LOGIN, clientId: env.SALESFORCE_CLIENT_ID, username: 'admin@acme.com', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    let assertion = '';
    nock(LOGIN)
      .post('/services/oauth2/token', (body: Record<string, string>) => {
        assertion = body.assertion ?? '';
        return body.grant_type === 'urn:ietf:params:oauth:grant-type:jwt-bearer';
      })
      .reply(200, tokenAnswer('00D5e000000AbCd!AQ4AQ.jwt', false));
    const tokens = await jwtBearerTokens(app, new Date('2026-11-22T12:00:00Z'));
    expect(tokens).toMatchObject({ accessToken: '00D5e000000AbCd!AQ4AQ.jwt', refreshToken: null, orgId: ORG, userId: USER, instanceUrl: INSTANCE });
    const [header, claims, signature] = assertion.split('.');
    expect(JSON.parse(Buffer.from(claims!, 'base64url').toString())).toEqual({ iss: env.SALESFORCE_CLIENT_ID, sub: 'admin@acme.com', aud: LOGIN, exp: 1795348800 + 180 });
    expect(createVerify('RSA-SHA256').update(`${header}.${claims}`).verify(publicKey, signature!, 'base64url')).toBe(true);
    await expect(jwtBearerTokens({ loginUrl: LOGIN, clientId: 'x' })).rejects.toMatchObject({ code: 'CRM_NOT_CONFIGURED' });
  });
});

describe('scheduled Salesforce sync', () => {
  it("runs on each tenant's sync schedule when Salesforce is configured", () => {
    const next = server.schedules!.nextRun(tenantId('acme'), 'sync')!;
    expect(next.getUTCMinutes() % 15).toBe(0);
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000);
  });
});
