import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureV3 } from '../connectors/hubspot/index.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/config/log.js';
import { tenantId, type Lead } from '../src/domain/index.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { currentSettings, DEFAULT_SETTINGS, settingsHistory, type Settings } from '../src/settings/index.js';
import { ensureTenant, listFeedback, saveConnection, upsertLeads } from '../src/store/index.js';
import { CLIENT_ID, CLIENT_SECRET, HUB, PUBLIC_URL } from './helpers/hubspot.js';

/**
 * The card and settings page's calls as hubspot.fetch sends them: HubSpot appends userId,
 * userEmail, appId and portalId to the URL and signs (v3) the method, the public URI with that
 * query, the raw body and the timestamp with the app's client secret.
 */
const env = { HUBSPOT_CLIENT_ID: CLIENT_ID, HUBSPOT_CLIENT_SECRET: CLIENT_SECRET, PUBLIC_URL };
const acme = tenantId('acme');
const globex = tenantId('globex');
const GLOBEX_HUB = '24108399';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-ui-'));
let server: RunningServer;

interface CallOptions {
  portalId?: string;
  secret?: string;
  timestamp?: number;
  /** Change the URL after signing (what a forger would do). */
  tamperUrl?: (url: string) => string;
  user?: { id: string; email: string };
}

async function hs(method: string, route: string, body?: unknown, o: CallOptions = {}) {
  const user = o.user ?? { id: '7001', email: 'rev.ops@acme.example' };
  const url = `${route}${route.includes('?') ? '&' : '?'}userId=${user.id}&userEmail=${encodeURIComponent(user.email)}&appId=3104829&portalId=${o.portalId ?? HUB}`;
  const raw = body === undefined ? '' : JSON.stringify(body);
  const timestamp = String(o.timestamp ?? Date.now());
  // HubSpot signs the URI with %40 and the other listed escapes decoded.
  const signature = signatureV3(o.secret ?? CLIENT_SECRET, method, `${PUBLIC_URL}${url.replace(/%40/g, '@')}`, raw, timestamp);
  const sent = o.tamperUrl ? o.tamperUrl(url) : url;
  const res = await fetch(`${server.url}${sent}`, {
    method,
    headers: { 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp, ...(raw ? { 'content-type': 'application/json' } : {}) },
    ...(raw ? { body: raw } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const contact = (id: string, extra: Partial<Lead> = {}): Lead => ({
  id,
  createdAt: new Date(Date.now() - 10 * 86_400_000),
  email: `person${id}@initech.example`,
  firstName: 'Sam',
  lastName: `Lee${id}`,
  title: 'VP Sales',
  company: 'Initech',
  industry: 'Software',
  employees: 400,
  annualRevenue: null,
  country: 'US',
  leadSource: 'ORGANIC_SEARCH',
  attributes: {},
  ...extra,
});

const withTiers = (mins: [number, number]): Settings => ({
  ...DEFAULT_SETTINGS,
  tiers: {
    ...DEFAULT_SETTINGS.tiers,
    levels: [
      { name: 'Hot', min: mins[0], action: 'Call within 1 hour' },
      { name: 'Warm', min: mins[1], action: 'Follow up within 2 business days' },
      { name: 'Nurture', min: 0, action: 'Keep in a nurture sequence' },
    ],
  },
});

beforeAll(async () => {
  const config = loadConfig({ DATA_DIR: dir, PORT: '0', DEMO_LEADS: '300', DEMO_SEED: '5', DEMO_TENANT: 'acme', LOG_LEVEL: 'error' });
  server = await startServer(config, createLogger('error', () => undefined), { env });
  await server.jobs.idle();
  await saveConnection(server.db, acme, { id: `hubspot-${HUB}`, kind: 'hubspot', externalAccountId: HUB, status: 'active', settings: {}, credentials: null });
  await upsertLeads(server.db, acme, [contact('1001')], 'hubspot');
  await ensureTenant(server.db, globex, 'Globex');
  await saveConnection(server.db, globex, { id: `hubspot-${GLOBEX_HUB}`, kind: 'hubspot', externalAccountId: GLOBEX_HUB, status: 'active', settings: {}, credentials: null });
  await upsertLeads(server.db, globex, [contact('2002', { title: 'Intern' })], 'hubspot');
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('signed hubspot.fetch requests', () => {
  it('answers a well-signed card request with the contact score, its reasons, trend and the tier order', async () => {
    const res = await hs('GET', '/hubspot/ui/contacts/1001/score');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ source: 'hubspot', lead_id: '1001', tiers: ['Hot', 'Warm', 'Nurture'] });
    const s = res.body.score;
    expect(s).toMatchObject({ status: 'scored', lead_id: '1001', grade: expect.stringMatching(/^[A-D][1-4]$/), model_version: expect.any(String), next_action: expect.any(String) });
    expect(['Hot', 'Warm', 'Nurture']).toContain(s.tier);
    expect(s.probability).toBeGreaterThan(0);
    expect(s.reasons.length).toBeGreaterThan(0);
    expect(res.body.history).toEqual([expect.objectContaining({ status: 'scored', composite: s.composite, tier: s.tier })]);
  });

  it('says "not read yet" for a contact Leadscore has not synced', async () => {
    const res = await hs('GET', '/hubspot/ui/contacts/999/score');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ lead_id: '999', score: { status: 'not_scored', reason: expect.stringMatching(/not read this contact yet/) }, history: [] });
  });

  it('refuses a wrong secret, a tampered URL or body, a stale timestamp and an unsigned call with 401', async () => {
    expect((await hs('GET', '/hubspot/ui/contacts/1001/score', undefined, { secret: 'not-the-client-secret' })).status).toBe(401);
    // Signed for one portal, sent for another: the signature covers the query.
    const moved = await hs('GET', '/hubspot/ui/contacts/1001/score', undefined, { portalId: GLOBEX_HUB, tamperUrl: (u) => u.replace(GLOBEX_HUB, HUB) });
    expect(moved).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED', message: expect.stringMatching(/signature does not match/) } } });
    const stale = await hs('GET', '/hubspot/ui/contacts/1001/score', undefined, { timestamp: Date.now() - 5 * 60_000 - 5000 });
    expect(stale).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED', message: expect.stringMatching(/more than 5 minutes/) } } });
    const unsigned = await fetch(`${server.url}/hubspot/ui/contacts/1001/score?portalId=${HUB}`);
    expect(unsigned.status).toBe(401);
    // A save whose body was changed on the way is refused, and nothing is saved.
    const timestamp = String(Date.now());
    const url = `/hubspot/ui/settings?userId=7001&appId=3104829&portalId=${HUB}`;
    const body = JSON.stringify({ settings: withTiers([90, 40]) });
    const signature = signatureV3(CLIENT_SECRET, 'PUT', `${PUBLIC_URL}${url}`, body, timestamp);
    const forged = await fetch(`${server.url}${url}`, { method: 'PUT', headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp }, body: body.replace('90', '95') });
    expect(forged.status).toBe(401);
    expect((await currentSettings(server.db, acme)).version).toBe(0);
  });

  it('answers 404 with a clear message for a portal no tenant has connected, 400 without a portal id', async () => {
    const res = await hs('GET', '/hubspot/ui/settings', undefined, { portalId: '11111111' });
    expect(res).toMatchObject({ status: 404, body: { error: { code: 'PORTAL_NOT_CONNECTED', message: expect.stringMatching(/portal 11111111 is not connected to Leadscore/) } } });
    const noPortal = await hs('GET', '/hubspot/ui/settings', undefined, { portalId: 'abc' });
    expect(noPortal).toMatchObject({ status: 400, body: { error: { code: 'INVALID_REQUEST', issues: [{ field: 'portalId', message: expect.stringMatching(/not a HubSpot portal id/) }] } } });
  });

  it('keeps each portal inside its own tenant: contacts and settings of one are not reachable from the other', async () => {
    // Acme's contact asked through Globex's portal (and the other way round) is unknown there.
    expect((await hs('GET', '/hubspot/ui/contacts/1001/score', undefined, { portalId: GLOBEX_HUB })).body.score).toMatchObject({ status: 'not_scored', reason: expect.stringMatching(/not read/) });
    expect((await hs('GET', '/hubspot/ui/contacts/2002/score')).body.score).toMatchObject({ status: 'not_scored', reason: expect.stringMatching(/not read/) });
    expect((await hs('GET', '/hubspot/ui/contacts/2002/score', undefined, { portalId: GLOBEX_HUB })).status).toBe(200);
    // A save through Globex's portal changes Globex's settings only.
    const saved = await hs('PUT', '/hubspot/ui/settings', { settings: { ...withTiers([85, 45]), tiers: { ...withTiers([85, 45]).tiers, basis: 'score' } } }, { portalId: GLOBEX_HUB, user: { id: '8002', email: 'ops@globex.example' } });
    expect(saved.status).toBe(200);
    expect((await currentSettings(server.db, globex)).settings.tiers.levels[0]!.min).toBe(85);
    expect((await currentSettings(server.db, acme)).version).toBe(0);
    expect((await hs('POST', '/hubspot/ui/contacts/2002/feedback', { reason: 'too_high' })).status).toBe(404);
  });
});

describe('settings page', () => {
  it('reads the settings in force, previews a change per tier with historic conversion, and saves it as the HubSpot user', async () => {
    const read = await hs('GET', '/hubspot/ui/settings');
    expect(read).toMatchObject({ status: 200, body: { version: 0, settings: { tiers: { levels: [{ name: 'Hot' }, { name: 'Warm' }, { name: 'Nurture' }] } } } });

    const draft = withTiers([90, 40]);
    const preview = await hs('POST', '/hubspot/ui/settings/preview', { settings: draft });
    expect(preview.status).toBe(200);
    expect(preview.body.tiers.map((t: { name: string }) => t.name)).toEqual(['Hot', 'Warm', 'Nurture']);
    const open = preview.body.tiers.reduce((n: number, t: { open_leads: number }) => n + t.open_leads, 0);
    expect(open).toBe(preview.body.open_leads.scored);
    expect(preview.body.historical.leads).toBeGreaterThan(0);
    expect(preview.body.tiers.some((t: { historical_conversion_rate: number | null }) => t.historical_conversion_rate !== null)).toBe(true);
    expect((await currentSettings(server.db, acme)).version).toBe(0);

    const saved = await hs('PUT', '/hubspot/ui/settings', { settings: draft, expected_version: 0 });
    expect(saved).toMatchObject({ status: 200, body: { version: 1, changed_by: `hubspot-user:7001 (rev.ops@acme.example) in portal ${HUB}` } });
    expect(saved.body.changes).toEqual(expect.arrayContaining([{ field: 'tiers.levels[0].min', from: 80, to: 90 }]));
    expect((await settingsHistory(server.db, acme))[0]).toMatchObject({ version: 1, changedBy: expect.stringMatching(/^hubspot-user:7001/) });
    // A save based on an older version is refused rather than overwriting.
    expect(await hs('PUT', '/hubspot/ui/settings', { settings: withTiers([70, 30]), expected_version: 0 })).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
  });

  it('refuses tiers that do not go down with every message and its field, as the API does', async () => {
    const res = await hs('POST', '/hubspot/ui/settings/preview', { settings: withTiers([40, 60]) });
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual([{ field: 'settings.tiers.levels[1].min', message: expect.stringMatching(/60 is not below Hot's minimum of 40/) }]);
    expect((await hs('PUT', '/hubspot/ui/settings', { settings: withTiers([40, 60]) })).status).toBe(400);
  });

  it('validates routing rules with their field paths, simulates valid ones and saves them', async () => {
    const owners = [
      { id: 'ana', name: 'Ana Ruiz', crmUserId: '501' },
      { id: 'ben', name: 'Ben Okafor', crmUserId: '502' },
    ];
    const bad = await hs('POST', '/hubspot/ui/routing/validate', { routing: { score: 'composite', owners, fallbackOwner: 'ana', rules: [{ name: 'Hot', when: { tier: { equals: 'Scorching' } }, assign: { type: 'owner', owner: 'zoe' } }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues).toEqual(
      expect.arrayContaining([
        { field: 'settings.routing.rules[0].assign.owner', message: '"zoe" is not an owner in routing.owners' },
        { field: 'settings.routing.rules[0].when.tier.equals', message: expect.stringMatching(/"Scorching" is not a tier/) },
      ]),
    );
    const routing = { score: 'composite', owners, fallbackOwner: 'ana', rules: [{ name: 'Everyone', assign: { type: 'round_robin', owners: ['ana', 'ben'] } }] };
    const ok = await hs('POST', '/hubspot/ui/routing/validate', { routing, days: 366 });
    expect(ok.status).toBe(200);
    const sim = ok.body.simulation;
    // The replay POST /api/v1/routing/simulate gives: the past year's arrivals with their first scores.
    expect(Date.parse(sim.to) - Date.parse(sim.from)).toBe(366 * 86_400_000);
    expect(sim.leads).toBeGreaterThan(0);
    expect(sim.per_owner.map((o: { owner: string }) => o.owner)).toEqual(['ana', 'ben']);
    expect(sim.per_owner[0].leads + sim.per_owner[1].leads).toBe(sim.assigned + sim.fallback);
    expect(Math.abs(sim.per_owner[0].leads - sim.per_owner[1].leads)).toBeLessThanOrEqual(1);

    const version = (await currentSettings(server.db, acme)).version;
    const saved = await hs('PUT', '/hubspot/ui/routing', { routing, expected_version: version });
    expect(saved).toMatchObject({ status: 200, body: { version: version + 1, settings: { routing: { rules: [{ name: 'Everyone' }] } } } });
  });
});

describe('score feedback from the card', () => {
  it('checks the reason, then stores the feedback with the score of that moment, naming the HubSpot user', async () => {
    expect(await hs('POST', '/hubspot/ui/contacts/1001/feedback', { reason: 'too_spicy' })).toMatchObject({ status: 400, body: { error: { issues: [{ field: 'reason' }] } } });
    expect(await hs('POST', '/hubspot/ui/contacts/1001/feedback', { reason: 'too_high', comment: 'x'.repeat(1001) })).toMatchObject({ status: 400, body: { error: { issues: [{ field: 'comment' }] } } });
    const sent = await hs('POST', '/hubspot/ui/contacts/1001/feedback', { reason: 'too_high', comment: 'Student, not a buyer' });
    expect(sent).toMatchObject({ status: 201, body: { id: expect.any(String), lead_id: '1001', reason: 'too_high', created_at: expect.any(String) } });
    const [stored] = await listFeedback(server.db, acme, { leadId: '1001' });
    expect(stored).toMatchObject({ reason: 'too_high', comment: 'Student, not a buyer', user: expect.stringMatching(/^hubspot-user:/) });
  });
});
