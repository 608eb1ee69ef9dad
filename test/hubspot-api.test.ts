import nock from 'nock';
import { z } from 'zod';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SEARCH_RATE, HubSpotApi, hubspotAppFromEnv, PortalLimiter, type HubSpotTokens } from '../connectors/hubspot/index.js';
import { API, app, CLIENT_ID, CLIENT_SECRET, HUB, privateTokens, testApi, virtualClock } from './helpers/hubspot.js';

/** Error bodies below are HubSpot's documented error shape: {status, message, correlationId, category}. */
const oauthTokens = (expiresInMs: number): HubSpotTokens => ({
  mode: 'oauth',
  accessToken: 'CJSP5qf1LRICAQEYs-gDIIGOBii1_first',
  refreshToken: '6f18f21e-a743-4509-b7fd-1a5e632fffa1',
  expiresAt: new Date(Date.now() + expiresInMs).toISOString(),
  hubId: HUB,
  hubDomain: 'acme.hubspot.com',
  scopes: ['oauth', 'crm.objects.contacts.read'],
});
const tokenAnswer = (access: string) => ({ token_type: 'bearer', refresh_token: '6f18f21e-a743-4509-b7fd-1a5e632fffa1', access_token: access, expires_in: 1800 });
const account = { portalId: Number(HUB), accountType: 'STANDARD', timeZone: 'US/Eastern', companyCurrency: 'USD', additionalCurrencies: [], utcOffset: '-05:00', utcOffsetMilliseconds: -18000000, uiDomain: 'app.hubspot.com', dataHostingLocation: 'na1' };

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe('HubSpot settings', () => {
  it('reads the configuration contract from the environment and names the variable at fault', () => {
    expect(hubspotAppFromEnv({})).toMatchObject({ apiBase: 'https://api.hubapi.com', rate: { requests: 110, perMs: 10_000 } });
    expect(hubspotAppFromEnv({ HUBSPOT_API_BASE: 'http://127.0.0.1:9999/hubspot/', PUBLIC_URL: 'https://ls.example.com/', HUBSPOT_CLIENT_ID: 'id', HUBSPOT_CLIENT_SECRET: 's', HUBSPOT_RATE_LIMIT: '100/10s' })).toMatchObject({
      apiBase: 'http://127.0.0.1:9999/hubspot',
      publicUrl: 'https://ls.example.com',
      rate: { requests: 100, perMs: 10_000 },
    });
    expect(() => hubspotAppFromEnv({ HUBSPOT_API_BASE: 'http://api.example.com' })).toThrow(/HUBSPOT_API_BASE: must be an https URL/);
    expect(() => hubspotAppFromEnv({ HUBSPOT_CLIENT_ID: 'id' })).toThrow(/HUBSPOT_CLIENT_SECRET: is required with HUBSPOT_CLIENT_ID/);
    expect(() => hubspotAppFromEnv({ HUBSPOT_RATE_LIMIT: 'lots' })).toThrow(/HUBSPOT_RATE_LIMIT: expected requests per window/);
  });
});

describe('HubSpotApi', () => {
  it('sends every call to HUBSPOT_API_BASE with the bearer token', async () => {
    const base = 'http://127.0.0.1:8911/emulator';
    const api = new HubSpotApi({ ...app, apiBase: base }, privateTokens, () => undefined, { limiter: new PortalLimiter(app.rate, DEFAULT_SEARCH_RATE, virtualClock()) });
    nock('http://127.0.0.1:8911', { reqheaders: { authorization: `Bearer ${privateTokens.accessToken}` } }).get('/emulator/account-info/v3/details').reply(200, account);
    expect(await api.request('the account details', { method: 'GET', path: '/account-info/v3/details' }, z.object({ portalId: z.number() }))).toEqual({ portalId: Number(HUB) });
  });

  it('renews an OAuth access token before it expires (form body to /oauth/v1/token) and hands the new tokens over', async () => {
    const stored: HubSpotTokens[] = [];
    const api = testApi(oauthTokens(60_000), { onRefresh: (t) => void stored.push(t) });
    nock(API)
      .post('/oauth/v1/token', (body: Record<string, string>) => body.grant_type === 'refresh_token' && body.refresh_token === '6f18f21e-a743-4509-b7fd-1a5e632fffa1' && body.client_id === CLIENT_ID && body.client_secret === CLIENT_SECRET)
      .matchHeader('content-type', /application\/x-www-form-urlencoded/)
      .reply(200, tokenAnswer('CJSP5qf1LRICAQEYs-gDIIGOBii1_second'));
    nock(API, { reqheaders: { authorization: 'Bearer CJSP5qf1LRICAQEYs-gDIIGOBii1_second' } }).get('/account-info/v3/details').twice().reply(200, account);
    await api.send('the account details', { method: 'GET', path: '/account-info/v3/details' });
    await api.send('the account details', { method: 'GET', path: '/account-info/v3/details' });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ accessToken: 'CJSP5qf1LRICAQEYs-gDIIGOBii1_second', refreshToken: '6f18f21e-a743-4509-b7fd-1a5e632fffa1' });
    expect(Date.parse(stored[0]!.expiresAt!) - Date.now()).toBeGreaterThan(1700_000);
  });

  it('renews once on a 401, and says the app was uninstalled when the refresh token itself is refused', async () => {
    const api = testApi(oauthTokens(20 * 60_000));
    nock(API)
      .get('/account-info/v3/details')
      .reply(401, { status: 'error', message: 'The OAuth token used to make this call expired 1 minute(s) ago.', correlationId: 'a43683b0-5717-4ceb-80b4-104d02915d8c', category: 'EXPIRED_AUTHENTICATION' });
    nock(API).post('/oauth/v1/token').reply(400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or unknown refresh token', correlationId: 'b6a8e9f2-0c4d-4b1a-8e7f-3d2c1b0a9f8e' });
    await expect(api.send('the account details', { method: 'GET', path: '/account-info/v3/details' })).rejects.toMatchObject({ name: 'HubSpotGrantRevokedError', code: 'CRM_AUTH_REVOKED', message: expect.stringMatching(/refresh token.*uninstalled or its access revoked.*install it again/) });
  });

  it('a private app token that stops working means a reconnect, not a retry', async () => {
    nock(API).get('/account-info/v3/details').reply(401, { status: 'error', message: 'Authentication credentials not found.', correlationId: 'c1', category: 'INVALID_AUTHENTICATION' });
    await expect(testApi().send('the account details', { method: 'GET', path: '/account-info/v3/details' })).rejects.toMatchObject({ code: 'CRM_AUTH_REVOKED', message: expect.stringMatching(/GET \/account-info\/v3\/details.*INVALID_AUTHENTICATION.*connect the portal again/) });
  });

  it('waits out a 429 as Retry-After asks and pauses the portal meanwhile; gives up with CRM_LIMIT_REACHED', async () => {
    const clock = virtualClock();
    const limited = { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: 'd1', policyName: 'TEN_SECONDLY_ROLLING' };
    nock(API).get('/account-info/v3/details').reply(429, limited, { 'Retry-After': '3' }).get('/account-info/v3/details').reply(200, account);
    await testApi(undefined, { clock }).send('the account details', { method: 'GET', path: '/account-info/v3/details' });
    expect(clock.slept).toBe(3000);

    nock(API).get('/account-info/v3/details').times(3).reply(429, limited, { 'Retry-After': '1' });
    await expect(testApi(undefined, { clock, maxRetries: 2 }).send('the account details', { method: 'GET', path: '/account-info/v3/details' })).rejects.toMatchObject({ code: 'CRM_LIMIT_REACHED', message: expect.stringMatching(/TEN_SECONDLY_ROLLING/) });

    // The daily allowance does not come back in seconds: no retry at all.
    nock(API).get('/account-info/v3/details').once().reply(429, { ...limited, message: 'You have reached your daily limit.', policyName: 'DAILY' });
    await expect(testApi(undefined, { clock }).send('the account details', { method: 'GET', path: '/account-info/v3/details' })).rejects.toMatchObject({ code: 'CRM_LIMIT_REACHED', message: expect.stringMatching(/DAILY/) });
  });

  it('sends a request again when a kept-alive socket was closed under it, and names the call when HubSpot is unreachable', async () => {
    nock(API).get('/account-info/v3/details').replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })).get('/account-info/v3/details').reply(200, account);
    await testApi().send('the account details', { method: 'GET', path: '/account-info/v3/details' });
    nock(API).get('/account-info/v3/details').replyWithError(Object.assign(new Error('getaddrinfo ENOTFOUND api.hubapi.com'), { code: 'ENOTFOUND' }));
    await expect(testApi().send('the account details', { method: 'GET', path: '/account-info/v3/details' })).rejects.toMatchObject({ code: 'CRM_REQUEST_FAILED', message: expect.stringMatching(/did not answer the account details \(GET \/account-info\/v3\/details\): .*ENOTFOUND/) });
  });

  it('names the missing scopes of a 403 and the field of an unexpected answer', async () => {
    nock(API)
      .post('/crm/v3/objects/emails/search')
      .reply(403, { status: 'error', message: "This app hasn't been granted all required scopes to make this call.", correlationId: 'e1', errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: ['sales-email-read'] } }], category: 'MISSING_SCOPES' });
    await expect(testApi().send('the emails search', { method: 'POST', path: '/crm/v3/objects/emails/search', body: {}, search: true })).rejects.toMatchObject({ code: 'CRM_AUTH_FAILED', message: expect.stringMatching(/MISSING_SCOPES.*sales-email-read/) });
    nock(API).get('/account-info/v3/details').reply(200, { portalId: 'not a number' });
    await expect(testApi().request('the account details', { method: 'GET', path: '/account-info/v3/details' }, z.object({ portalId: z.number() }))).rejects.toMatchObject({ code: 'CRM_REQUEST_FAILED', message: expect.stringMatching(/GET \/account-info\/v3\/details\) with an unexpected body: portalId/) });
  });

  it('keeps to 110 requests in any 10 seconds per portal', async () => {
    const clock = virtualClock();
    const starts: number[] = [];
    const api = testApi(undefined, { clock, onCall: () => starts.push(clock.now()) });
    nock(API).get('/account-info/v3/details').times(330).reply(200, account);
    for (let i = 0; i < 330; i++) await api.send('the account details', { method: 'GET', path: '/account-info/v3/details' });
    const busiest = Math.max(...starts.map((t) => starts.filter((s) => s >= t && s < t + 10_000).length));
    expect(busiest).toBe(110);
    expect(clock.slept).toBeGreaterThanOrEqual(20_000);
  });
});
