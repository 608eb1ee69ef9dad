import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { actionFor, signatureV3, signedUri, verifySignatureV3, WebhookBatchSchema } from '../connectors/hubspot/index.js';
import { CLIENT_SECRET, PUBLIC_URL } from './helpers/hubspot.js';

/**
 * Vectors from HubSpot's documented v3 formula: base64(HMAC-SHA256(client secret, method + URI +
 * body + timestamp)). The expected value was computed once, independently, with Node's crypto and
 * with @hubspot/api-client's own Signature.getSignature, which agree.
 */
const BODY =
  '[{"eventId":100,"subscriptionId":2845117,"portalId":24108351,"appId":3104829,"occurredAt":1795348790000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":1001,"changeFlag":"CREATED","changeSource":"CRM_UI","sourceId":"userId:71829304"}]';
const URI = `${PUBLIC_URL}/webhooks/hubspot`;
const TIMESTAMP = '1795348800000';
const EXPECTED = 'VRLv4+bP4+PvdfO0E/1kkOmS7GniLKdcb9QetEpPU8c=';
const NOW = Number(TIMESTAMP) + 2_000;
const request = (overrides: Partial<Parameters<typeof verifySignatureV3>[1]> = {}) => ({ method: 'POST', uri: URI, rawBody: BODY, signature: EXPECTED, timestamp: TIMESTAMP, ...overrides });

describe('HubSpot webhook signature v3', () => {
  it('computes the documented signature', () => {
    expect(signatureV3(CLIENT_SECRET, 'POST', URI, BODY, TIMESTAMP)).toBe(EXPECTED);
    expect(createHmac('sha256', CLIENT_SECRET).update(`POST${URI}${BODY}${TIMESTAMP}`).digest('base64')).toBe(EXPECTED);
  });

  it('accepts the valid request', () => {
    expect(verifySignatureV3(CLIENT_SECRET, request(), NOW)).toEqual({ ok: true });
  });

  it('refuses a tampered body, a wrong secret, another URI or method, and a missing header', () => {
    expect(verifySignatureV3(CLIENT_SECRET, request({ rawBody: BODY.replace('"objectId":1001', '"objectId":1002') }), NOW)).toEqual({ ok: false, reason: 'the signature does not match this request and the app secret' });
    expect(verifySignatureV3('0d3c61-not-the-secret', request(), NOW)).toMatchObject({ ok: false });
    expect(verifySignatureV3(CLIENT_SECRET, request({ uri: 'https://evil.example.com/webhooks/hubspot' }), NOW)).toMatchObject({ ok: false });
    expect(verifySignatureV3(CLIENT_SECRET, request({ method: 'PUT' }), NOW)).toMatchObject({ ok: false });
    expect(verifySignatureV3(CLIENT_SECRET, request({ signature: undefined }), NOW)).toMatchObject({ ok: false, reason: expect.stringMatching(/header is missing/) });
    expect(verifySignatureV3(CLIENT_SECRET, request({ signature: 'short' }), NOW)).toMatchObject({ ok: false });
  });

  it('refuses a stale timestamp (a replay of a captured request) and one far in the future', () => {
    expect(verifySignatureV3(CLIENT_SECRET, request(), Number(TIMESTAMP) + 5 * 60_000 + 1)).toMatchObject({ ok: false, reason: expect.stringMatching(/more than 5 minutes/) });
    // A replay with a fresh timestamp but the old signature does not match.
    const fresh = String(Number(TIMESTAMP) + 6 * 60_000);
    expect(verifySignatureV3(CLIENT_SECRET, request({ timestamp: fresh }), Number(fresh))).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match/) });
    expect(verifySignatureV3(CLIENT_SECRET, request(), Number(TIMESTAMP) - 6 * 60_000)).toMatchObject({ ok: false });
    expect(verifySignatureV3(CLIENT_SECRET, request({ timestamp: 'yesterday' }), NOW)).toMatchObject({ ok: false });
  });

  it('rebuilds the signed URI from PUBLIC_URL, decoding the characters HubSpot decodes', () => {
    expect(signedUri('https://leadscore.example.com/', '/webhooks/hubspot')).toBe(URI);
    expect(signedUri(PUBLIC_URL, '/webhooks/hubspot?source=app%3Aleadscore%2Cv3&x=%20')).toBe(`${PUBLIC_URL}/webhooks/hubspot?source=app:leadscore,v3&x=%20`);
  });
});

describe('HubSpot webhook events', () => {
  it('parses a batch and says what each event asks for', () => {
    const [event] = WebhookBatchSchema.parse(JSON.parse(BODY));
    expect(event).toMatchObject({ eventId: '100', portalId: '24108351', objectId: '1001', subscriptionType: 'contact.creation' });
    const base = { eventId: '1', portalId: '24108351', occurredAt: 1 };
    expect(actionFor(event!)).toEqual({ action: 'refresh', contactIds: ['1001'] });
    expect(actionFor({ ...base, subscriptionType: 'contact.propertyChange', objectId: '7', propertyName: 'jobtitle', propertyValue: 'CFO' })).toEqual({ action: 'refresh', contactIds: ['7'] });
    expect(actionFor({ ...base, subscriptionType: 'object.creation', objectTypeId: '0-1', objectId: '8' })).toEqual({ action: 'refresh', contactIds: ['8'] });
    expect(actionFor({ ...base, subscriptionType: 'contact.deletion', objectId: '9' })).toEqual({ action: 'delete', contactIds: ['9'] });
    expect(actionFor({ ...base, subscriptionType: 'contact.privacyDeletion', objectId: '10' })).toEqual({ action: 'privacy_delete', contactIds: ['10'] });
    expect(actionFor({ ...base, subscriptionType: 'contact.merge', objectId: '11', primaryObjectId: '11', mergedObjectIds: ['11', '12'] })).toEqual({ action: 'merge', keep: '11', removed: ['12'] });
    expect(actionFor({ ...base, subscriptionType: 'deal.creation', objectId: '13' })).toMatchObject({ action: 'unknown', why: expect.stringMatching(/deal.creation/) });
    expect(actionFor({ ...base, subscriptionType: 'object.creation', objectTypeId: '0-3', objectId: '14' })).toMatchObject({ action: 'unknown' });
  });
});
