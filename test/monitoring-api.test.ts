import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/config/log.js';
import { tenantId } from '../src/domain/index.js';
import { openApiDocument } from '../src/server/api/openapi.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { createApiKey, ensureTenant, insertAlerts } from '../src/store/index.js';

const ADMIN = 'ls_monitoradm01_abcdefghijklmnopqrstuvwxyz012345';
const SLACK = 'https://hooks.slack.com/services/T9/B9/topsecretpath';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'monitoring-api-'));
const logLines: string[] = [];
let server: RunningServer;
let otherKey: string;
let readerKey: string;

const call = async (method: string, route: string, body?: unknown, key: string = ADMIN) => {
  const res = await fetch(`${server.url}/api/v1${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};

beforeAll(async () => {
  const config = loadConfig({ DATA_DIR: dir, PORT: '0', DEMO_LEADS: '300', DEMO_SEED: '5', LEADSCORE_BOOTSTRAP_API_KEY: ADMIN, LOG_LEVEL: 'info' });
  server = await startServer(config, createLogger('info', (l) => logLines.push(l)));
  await server.jobs.idle();
  await ensureTenant(server.db, tenantId('globex'), 'Globex');
  otherKey = (await createApiKey(server.db, tenantId('globex'), ['admin'], 'other')).key;
  readerKey = (await createApiKey(server.db, tenantId('demo'), ['scores:read'], 'card')).key;
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('monitoring API', () => {
  it('needs the admin scope', async () => {
    expect((await call('GET', '/monitoring', undefined, readerKey)).status).toBe(403);
    expect((await call('GET', '/alerts', undefined, readerKey)).status).toBe(403);
    expect((await call('POST', '/monitoring/run', undefined, readerKey)).status).toBe(403);
  });

  it('has nothing before the first run, then queues a run whose report it lists', async () => {
    expect(await call('GET', '/monitoring')).toEqual({ status: 200, body: { latest: null, history: [] } });
    const run = await call('POST', '/monitoring/run');
    expect(run.status).toBe(202);
    expect(run.body).toEqual({ queued: true, job_id: expect.any(String) });
    let res = await call('GET', '/monitoring');
    // The job runs in the background (pg-boss polls every 2 s): wait for its report.
    for (let i = 0; i < 60 && res.body.history.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      res = await call('GET', '/monitoring');
    }
    expect(res.body.history).toHaveLength(1);
    expect(res.body.history[0]).toMatchObject({ accuracy_status: 'not_enough_outcomes', auc: null, ece: null });
    expect(res.body.latest.model.isDefault).toBe(true);
    expect(res.body.latest.accuracy.message).toMatch(/not enough outcomes yet/);
    expect((await call('GET', '/monitoring', undefined, otherKey)).body).toEqual({ latest: null, history: [] });
    expect((await call('GET', '/monitoring?limit=0')).status).toBe(400);
  });

  it('lists and acknowledges alerts of the key\'s tenant only', async () => {
    const [alert] = await insertAlerts(server.db, tenantId('demo'), '2026-07-01', [{ metric: 'feature_psi', subject: 'api_test_feature', figure: 0.4, threshold: 0.25, message: 'drifted', action: 'retrain' }], 'not_configured');
    const list = await call('GET', '/alerts');
    expect(list.status).toBe(200);
    expect(list.body.alerts.find((a: { id: number }) => a.id === alert!.id)).toMatchObject({ id: alert!.id, metric: 'feature_psi', subject: 'api_test_feature', figure: 0.4, threshold: 0.25, action: 'retrain', acknowledged_at: null, slack: { status: 'not_configured' } });
    expect((await call('GET', '/alerts', undefined, otherKey)).body).toEqual({ alerts: [] });
    expect((await call('POST', `/alerts/${alert!.id}/ack`, undefined, otherKey)).status).toBe(404);
    expect((await call('POST', '/alerts/abc/ack')).body.error.code).toBe('NOT_FOUND');
    const acked = await call('POST', `/alerts/${alert!.id}/ack`);
    expect(acked.status).toBe(200);
    expect(acked.body.acknowledged_by).toMatch(/^api-key:/);
    expect((await call('GET', '/alerts?open=true')).body.alerts.map((a: { id: number }) => a.id)).not.toContain(alert!.id);
    expect((await call('GET', '/alerts?open=maybe')).status).toBe(400);
  });

  it('takes alert thresholds and a Slack webhook in the settings, refuses a URL that is not one, and never logs it', async () => {
    const current = (await call('GET', '/settings')).body.settings;
    expect(current.monitoring).toMatchObject({ psi: 0.25, aucDrop: 0.05, calibrationError: 0.1, slackWebhookUrl: null });
    const bad = await call('PUT', '/settings', { settings: { ...current, monitoring: { ...current.monitoring, slackWebhookUrl: 'https://evil.example/hook' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].field).toBe('settings.monitoring.slackWebhookUrl');
    const good = await call('PUT', '/settings', { settings: { ...current, monitoring: { ...current.monitoring, psi: 0.3, slackWebhookUrl: SLACK } } });
    expect(good.status).toBe(200);
    expect(good.body.settings.monitoring.psi).toBe(0.3);
    expect(logLines.join('\n')).not.toContain('topsecretpath');
  });

  it('documents the routes in the OpenAPI document', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/monitoring', '/monitoring/run', '/alerts', '/alerts/{id}/ack']));
  });
});
