import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileBundleSource } from '../connectors/file/index.js';
import { tenantId, type LeadHistory } from '../src/domain/index.js';
import { submitFeedback } from '../src/learning/feedback.js';
import type { FeedbackCheck } from '../src/learning/feedback-check.js';
import { PromotionError, promoteVersion } from '../src/learning/promote.js';
import { modelSetFiles } from '../src/learning/model-files.js';
import { ChampionModelSource } from '../src/learning/model-source.js';
import { readTrainingHistories, retrainTenant } from '../src/learning/retrain.js';
import { modelSetFilesInThread, trainModelSetInThread, trainWorkerFile } from '../src/learning/train-thread.js';
import { NotEnoughDataError } from '../src/model/training-set.js';
import { trainModelSet } from '../src/model/model-set.js';
import { featureImportance, loadDashboardData, renderDashboard } from '../src/server/dashboard/index.js';
import { FolderModelSource, SHIPPED_DEFAULT_MODEL } from '../src/scoring/model-source.js';
import { DEFAULT_SETTINGS, saveSettings, type Settings } from '../src/settings/index.js';
import { ensureTenant, getChampion, getModelVersion, insertModelVersion, listModelVersions, queryAudit, readModelFiles, type Database } from '../src/store/index.js';
import { importFromSource } from '../src/sync/index.js';
import { generateBundle } from '../src/synthetic/index.js';
import { openTestDatabase } from './helpers/db.js';

const acme = tenantId('acme');
const globex = tenantId('globex');
const NOW = new Date('2026-06-30T00:00:00Z');
const PARAMS = { maxTrees: 80, threads: 1 };
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'learning-retrain-'));
let db: Database;
let models: ChampionModelSource;
let histories: LeadHistory[];

const withLearning = (learning: Partial<Settings['learning']>): Settings => ({ ...DEFAULT_SETTINGS, learning: { ...DEFAULT_SETTINGS.learning, windowDays: 730, ...learning } });

/** A model that learnt nothing (labels shuffled), stored as a version trained up to `trainedTo`. */
async function storeNoiseModel(name: string, trainedTo: Date): Promise<string> {
  let s = 7;
  const random = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const shuffled = histories.filter((h) => h.outcome!.outcomeAt <= trainedTo).map((h) => ({ ...h, outcome: { ...h.outcome!, converted: random() < 0.15 } }));
  const set = { ...trainModelSet(shuffled, { params: PARAMS, now: trainedTo, segments: 'off' }), version: name };
  await insertModelVersion(db, acme, {
    version: name,
    status: 'retired',
    trainingFrom: new Date(set.training.from),
    trainingTo: trainedTo,
    outcomes: set.training.outcomes,
    dataHash: set.training.dataHash,
    reason: 'test: a model without skill',
    files: modelSetFiles(set, '# test model\n'),
  });
  return name;
}

beforeAll(async () => {
  const bundle = path.join(work, 'bundle');
  await generateBundle({ leads: 2500, seed: 11, outDir: bundle });
  db = await openTestDatabase();
  await ensureTenant(db, acme, 'Acme');
  await ensureTenant(db, globex, 'Globex');
  await importFromSource(db, acme, new FileBundleSource({ dir: bundle }));
  histories = await readTrainingHistories(db, acme, { from: new Date(0), to: NOW });
}, 300_000);
afterAll(async () => {
  await models?.close();
  await db?.close();
  fs.rmSync(work, { recursive: true, force: true });
});
beforeEach(async () => {
  // Every test starts with no model versions (the shipped default in force) and a fresh cache.
  await models?.close();
  await db.query(`DELETE FROM model_versions`);
  await db.query(`DROP TRIGGER IF EXISTS fail_promotion ON audit_log`);
  models = new ChampionModelSource({ db, cacheDir: fs.mkdtempSync(path.join(work, 'cache-')), fallback: new FolderModelSource({ defaultDir: SHIPPED_DEFAULT_MODEL, tenantsDir: null }) });
  await saveSettings(db, acme, withLearning({}), 'test');
});

describe('retraining', () => {
  it('refuses too few outcomes, records why, and keeps the champion', async () => {
    await saveSettings(db, acme, withLearning({ minOutcomes: 1_000_000 }), 'test');
    const result = await retrainTenant(db, models, acme, { now: NOW, params: PARAMS });
    expect(result).toMatchObject({ status: 'failed', champion: 'default' });
    expect(result.reason).toMatch(/too few outcomes: \d+ in the last 730 days, the settings ask for at least 1000000.*the champion default stays in force/);
    expect(await getModelVersion(db, acme, result.version)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/too few outcomes/) });
    expect(await getChampion(db, acme)).toBeNull();
  });

  it('refuses a recent window of a single class and keeps the champion', async () => {
    const cutoff = histories[Math.floor(histories.length * 0.75)]!.outcome!.outcomeAt;
    await db.query(`CREATE TEMP TABLE saved_outcomes AS SELECT lead_id, converted FROM outcomes WHERE tenant_id = $1`, [acme]);
    try {
      await db.query(`UPDATE outcomes SET converted = false WHERE tenant_id = $1 AND outcome_at > $2`, [acme, cutoff]);
      const result = await retrainTenant(db, models, acme, { now: NOW, params: PARAMS });
      expect(result.status).toBe('failed');
      expect(result.reason).toMatch(/single class: of the newest \d+ outcomes none converted/);
      expect(await getChampion(db, acme)).toBeNull();
    } finally {
      await db.query(`UPDATE outcomes o SET converted = s.converted FROM saved_outcomes s WHERE o.tenant_id = $1 AND o.lead_id = s.lead_id`, [acme]);
      await db.query(`DROP TABLE saved_outcomes`);
    }
  });

  it('keeps a challenger that does not beat the champion by the margin, and promotes one that does', async () => {
    // Against the shipped default (trained on data like this), no challenger gains 0.2 AUC.
    await saveSettings(db, acme, withLearning({ promotionMargin: 0.2 }), 'test');
    // Reps flagged three leads; the two "too high / too low" ones are scored by both models.
    const [a, b, c] = histories.slice(-3).map((h) => h.lead.id);
    await submitFeedback(db, acme, 'file', a!, { reason: 'too_high' });
    await submitFeedback(db, acme, 'file', b!, { reason: 'too_low' });
    await submitFeedback(db, acme, 'file', c!, { reason: 'wrong_reasons' });
    const kept = await retrainTenant(db, models, acme, { now: NOW, params: PARAMS });
    const check = ((await getModelVersion(db, acme, kept.version))!.evaluation as { feedback: FeedbackCheck }).feedback;
    expect(check.flagged).toBe(2);
    expect(check.items.map((i) => [i.leadId, i.reason]).sort()).toEqual([[a, 'too_high'], [b, 'too_low']].sort());
    const asked = (i: FeedbackCheck['items'][number]) => (i.challenger - i.champion) * (i.reason === 'too_high' ? -1 : 1);
    expect(check.movedAsAsked).toBe(check.items.filter((i) => asked(i) >= 1).length);
    expect(check.movedAgainst).toBe(check.items.filter((i) => asked(i) <= -1).length);
    expect(kept.status).toBe('kept_as_challenger');
    expect(kept.champion).toBe('default');
    expect(kept.comparison!.auc.difference).toBeLessThan(0.2);
    expect(kept.comparison!.auc.ci95[0]).toBeLessThanOrEqual(kept.comparison!.auc.difference);
    expect(kept.comparison!.auc.ci95[1]).toBeGreaterThanOrEqual(kept.comparison!.auc.difference);
    expect(kept.reason).toMatch(/kept as challenger: .*gain of at least 0\.2000/);
    expect(await getChampion(db, acme)).toBeNull();
    expect(await getModelVersion(db, acme, kept.version)).toMatchObject({ status: 'challenger', reason: kept.reason });

    // Against a champion without skill, a margin of 0.02 is won; the comparison uses only outcomes after its training window.
    const trainedTo = histories[Math.floor(histories.length * 0.7)]!.outcome!.outcomeAt;
    const noise = await storeNoiseModel('noise-1', trainedTo);
    await promoteVersion(db, models, acme, noise, { action: 'model_promotion', reason: 'test', actor: 'test', now: NOW });
    await saveSettings(db, acme, withLearning({ promotionMargin: 0.02 }), 'test');
    const won = await retrainTenant(db, models, acme, { now: new Date(NOW.getTime() + 1000), params: PARAMS });
    expect(won.status).toBe('promoted');
    expect(won.champion).toBe('noise-1');
    expect(won.comparison!.auc.difference).toBeGreaterThanOrEqual(0.02);
    expect(won.comparison!.auc.ci95[0]).toBeGreaterThan(0);
    const evaluation = (await getModelVersion(db, acme, won.version))!.evaluation as { holdout: { from: string } };
    expect(new Date(evaluation.holdout.from).getTime()).toBeGreaterThan(trainedTo.getTime());
    expect((await getChampion(db, acme))!.version).toBe(won.version);
    expect(await getModelVersion(db, acme, 'noise-1')).toMatchObject({ status: 'retired' });
    expect((await models.forTenant(acme))!.manifest.version).toBe(won.version);
    // The model card says how many outcomes a tenant needs before its own models score.
    const card = (await readModelFiles(db, acme, won.version)).find((f) => f.name === 'MODEL_CARD.md')!;
    expect(Buffer.from(card.bytes).toString('utf8')).toMatch(/shipped default model until it has at least \*\*500 outcomes\*\*/);
    const [audit] = await queryAudit(db, acme, { action: 'model_promotion', limit: 1 });
    expect(audit).toMatchObject({ recordId: `model:${won.version}`, before: { champion: 'noise-1' }, after: { champion: won.version }, outcome: 'promoted', note: expect.stringMatching(/^promoted: AUC/) });

    // Tier sizes stay put with percentile tiers: each model's own score distribution sets its cut-offs.
    const t = won.tierChanges!;
    const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    expect(total(t.before)).toBe(t.openLeads);
    expect(total(t.after)).toBe(t.openLeads);
    expect(t.changed).toBeGreaterThan(0);
    expect(Math.abs((t.after.Hot ?? 0) - (t.before.Hot ?? 0)) / t.openLeads).toBeLessThan(0.1);
    expect((audit!.after as { tierChanges: { changed: number } }).tierChanges.changed).toBe(t.changed);
  }, 300_000);

  it('rolls back to any earlier version or to the default, with the reason in the audit log', async () => {
    const trainedTo = histories[Math.floor(histories.length * 0.7)]!.outcome!.outcomeAt;
    const a = await storeNoiseModel('noise-a', trainedTo);
    const b = await storeNoiseModel('noise-b', trainedTo);
    await promoteVersion(db, models, acme, a, { action: 'model_promotion', reason: 'first', actor: 'test', now: NOW });
    // The dashboard compares each model's feature importance with the version in force before.
    const first = await loadDashboardData(db, models, acme);
    expect(first.previousVersion).toMatch(/^default \(.+\)$/);
    await promoteVersion(db, models, acme, b, { action: 'model_promotion', reason: 'second', actor: 'test', now: NOW });
    const second = await loadDashboardData(db, models, acme);
    expect(second.previousVersion).toBe('noise-a');
    expect(second.importanceByModel.map((m) => m.model)).toEqual(['fit', 'engagement', 'composite']);
    const setA = await models.version(acme, 'noise-a');
    const setB = await models.version(acme, 'noise-b');
    for (const m of second.importanceByModel) {
      expect(m.current).toEqual(featureImportance(setB, m.model));
      expect(m.previous).toEqual(featureImportance(setA, m.model));
      expect(m.current.length).toBeGreaterThan(0);
    }
    expect(second.importanceByModel.find((m) => m.model === 'fit')!.current).not.toEqual(second.importance);
    const back = await promoteVersion(db, models, acme, a, { action: 'model_rollback', reason: 'b scores students high', actor: 'api-key:x', now: NOW });
    expect(back).toMatchObject({ version: 'noise-a', previous: 'noise-b' });
    expect((await models.forTenant(acme))!.manifest.version).toBe('noise-a');
    expect(await getModelVersion(db, acme, 'noise-b')).toMatchObject({ status: 'retired' });
    const [audit] = await queryAudit(db, acme, { action: 'model_rollback', limit: 1 });
    expect(audit).toMatchObject({ before: { champion: 'noise-b' }, after: { champion: 'noise-a' }, cause: 'api-key:x', note: 'b scores students high', outcome: 'rolled_back' });
    expect((await loadDashboardData(db, models, acme)).previousVersion).toBe('noise-b');
    await promoteVersion(db, models, acme, 'default', { action: 'model_rollback', reason: 'back to the default', actor: 'test', now: NOW });
    expect(await getChampion(db, acme)).toBeNull();
    expect((await models.forTenant(acme))!.manifest.isDefault).toBe(true);
    await expect(promoteVersion(db, models, acme, 'no-such', { action: 'model_rollback', reason: '', actor: 'test' })).rejects.toThrow(/no model version "no-such"/);
  }, 300_000);

  it('keeps the champion when a model file is corrupt, and says so on the version', async () => {
    const trainedTo = histories[Math.floor(histories.length * 0.7)]!.outcome!.outcomeAt;
    const good = await storeNoiseModel('noise-c', trainedTo);
    const bad = await storeNoiseModel('noise-d', trainedTo);
    await promoteVersion(db, models, acme, good, { action: 'model_promotion', reason: 'test', actor: 'test', now: NOW });
    await db.query(`UPDATE model_files SET bytes = '\\x00010203'::bytea WHERE tenant_id = $1 AND version = $2 AND file_name = 'composite.onnx'`, [acme, bad]);
    const error = await promoteVersion(db, models, acme, bad, { action: 'model_promotion', reason: 'test', actor: 'test', now: NOW }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromotionError);
    expect((error as Error).message).toMatch(/noise-d .*composite\.onnx is corrupt.*the champion noise-c stays in force/);
    expect((await getChampion(db, acme))!.version).toBe('noise-c');
    expect(await getModelVersion(db, acme, bad)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/corrupt/) });

    // The champion's own file corrupt in the store: a process that loads it afresh scores with the
    // shipped default meanwhile, and the model dashboard says which version failed and why.
    await db.query(`UPDATE model_files SET bytes = '\\x00010203'::bytea WHERE tenant_id = $1 AND version = $2 AND file_name = 'composite.onnx'`, [acme, good]);
    const fresh = new ChampionModelSource({ db, cacheDir: fs.mkdtempSync(path.join(work, 'cache-')), fallback: new FolderModelSource({ defaultDir: SHIPPED_DEFAULT_MODEL, tenantsDir: null }) });
    try {
      expect((await fresh.forTenant(acme))!.manifest.isDefault).toBe(true);
      expect(fresh.championFailure(acme)).toMatchObject({ version: 'noise-c', message: expect.stringMatching(/composite\.onnx is corrupt/) });
      const html = renderDashboard(await loadDashboardData(db, fresh, acme));
      expect(html).toMatch(/champion model noise-c does not load, so the shipped default scores its leads meanwhile.*composite\.onnx is corrupt/);
      expect(html).not.toContain('ls-default-model');
      expect((await getChampion(db, acme))!.version).toBe('noise-c');
    } finally {
      await fresh.close();
    }
  }, 300_000);

  it('keeps the champion when a promotion fails half way (one transaction)', async () => {
    const trainedTo = histories[Math.floor(histories.length * 0.7)]!.outcome!.outcomeAt;
    const first = await storeNoiseModel('noise-e', trainedTo);
    const second = await storeNoiseModel('noise-f', trainedTo);
    await promoteVersion(db, models, acme, first, { action: 'model_promotion', reason: 'test', actor: 'test', now: NOW });
    // The audit entry is written after the champion changed, inside the same transaction.
    await db.exec(`CREATE OR REPLACE FUNCTION fail_promotion() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql;
      CREATE TRIGGER fail_promotion BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION fail_promotion();`);
    await expect(promoteVersion(db, models, acme, second, { action: 'model_promotion', reason: 'test', actor: 'test', now: NOW })).rejects.toThrow(/promoting noise-f failed, the champion noise-e stays in force: .*disk full/);
    expect((await getChampion(db, acme))!.version).toBe('noise-e');
    expect(await getModelVersion(db, acme, 'noise-f')).toMatchObject({ status: 'retired', reason: expect.stringMatching(/promotion failed.*disk full/) });
    expect((await models.forTenant(acme))!.manifest.version).toBe('noise-e');
  }, 300_000);

  it("keeps tenants apart: another tenant's versions can be neither seen nor promoted", async () => {
    const trainedTo = histories[Math.floor(histories.length * 0.7)]!.outcome!.outcomeAt;
    const v = await storeNoiseModel('noise-g', trainedTo);
    await promoteVersion(db, models, acme, v, { action: 'model_promotion', reason: 'test', actor: 'test', now: NOW });
    expect(await listModelVersions(db, globex)).toEqual([]);
    expect(await getChampion(db, globex)).toBeNull();
    expect((await models.forTenant(globex))!.manifest.isDefault).toBe(true);
    await expect(promoteVersion(db, models, globex, v, { action: 'model_promotion', reason: '', actor: 'test' })).rejects.toThrow(/no model version "noise-g"/);
    const result = await retrainTenant(db, models, globex, { now: NOW, params: PARAMS });
    expect(result.reason).toMatch(/too few outcomes: 0 in the last/);
    expect((await getChampion(db, acme))!.version).toBe('noise-g');
  }, 300_000);
});

describe('training in a worker thread', () => {
  it('gives the same model set and files as training on the calling thread, and keeps "not enough data" recognisable', async () => {
    expect(trainWorkerFile()).toMatch(/train-worker\.js$/);
    const sample = histories.slice(0, 900);
    const options = { params: PARAMS, now: NOW, segments: 'off' as const };
    const threaded = await trainModelSetInThread(sample, options);
    const here = trainModelSet(sample, options);
    expect(threaded).toEqual(here);
    expect(await modelSetFilesInThread(threaded, '# card\n')).toEqual(modelSetFiles(here, '# card\n').map((f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) })));
    await expect(trainModelSetInThread(sample.slice(0, 20), options)).rejects.toBeInstanceOf(NotEnoughDataError);
  });
});
