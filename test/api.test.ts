import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/config/log.js';
import { tenantId } from '../src/domain/index.js';
import { OPERATIONS } from '../src/server/api/openapi.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { DEFAULT_SETTINGS } from '../src/settings/index.js';
import { createApiKey, ensureTenant } from '../src/store/index.js';
import { CsvReader } from '../connectors/file/index.js';

const ADMIN = 'ls_testadmin001_abcdefghijklmnopqrstuvwxyz012345';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-test-'));
const logLines: string[] = [];
let server: RunningServer;
let base: string;
let readerKey: string;
let otherTenantKey: string;

const call = async (method: string, route: string, body?: unknown, key: string | null = ADMIN, raw?: string) => {
  const res = await fetch(`${base}/api/v1${route}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
};

const lead = {
  id: 'form-1',
  email: 'dana@globex-industries.com',
  title: 'VP of Operations',
  company: 'Globex Industries',
  industry: 'Manufacturing',
  employees: 800,
  country: 'US',
  lead_source: 'webinar',
  created_at: '2026-06-01T09:00:00Z',
};
const activities = [
  { type: 'pricing_page_view', occurred_at: '2026-06-27T10:00:00Z' },
  { type: 'Pricing Page View', occurred_at: '2026-06-28T10:00:00Z' },
  { type: 'demo_request', occurred_at: '2026-06-29T15:00:00Z', channel: 'web' },
];

beforeAll(async () => {
  const config = loadConfig({ DATA_DIR: dir, PORT: '0', DEMO_LEADS: '500', DEMO_SEED: '3', LEADSCORE_BOOTSTRAP_API_KEY: ADMIN, LOG_LEVEL: 'info' });
  server = await startServer(config, createLogger('info', (l) => logLines.push(l)));
  base = server.url;
  await server.jobs.idle();
  readerKey = (await createApiKey(server.db, tenantId('demo'), ['scores:read'], 'card')).key;
  await ensureTenant(server.db, tenantId('globex'), 'Globex');
  otherTenantKey = (await createApiKey(server.db, tenantId('globex'), ['admin'], 'other')).key;
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('API keys', () => {
  it('refuses requests without a valid key and keys without the scope, as JSON', async () => {
    expect(await call('GET', '/settings', undefined, null)).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect((await call('GET', '/settings', undefined, 'ls_testadmin001_wrongwrongwrongwrongwrong')).status).toBe(401);
    expect((await call('GET', '/settings', undefined, 'not-a-key')).status).toBe(401);
    expect(await call('GET', '/settings', undefined, readerKey)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN', message: expect.stringMatching(/"admin" scope/) } } });
    expect((await call('POST', '/score', { lead }, readerKey)).status).toBe(403);
  });

  it('answers every documented route (401 without a key, never 404)', async () => {
    for (const op of OPERATIONS) {
      const route = op.path.replace('{source}', 'file').replace('{id}', 'x');
      expect({ route, status: (await call(op.method.toUpperCase(), route, op.body ? {} : undefined, null)).status }).toEqual({ route, status: 401 });
    }
  });
});

describe('POST /api/v1/score', () => {
  it('scores a lead with reasons, grade, tier, next action and model version, storing nothing', async () => {
    const res = await call('POST', '/score', { lead, activities, as_of: '2026-06-30T00:00:00Z' });
    expect(res.status).toBe(200);
    const s = res.body;
    expect(s).toMatchObject({ status: 'scored', lead_id: 'form-1', grade: expect.stringMatching(/^[A-D][1-4]$/), model_version: expect.any(String), feature_spec_version: expect.stringMatching(/^lf-1/) });
    expect(s.composite).toBeCloseTo(s.probability * 100, 0);
    expect(['Hot', 'Warm', 'Nurture']).toContain(s.tier);
    expect(s.reasons.length).toBeGreaterThan(0);
    expect(s.reasons[0]).toEqual({ text: expect.any(String), weight: expect.any(Number), direction: expect.stringMatching(/positive|negative/), feature: expect.any(String) });
    expect(s.reasons.some((r: { text: string }) => /demo/i.test(r.text))).toBe(true);
    expect(s.next_action).toMatch(/^(Call within 1 hour|Follow up within 2 business days|Keep in a nurture sequence)/);
    const stored = await server.db.query(`SELECT 1 FROM leads WHERE lead_id = 'form-1'`);
    expect(stored).toHaveLength(0);
  });

  it('ignores activity after as_of, and scores more engaged leads higher', async () => {
    const asOf = '2026-06-26T00:00:00Z';
    const without = await call('POST', '/score', { lead, activities: [], as_of: asOf });
    const later = await call('POST', '/score', { lead, activities, as_of: asOf });
    expect(later.body.composite).toBe(without.body.composite);
    const engaged = await call('POST', '/score', { lead, activities, as_of: '2026-06-30T00:00:00Z' });
    expect(engaged.body.engagement).toBeGreaterThan(without.body.engagement);
  });

  it('says a lead with nothing known cannot be scored yet', async () => {
    const res = await call('POST', '/score', { lead: { first_name: 'Ann' } });
    expect(res).toMatchObject({ status: 200, body: { status: 'not_scored', reason: expect.stringMatching(/too little data/) } });
  });

  it('answers bad input with a 4xx naming the field', async () => {
    expect(await call('POST', '/score', undefined, ADMIN, '{"lead": {')).toMatchObject({ status: 400, body: { error: { code: 'MALFORMED_JSON' } } });
    expect(await call('POST', '/score', { lead: { ...lead, employees: 'many' } })).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_REQUEST', issues: [{ field: 'lead.employees' }] } },
    });
    const unknown = await call('POST', '/score', { lead: { ...lead, favourite_colour: 'red' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/lead.*favourite_colour/);
    expect((await call('POST', '/score', { lead, activities: [{ type: 'x', occurred_at: 'yesterday' }] })).body.error.issues[0].field).toBe('activities[0].occurred_at');
    expect((await call('POST', '/score', { lead, activities: [{ type: '!!!', occurred_at: '2026-06-01T00:00:00Z' }] })).body.error.issues[0].field).toBe('activities[0].type');
    const huge = await call('POST', '/score', { lead, activities: Array.from({ length: 4000 }, () => ({ type: 'page_view', occurred_at: '2026-06-01T00:00:00Z', detail: 'x'.repeat(60) })) });
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'BODY_TOO_LARGE' } } });
  });
});

describe('GET /api/v1/leads/:source/:id/score', () => {
  it("returns a stored lead's score and history, only to its own tenant", async () => {
    const [row] = await server.db.query<{ lead_id: string }>(
      `SELECT l.lead_id FROM leads l JOIN scores s USING (tenant_id, lead_id) WHERE l.tenant_id = 'demo' AND s.status = 'scored' LIMIT 1`,
    );
    const id = row!.lead_id;
    const res = await call('GET', `/leads/file/${id}/score`, undefined, readerKey);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ source: 'file', lead_id: id, score: { status: 'scored', lead_id: id } });
    expect(res.body.history.length).toBeGreaterThanOrEqual(1);
    expect(res.body.history[0].composite).toBe(res.body.score.composite);
    expect((await call('GET', `/leads/salesforce/${id}/score`, undefined, readerKey)).status).toBe(404);
    expect(await call('GET', `/leads/file/${id}/score`, undefined, otherTenantKey)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });
});

describe('settings', () => {
  it('saves versions, refuses bad ones naming the field while the old stay in force, previews and restores', async () => {
    const first = await call('GET', '/settings');
    expect(first.body).toMatchObject({ version: 0, settings: DEFAULT_SETTINGS });

    const overlapping = structuredClone(DEFAULT_SETTINGS);
    overlapping.tiers.levels[1]!.min = 85;
    const refused = await call('PUT', '/settings', { settings: overlapping });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'INVALID_REQUEST', issues: [{ field: 'settings.tiers.levels[1].min' }] } } });
    expect((await call('GET', '/settings')).body.version).toBe(0);

    const strict = structuredClone(DEFAULT_SETTINGS);
    strict.tiers.levels[0]!.min = 90;
    const preview = await call('POST', '/settings/preview', { settings: strict });
    expect(preview.status).toBe(200);
    const tiers = preview.body.tiers as Array<{ name: string; open_leads: number; historical_leads: number; historical_conversion_rate: number | null }>;
    expect(tiers.map((t) => t.name)).toEqual(['Hot', 'Warm', 'Nurture']);
    expect(tiers.reduce((a, t) => a + t.open_leads, 0)).toBe(preview.body.open_leads.scored);
    expect(tiers.reduce((a, t) => a + t.historical_leads, 0)).toBe(preview.body.historical.leads);
    expect(preview.body.historical.leads).toBeGreaterThan(100);
    // Hotter tiers converted more often.
    expect(tiers[0]!.historical_conversion_rate!).toBeGreaterThan(tiers[2]!.historical_conversion_rate!);

    const saved = await call('PUT', '/settings', { settings: strict, expected_version: 0 });
    expect(saved).toMatchObject({ status: 200, body: { version: 1, changed_by: expect.stringMatching(/^api-key:testadmin001/), changes: [{ field: 'tiers.levels[0].min', from: 80, to: 90 }] } });
    expect((await call('PUT', '/settings', { settings: DEFAULT_SETTINGS, expected_version: 0 })).status).toBe(409);
    const history = await call('GET', '/settings/history');
    expect(history.body.versions.map((v: { version: number }) => v.version)).toEqual([1]);
    const restored = await call('POST', '/settings/restore', { version: 0 });
    expect(restored.body).toMatchObject({ version: 2, restored_from: 0, settings: DEFAULT_SETTINGS });
    // Another tenant never sees these.
    expect((await call('GET', '/settings', undefined, otherTenantKey)).body.version).toBe(0);
  });
});

describe('scheduled rescoring', () => {
  it("follows each tenant's rescore schedule and time zone as soon as settings are saved", async () => {
    const demo = tenantId('demo');
    const hourly = server.schedules!.nextRun(demo, 'rescore')!;
    expect(hourly.getUTCMinutes()).toBe(0);
    const every5 = structuredClone(DEFAULT_SETTINGS);
    every5.schedules = { ...every5.schedules, rescore: '30 6 * * *', timezone: 'America/New_York' };
    const current = (await call('GET', '/settings')).body.version;
    expect((await call('PUT', '/settings', { settings: every5, expected_version: current })).status).toBe(200);
    const next = server.schedules!.nextRun(demo, 'rescore')!;
    const local = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', minute: 'numeric', hour12: false }).format(next);
    expect(local).toBe('06:30');
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
    await call('POST', '/settings/restore', { version: 0 });
    expect(server.schedules!.nextRun(demo, 'rescore')!.getUTCMinutes()).toBe(0);
  });
});

describe('rescoring jobs', () => {
  it('runs a rescore in the background and reports it by job id, to its tenant only', async () => {
    const started = await call('POST', '/rescore', { all: true });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ kind: 'rescore', status: 'queued' });
    await server.jobs.idle();
    const job = await call('GET', `/jobs/${started.body.id}`);
    expect(job.body).toMatchObject({ status: 'succeeded', result: { leads: expect.any(Number) } });
    expect(job.body.result.leads).toBeGreaterThan(20);
    expect((await call('GET', `/jobs/${started.body.id}`, undefined, otherTenantKey)).status).toBe(404);
    expect((await call('POST', '/rescore', { all: false })).status).toBe(400);
    expect((await call('POST', '/rescore', { leads: [] })).status).toBe(400);
  });
});

describe('writeback on the embedded default', () => {
  it("writes the demo tenant's scores to out/demo/field-updates.csv through the job queue, each audited", async () => {
    const file = path.join(dir, 'out', 'demo', 'field-updates.csv');
    const waiting = async () => (await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE tenant_id = 'demo' AND sent_at IS NULL AND failed_at IS NULL`))[0]!.n;
    for (let i = 0; i < 150 && (!fs.existsSync(file) || (await waiting()) > 0); i++) await new Promise((r) => setTimeout(r, 200));
    expect(await waiting()).toBe(0);
    const reader = new CsvReader();
    const records = [...reader.push(fs.readFileSync(file, 'utf8')), ...reader.end()].flatMap((item) => (item.kind === 'record' ? [item.fields] : []));
    expect(records[0]!.join(',')).toBe('lead_id,score_version,written_at,composite,fit,engagement,grade,tier,reasons,next_action,scored_at,model_version');
    const sent = (await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE tenant_id = 'demo' AND sent_at IS NOT NULL AND superseded_by IS NULL`))[0]!.n;
    expect(sent).toBeGreaterThan(0);
    expect(records.length - 1).toBe(sent);
    const row = Object.fromEntries(records[0]!.map((name, i) => [name, records[1]![i]]));
    expect(row).toMatchObject({ score_version: expect.stringMatching(/^\d+$/), tier: expect.stringMatching(/^(Hot|Warm|Nurture)$/), grade: expect.stringMatching(/^[A-D][1-4]$/) });
    expect(Number(row.composite)).toBeGreaterThanOrEqual(0);
    const audit = await call('GET', '/audit?action=field_write&limit=5');
    expect(audit.body.entries).toHaveLength(5);
    expect(audit.body.entries[0]).toMatchObject({ connection_id: 'file', outcome: 'written', cause: expect.stringMatching(/^score \d+$/), after: { tier: expect.any(String) } });
  }, 40_000);
});

describe('writeback dead letters and audit', () => {
  it('lists dead letters with their reason, retries them (retiring ones a newer score replaced), and pages the audit log by filter', async () => {
    const demo = tenantId('demo');
    const [a, b] = await server.db.query<{ lead_id: string }>(`SELECT lead_id FROM leads WHERE tenant_id = 'demo' ORDER BY lead_id LIMIT 2`);
    await server.db.query(`DELETE FROM outbox WHERE tenant_id = 'demo'`);
    const insert = async (lead: string, state: 'failed' | 'sent') =>
      Number(
        (
          await server.db.query<{ outbox_id: string }>(
            `INSERT INTO outbox (tenant_id, lead_id, kind, payload, ${state === 'failed' ? 'failed_at, last_error' : 'sent_at'}) VALUES ($1, $2, 'score', '{"composite": 42}', now()${state === 'failed' ? `, 'FIELD_CUSTOM_VALIDATION_EXCEPTION: tier is not allowed'` : ''}) RETURNING outbox_id`,
            [demo, lead],
          )
        )[0]!.outbox_id,
      );
    const deadA = await insert(a!.lead_id, 'failed');
    const deadB = await insert(b!.lead_id, 'failed');
    await insert(b!.lead_id, 'sent'); // a newer score of b was written since
    const list = await call('GET', '/writeback/dead-letters?limit=1');
    expect(list.status).toBe(200);
    expect(list.body.dead_letters).toEqual([expect.objectContaining({ id: deadB, lead_id: b!.lead_id, reason: 'FIELD_CUSTOM_VALIDATION_EXCEPTION: tier is not allowed', values: { composite: 42 } })]);
    expect((await call('GET', `/writeback/dead-letters?limit=1&before=${list.body.next_before}`)).body.dead_letters[0].id).toBe(deadA);
    expect(await call('GET', '/writeback/dead-letters?limit=0')).toMatchObject({ status: 400, body: { error: { message: expect.stringMatching(/^limit/) } } });
    expect((await call('GET', '/writeback/dead-letters', undefined, otherTenantKey)).body.dead_letters).toEqual([]);

    expect(await call('POST', '/writeback/dead-letters/retry', { all: true })).toMatchObject({ status: 200, body: { requeued: [deadA], superseded: [deadB] } });
    expect((await call('GET', '/writeback/dead-letters')).body.dead_letters).toEqual([]);
    expect((await call('POST', '/writeback/dead-letters/retry', { ids: [] })).status).toBe(400);

    const audit = await call('GET', '/audit?action=dead_letter_retry');
    expect(audit.body.entries).toEqual([expect.objectContaining({ action: 'dead_letter_retry', record_id: String(deadA), outcome: 'requeued', cause: expect.stringMatching(/^requested by /) })]);
    expect(await call('GET', '/audit?action=nonsense')).toMatchObject({ status: 400, body: { error: { message: expect.stringMatching(/^action/) } } });
    expect(await call('GET', '/audit?from=yesterday')).toMatchObject({ status: 400, body: { error: { message: expect.stringMatching(/^from/) } } });
    expect((await call('GET', '/audit', undefined, otherTenantKey)).body.entries).toEqual([]);
  });
});

describe('POST /api/v1/routing/simulate', () => {
  const draft = (weights: [number, number]) => ({
    ...DEFAULT_SETTINGS,
    routing: {
      score: 'composite',
      owners: [
        { id: 'ana', name: 'Ana', crmUserId: '005A' },
        { id: 'ben', name: 'Ben', crmUserId: '005B' },
        { id: 'queue', name: 'Queue', crmUserId: '00GQ', kind: 'queue' },
      ],
      fallbackOwner: 'queue',
      rules: [{ name: 'Everyone', assign: { type: 'weighted', owners: [{ owner: 'ana', weight: weights[0] }, { owner: 'ben', weight: weights[1] }] } }],
    },
  });

  it('replays a past period through draft rules with each lead as scored on arrival, and changes nothing', async () => {
    const [range] = await server.db.query<{ first: Date; last: Date; n: number }>(
      `SELECT min(created_at) AS first, max(created_at) AS last, count(*)::int AS n FROM leads WHERE tenant_id = 'demo' AND created_at >= now() - interval '300 days'`,
    );
    const from = range!.first.toISOString();
    const to = new Date(range!.last.getTime() + 1).toISOString();
    const res = await call('POST', '/routing/simulate', { settings: draft([70, 30]), from, to });
    expect(res.status).toBe(200);
    const n = range!.n;
    expect(n).toBeGreaterThan(20);
    expect(res.body).toMatchObject({ leads: n, assigned: n, fallback: 0, unassigned: 0, no_rule: 0, truncated: false, hot_tier: DEFAULT_SETTINGS.tiers.levels[0]!.name });
    const byOwner = Object.fromEntries(res.body.per_owner.map((o: { owner: string; leads: number }) => [o.owner, o.leads]));
    expect(Math.abs(byOwner.ana - 0.7 * n)).toBeLessThanOrEqual(1);
    expect(byOwner.ana + byOwner.ben).toBe(n);
    expect(res.body.rotations[0].members).toEqual([
      expect.objectContaining({ owner: 'ana', expected_share: 0.7 }),
      expect.objectContaining({ owner: 'ben', expected_share: 0.3 }),
    ]);
    // Hot leads are the leads whose first score was in the top tier.
    const [hot] = await server.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM leads l JOIN LATERAL (SELECT tier FROM score_history h WHERE h.tenant_id = l.tenant_id AND h.lead_id = l.lead_id ORDER BY scored_at LIMIT 1) f ON true
        WHERE l.tenant_id = 'demo' AND l.created_at >= $1 AND l.created_at < $2 AND f.tier = $3`,
      [from, to, DEFAULT_SETTINGS.tiers.levels[0]!.name],
    );
    expect(res.body.per_owner.reduce((a: number, o: { hot_leads: number }) => a + o.hot_leads, 0)).toBe(hot!.n);
    const [stored] = await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM routing_assignments WHERE tenant_id = 'demo'`);
    expect(stored!.n).toBe(0);
    // Another account sees none of these leads.
    expect((await call('POST', '/routing/simulate', { settings: draft([70, 30]), from, to }, otherTenantKey)).body.leads).toBe(0);
  });

  it('refuses a draft that would not save, and a backwards or too long period, naming the field', async () => {
    const bad = await call('POST', '/routing/simulate', { settings: draft([70, 20]), from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' });
    expect(bad).toMatchObject({ status: 400, body: { error: { issues: [expect.objectContaining({ field: 'settings.routing.rules[0].assign.owners', message: 'weights add up to 90, not 100' })] } } });
    expect(await call('POST', '/routing/simulate', { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' })).toMatchObject({ status: 400, body: { error: { issues: [{ field: 'from' }] } } });
    expect(await call('POST', '/routing/simulate', { from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' })).toMatchObject({ status: 400, body: { error: { issues: [{ field: 'to' }] } } });
    expect((await call('POST', '/routing/simulate', { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' }, readerKey)).status).toBe(403);
  });
});

describe('operations', () => {
  it('serves the OpenAPI document, health, readiness and metrics, and logs requests without secrets', async () => {
    const doc = await call('GET', '/openapi.json', undefined, null);
    expect(doc.body.openapi).toBe('3.1.0');
    for (const op of OPERATIONS) expect(doc.body.paths[op.path][op.method]).toBeDefined();
    expect(doc.body.components.schemas.ScoreRequest.required).toContain('lead');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: true, model: true } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/leadscore_scores_computed_total\{path="api"\} [1-9]/);
    expect(metrics).toMatch(/leadscore_http_request_duration_seconds_bucket\{.*route="\/api\/v1\/score"/);
    expect(metrics).toMatch(/leadscore_queue_depth\{queue="outbox"\} \d+/);
    const requests = logLines.map((l) => JSON.parse(l)).filter((l) => l.message === 'request');
    expect(requests.length).toBeGreaterThan(10);
    expect(requests[0]).toMatchObject({ requestId: expect.any(String), method: expect.any(String), status: expect.any(Number) });
    expect(logLines.join('\n')).not.toContain('abcdefghijklmnopqrstuvwxyz012345');
    expect(logLines.join('\n')).not.toContain('dana@globex');
  });
});
