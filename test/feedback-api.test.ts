import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/config/log.js';
import { tenantId } from '../src/domain/index.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { modelSetFiles } from '../src/learning/model-files.js';
import { readTrainingHistories } from '../src/learning/retrain.js';
import { trainModelSet } from '../src/model/model-set.js';
import { createApiKey, ensureTenant, insertModelVersion } from '../src/store/index.js';

const ADMIN = 'ls_testadmin002_abcdefghijklmnopqrstuvwxyz012345';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'feedback-api-'));
let server: RunningServer;
let readerKey: string;
let otherTenantKey: string;
let scoredLead: { id: string; composite: number; tier: string; model_version: string; reasons: Array<{ text: string }> };

const call = async (method: string, route: string, body?: unknown, key: string | null = ADMIN) => {
  const res = await fetch(`${server.url}/api/v1${route}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};

beforeAll(async () => {
  const config = loadConfig({ DATA_DIR: dir, PORT: '0', DEMO_LEADS: '400', DEMO_SEED: '5', LEADSCORE_BOOTSTRAP_API_KEY: ADMIN, LOG_LEVEL: 'warn' });
  server = await startServer(config, createLogger('warn', () => undefined));
  await server.jobs.idle();
  readerKey = (await createApiKey(server.db, tenantId('demo'), ['scores:read'], 'card')).key;
  await ensureTenant(server.db, tenantId('globex'), 'Globex');
  otherTenantKey = (await createApiKey(server.db, tenantId('globex'), ['admin'], 'other')).key;
  const [row] = await server.db.query<{ lead_id: string }>(
    `SELECT lead_id FROM scores WHERE tenant_id = 'demo' AND status = 'scored' AND jsonb_array_length(reasons) > 0 ORDER BY lead_id LIMIT 1`,
  );
  const score = (await call('GET', `/leads/file/${row!.lead_id}/score`, undefined, readerKey)).body.score;
  scoredLead = { id: row!.lead_id, ...score };
}, 240_000);
afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('POST /api/v1/leads/:source/:id/feedback', () => {
  it('answers 201 with the contract fields and stores the score and reasons of that moment', async () => {
    const res = await call('POST', `/leads/file/${scoredLead.id}/feedback`, { reason: 'too_high', comment: 'Student, not a buyer', user: 'dana' }, readerKey);
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['created_at', 'id', 'lead_id', 'reason']);
    expect(res.body).toMatchObject({ id: expect.any(String), lead_id: scoredLead.id, reason: 'too_high' });
    expect(new Date(res.body.created_at).toISOString()).toBe(res.body.created_at);
    // The stored score moves on; the feedback keeps what the rep saw.
    await server.db.query(`UPDATE scores SET composite = 1, tier = 'Nurture', reasons = '[]' WHERE tenant_id = 'demo' AND lead_id = $1`, [scoredLead.id]);
    const listed = await call('GET', `/feedback?lead_id=${encodeURIComponent(scoredLead.id)}`);
    expect(listed.status).toBe(200);
    expect(listed.body.feedback).toHaveLength(1);
    expect(listed.body.feedback[0]).toMatchObject({
      id: res.body.id,
      reason: 'too_high',
      comment: 'Student, not a buyer',
      user: 'dana',
      source: 'file',
      tier: scoredLead.tier,
      model_version: scoredLead.model_version,
      score: { composite: scoredLead.composite, tier: scoredLead.tier },
    });
    expect(listed.body.feedback[0].reasons.map((r: { text: string }) => r.text)).toEqual(scoredLead.reasons.map((r) => r.text));
  });

  it('answers 400 naming the field for a bad body, 404 for an unknown lead or source, 401/403 without the scope', async () => {
    const bad = await call('POST', `/leads/file/${scoredLead.id}/feedback`, { reason: 'looks_off' }, readerKey);
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'INVALID_REQUEST', issues: [{ field: 'reason' }] } } });
    const long = await call('POST', `/leads/file/${scoredLead.id}/feedback`, { reason: 'other', comment: 'x'.repeat(1001) }, readerKey);
    expect(long).toMatchObject({ status: 400, body: { error: { issues: [{ field: 'comment' }] } } });
    const extra = await call('POST', `/leads/file/${scoredLead.id}/feedback`, { reason: 'other', score: 3 }, readerKey);
    expect(extra.status).toBe(400);
    expect((await call('POST', `/leads/file/${scoredLead.id}/feedback`, { reason: 'other', user: 'u'.repeat(201) }, readerKey)).status).toBe(400);
    expect(await call('POST', '/leads/file/no-such-lead/feedback', { reason: 'other' }, readerKey)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect((await call('POST', `/leads/salesforce/${scoredLead.id}/feedback`, { reason: 'other' }, readerKey)).status).toBe(404);
    expect((await call('POST', `/leads/file/${scoredLead.id}/feedback`, { reason: 'other' }, null)).status).toBe(401);
    expect((await call('GET', '/feedback', undefined, readerKey)).status).toBe(403);
  });

  it("keeps tenants apart: another tenant's key neither reaches the lead nor lists the feedback", async () => {
    expect((await call('POST', `/leads/file/${scoredLead.id}/feedback`, { reason: 'too_low' }, otherTenantKey)).status).toBe(404);
    expect((await call('GET', '/feedback', undefined, otherTenantKey)).body.feedback).toEqual([]);
  });

  it('counts feedback per reason and segment', async () => {
    await call('POST', `/leads/file/${scoredLead.id}/feedback`, { reason: 'wrong_reasons' }, readerKey);
    const counts = await call('GET', '/feedback/counts?by=tier');
    expect(counts.status).toBe(200);
    expect(counts.body.counts).toEqual(
      expect.arrayContaining([
        { segment: scoredLead.tier, reason: 'too_high', count: 1 },
        { segment: 'Nurture', reason: 'wrong_reasons', count: 1 },
      ]),
    );
    expect((await call('GET', '/feedback/counts?by=colour')).status).toBe(400);
  });
});

describe('model versions API', () => {
  it('lists versions with the champion, queues a retrain that records why it could not train', async () => {
    expect(await call('GET', '/models')).toMatchObject({ status: 200, body: { champion: 'default', min_outcomes: 500, versions: [] } });
    const queued = await call('POST', '/models/retrain');
    expect(queued).toMatchObject({ status: 202, body: { status: 'queued', job_id: expect.any(String) } });
    let versions: Array<{ status: string; reason: string }> = [];
    for (let i = 0; i < 300 && versions.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      versions = (await call('GET', '/models')).body.versions;
    }
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^too few outcomes: \d+ in the last 365 days, the settings ask for at least 500/) });
    expect((await call('GET', '/models')).body.champion).toBe('default');
    expect((await call('POST', '/models/retrain', undefined, readerKey)).status).toBe(403);
  }, 120_000);

  it('promotes a stored version with the tier changes, rolls back with the reason in the audit log, and keeps tenants apart', async () => {
    const demo = tenantId('demo');
    const histories = await readTrainingHistories(server.db, demo, { from: new Date(0), to: new Date('2100-01-01T00:00:00Z') });
    const set = { ...trainModelSet(histories, { params: { maxTrees: 40, threads: 1 }, segments: 'off' }), version: 'api-test-1' };
    await insertModelVersion(server.db, demo, { version: set.version, status: 'challenger', trainingTo: new Date(set.training.to), outcomes: set.training.outcomes, reason: 'test', files: modelSetFiles(set, '# test\n') });

    expect((await call('POST', '/models/api-test-1/promote', {}, otherTenantKey)).status).toBe(404);
    const promoted = await call('POST', '/models/api-test-1/promote', { reason: 'looks better on Q2' });
    expect(promoted).toMatchObject({ status: 200, body: { version: 'api-test-1', previous: 'default', tier_changes: { open_leads: expect.any(Number), changed: expect.any(Number) } } });
    const listed = await call('GET', '/models');
    expect(listed.body.champion).toBe('api-test-1');
    expect(listed.body.versions.find((v: { version: string }) => v.version === 'api-test-1')).toMatchObject({ status: 'champion', reason: 'looks better on Q2', training: { outcomes: histories.length } });
    expect((await call('GET', '/models', undefined, otherTenantKey)).body).toMatchObject({ champion: 'default', versions: [] });
    // The API serves the champion from now on.
    await server.jobs.idle();
    expect((await call('GET', `/leads/file/${scoredLead.id}/score`, undefined, readerKey)).body.score.model_version).toBe('api-test-1');

    expect(await call('POST', '/models/api-test-1/promote', {})).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT', message: expect.stringMatching(/already the champion/) } } });
    expect((await call('POST', '/models/rollback', { version: 'no-such' })).status).toBe(404);
    expect((await call('POST', '/models/rollback', {})).body.error.issues[0].field).toBe('version');
    const back = await call('POST', '/models/rollback', { version: 'default', reason: 'reps saw odd reasons' });
    expect(back).toMatchObject({ status: 200, body: { version: 'default', previous: 'api-test-1' } });
    const audit = await call('GET', '/audit?action=model_rollback');
    expect(audit.body.entries[0]).toMatchObject({ record_id: 'model:default', note: 'reps saw odd reasons', before: { champion: 'api-test-1' }, outcome: 'rolled_back' });
    expect((await call('GET', '/audit?action=model_promotion')).body.entries[0]).toMatchObject({ record_id: 'model:api-test-1', note: 'looks better on Q2' });
    expect((await call('GET', '/models')).body.champion).toBe('default');
  }, 180_000);

  it('runs the live A/B split once settings enable it, reports both arms, and refuses a share above 0.5 naming the field', async () => {
    const current = (await call('GET', '/settings')).body.settings;
    const ab = (abTest: unknown) => ({ settings: { ...current, learning: { ...current.learning, abTest } } });
    expect(await call('PUT', '/settings', ab({ enabled: true, share: 0.7, writes: 'champion' }))).toMatchObject({
      status: 400,
      body: { error: { issues: [{ field: 'settings.learning.abTest.share', message: expect.stringMatching(/at most half/) }] } },
    });
    expect((await call('GET', '/models/ab-test')).body).toMatchObject({ challenger: null, champion_arm: null, settings: { enabled: false }, summary: expect.stringMatching(/No A\/B split has run/) });
    // The version rolled back above waits as the challenger again; the split scores a third of the open leads with it.
    await server.db.query(`UPDATE model_versions SET status = 'challenger' WHERE tenant_id = 'demo' AND version = 'api-test-1'`);
    expect((await call('PUT', '/settings', ab({ enabled: true, share: 0.3, writes: 'champion' }))).status).toBe(200);
    expect((await call('POST', '/rescore', { all: true })).status).toBe(202);
    await server.jobs.idle();
    const report = await call('GET', '/models/ab-test');
    expect(report).toMatchObject({ status: 200, body: { challenger: 'api-test-1', settings: { enabled: true, share: 0.3, writes: 'champion' }, champion_arm: { leads: expect.any(Number), outcomes: 0, auc: null } } });
    const { champion_arm: a, challenger_arm: b } = report.body;
    expect(b.leads / (a.leads + b.leads)).toBeGreaterThan(0.15);
    expect(b.leads / (a.leads + b.leads)).toBeLessThan(0.45);
    expect(report.body.summary).toMatch(/Not enough outcomes to compare yet/);
    expect(report.body.comparison).toBeNull();
    expect((await call('GET', '/models/ab-test?challenger=api-test-1')).body.challenger).toBe('api-test-1');
    expect((await call('GET', '/models/ab-test?challenger=nope')).status).toBe(404);
    expect((await call('GET', '/models/ab-test', undefined, readerKey)).status).toBe(403);
    expect((await call('GET', '/models/ab-test', undefined, otherTenantKey)).body.challenger).toBeNull();
    // The champion stays in force for what the API shows.
    expect((await call('GET', `/leads/file/${scoredLead.id}/score`, undefined, readerKey)).body.score.model_version).not.toBe('api-test-1');
    expect((await call('PUT', '/settings', ab({ enabled: false, share: 0.3, writes: 'champion' }))).status).toBe(200);
  }, 120_000);

  it('documents the model and feedback routes in the OpenAPI document', async () => {
    const doc = (await call('GET', '/openapi.json', undefined, null)).body;
    for (const p of ['/models', '/models/ab-test', '/models/retrain', '/models/{version}/promote', '/models/rollback', '/leads/{source}/{id}/feedback', '/feedback', '/feedback/counts']) expect(doc.paths[p]).toBeDefined();
    expect(doc.components.schemas.FeedbackRequest).toBeDefined();
    expect(doc.components.schemas.ModelList).toBeDefined();
    expect(doc.components.schemas.AbTestReport).toBeDefined();
  });
});
