import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli } from './helpers/cli.js';
import { contact, HUB, leadscoreProperties } from './helpers/hubspot.js';

/**
 * The compiled CLI against a small HubSpot stand-in on a loopback port, reached through
 * HUBSPOT_API_BASE exactly as an emulator would be. Answers follow HubSpot's documented shapes.
 */
const TOKEN = 'pat-na1-0c9f6a1e-7d2b-4f3a-9e8c-1b2a3c4d5e6f';
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-cli-'));
const requests: string[] = [];
let server: http.Server;
let base = '';

function answer(method: string, url: URL, auth: string | undefined): [number, unknown] {
  if (auth !== `Bearer ${TOKEN}`) return [401, { status: 'error', message: 'Authentication credentials not found.', correlationId: 'cli-1', category: 'INVALID_AUTHENTICATION' }];
  const route = `${method} ${url.pathname.replace(/^\/hs/, '')}`;
  if (route === 'GET /account-info/v3/details') return [200, { portalId: Number(HUB), accountType: 'STANDARD', timeZone: 'US/Eastern', companyCurrency: 'USD', additionalCurrencies: [], utcOffset: '-05:00', utcOffsetMilliseconds: -18000000, uiDomain: 'app.hubspot.com', dataHostingLocation: 'na1' }];
  if (route === 'GET /crm/v3/properties/contacts/groups/leadscore') return [200, { name: 'leadscore', label: 'Leadscore', displayOrder: -1, archived: false }];
  if (route === 'GET /crm/v3/properties/contacts') return [200, { results: leadscoreProperties().filter((p) => p.name !== 'leadscore_model_version') }];
  if (route === 'POST /crm/v3/properties/contacts/batch/create') return [201, { status: 'COMPLETE', results: [], startedAt: '2026-11-22T12:00:00.000Z', completedAt: '2026-11-22T12:00:00.100Z' }];
  if (route === 'GET /crm/v3/objects/contacts') {
    const recent = new Date(Date.now() - 86_400_000).toISOString();
    return [200, { results: [contact('301', { createdate: recent }), contact('302', { createdate: recent, email: null })] }];
  }
  if (method === 'POST' && url.pathname.endsWith('/search')) return [200, { total: 0, results: [] }];
  if (route === 'GET /email/public/v1/events') return [200, { hasMore: false, events: [] }];
  if (route === 'GET /events/v3/events') return [200, { results: [] }];
  return [404, { status: 'error', message: `no route ${route}`, correlationId: 'cli-404', category: 'OBJECT_NOT_FOUND' }];
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://127.0.0.1');
    requests.push(`${req.method} ${url.pathname}`);
    req.resume();
    req.on('end', () => {
      const [status, body] = answer(req.method!, url, req.headers.authorization);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hs`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(root, { recursive: true, force: true });
});

describe('leadscore connect hubspot / sync', () => {
  const env = () => cliEnv({ DATA_DIR: path.join(root, 'data'), DEMO_TENANT: '', HUBSPOT_API_BASE: base });

  it('connects a portal with a private app token, creating the missing property, then syncs it', async () => {
    const connected = await runCli(['connect', 'hubspot', '--tenant', 'acme', '--token', TOKEN], env());
    expect(connected.stderr).toBe('');
    expect(connected.code).toBe(0);
    expect(connected.stdout).toMatch(/Connected HubSpot portal 24108351 \(app\.hubspot\.com\) to tenant "acme" as hubspot-24108351\.\nCreated the contact properties leadscore_model_version\./);
    expect(requests).toContain('POST /hs/crm/v3/properties/contacts/batch/create');

    const synced = await runCli(['sync', '--tenant', 'acme', '--json'], env());
    expect(synced.code).toBe(0);
    expect(JSON.parse(synced.stdout)).toMatchObject({ tenant: 'acme', connections: [{ connectionId: 'hubspot-24108351', status: 'synced', streams: { leads: { inserted: 2 } }, rescored: { leads: 2 } }] });
    expect(requests.every((r) => r.startsWith('GET /hs/') || r.startsWith('POST /hs/'))).toBe(true);
  });

  it('says what is missing or refused, with the exit codes the README lists', async () => {
    const noToken = await runCli(['connect', 'hubspot', '--tenant', 'acme'], env());
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/needs a private app token: --token TOKEN or HUBSPOT_PRIVATE_APP_TOKEN/);
    const refused = await runCli(['connect', 'hubspot', '--tenant', 'acme', '--token', 'pat-na1-revoked'], env());
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(/HubSpot refused the account details request .*401 INVALID_AUTHENTICATION/);
    expect(refused.stderr).not.toMatch(/pat-na1-revoked/);
  });
});
