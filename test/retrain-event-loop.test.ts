import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBundleSource } from '../connectors/file/index.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/config/log.js';
import { tenantId } from '../src/domain/index.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { DEFAULT_SETTINGS, saveSettings } from '../src/settings/index.js';
import { importFromSource } from '../src/sync/index.js';
import { generateBundle } from '../src/synthetic/index.js';

/**
 * `npm start`'s setup: the embedded database, so the web process runs the retrain job itself.
 * Training runs in a worker thread, so the server answers while a tenant retrains.
 */
const ADMIN = 'ls_retrainloop1_abcdefghijklmnopqrstuvwxyz012345';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retrain-loop-'));
const tenant = tenantId('default');
let server: RunningServer;

beforeAll(async () => {
  const exportAt = new Date(Date.now() - 86_400_000);
  await generateBundle({ leads: 2500, seed: 11, outDir: path.join(dir, 'bundle'), exportAt });
  const config = loadConfig({ DATA_DIR: path.join(dir, 'data'), PORT: '0', DEMO_TENANT: '', LEADSCORE_BOOTSTRAP_API_KEY: ADMIN, LOG_LEVEL: 'error' });
  server = await startServer(config, createLogger('error', () => undefined));
  await importFromSource(server.db, tenant, new FileBundleSource({ dir: path.join(dir, 'bundle') }));
  await saveSettings(server.db, tenant, { ...DEFAULT_SETTINGS, learning: { ...DEFAULT_SETTINGS.learning, minOutcomes: 300, windowDays: 730 } }, 'test');
}, 240_000);
afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${ADMIN}` };
/** The training-thread figures of /metrics: trainings running now and ended so far. */
async function trainingMetrics(): Promise<{ running: number; finished: number }> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 'NaN');
  return { running: value('leadscore_model_trainings_running'), finished: value('leadscore_model_trainings_finished_total') };
}

describe('retraining in the embedded server', () => {
  it('answers /healthz while the retrain job trains, before the training ends', async () => {
    const before = await trainingMetrics();
    expect(before).toEqual({ running: 0, finished: 0 });
    expect((await fetch(`${server.url}/api/v1/models/retrain`, { method: 'POST', headers: auth })).status).toBe(202);
    // Wait until /metrics (served by this same event loop) sees the training thread running.
    let during = before;
    for (let i = 0; i < 1200 && during.running === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      during = await trainingMetrics();
      const versions = (await (await fetch(`${server.url}/api/v1/models`, { headers: auth })).json()) as { versions: Array<{ reason: string }> };
      if (during.running === 0 && versions.versions.length > 0) throw new Error(`the retrain ended without a training thread seen running: ${versions.versions[0]!.reason}`);
    }
    expect(during.running).toBe(1);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    // The same training is still running after /healthz answered: it answered during the training.
    expect(await trainingMetrics()).toEqual(during);

    // The retrain then ends on its own, with a model version and its reason.
    let versions: Array<{ version: string; status: string; reason: string }> = [];
    for (let i = 0; i < 2400; i++) {
      versions = ((await (await fetch(`${server.url}/api/v1/models`, { headers: auth })).json()) as { versions: typeof versions }).versions;
      if (versions[0] && !/being compared/.test(versions[0].reason)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(versions[0]).toMatchObject({ status: expect.stringMatching(/^(champion|challenger)$/) });
    expect(await trainingMetrics()).toMatchObject({ running: 0, finished: 2 });
  }, 300_000);
});
