import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBundleSource } from '../connectors/file/index.js';
import type * as Artifact from '../src/model/artifact.js';
import { loadModelFolder, writeModelFolder } from '../src/model/artifact.js';
import { modelCard } from '../src/model/card.js';
import { applyCalibration } from '../src/model/calibrate.js';
import { predictMargin } from '../src/model/gbdt/predict.js';
import { sizeBand, trainModelSet, type ModelSet } from '../src/model/model-set.js';
import { selectColumns } from '../src/model/training-set.js';
import { featurizeMany } from '../src/features/index.js';
import type * as ScoreLeads from '../src/scoring/score-leads.js';
import { scoreHistories } from '../src/scoring/score-leads.js';
import { collectHistories, type LeadHistory } from '../src/sync/index.js';
import { generateBundle } from '../src/synthetic/index.js';
import { cliEnv, runCli } from './helpers/cli.js';

const sizeBandOf = (employees: number | null) => sizeBand(employees === null ? NaN : Math.log10(employees + 1));
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'model-pipeline-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let histories: LeadHistory[];
let set: ModelSet;
const bundle = path.join(root, 'bundle');
const modelDir = path.join(root, 'model');

beforeAll(async () => {
  await generateBundle({ leads: 4000, seed: 21, outDir: bundle });
  histories = (await collectHistories(new FileBundleSource({ dir: bundle }))).histories;
  set = trainModelSet(histories, { now: new Date('2026-07-01T00:00:00Z') });
  writeModelFolder(set, modelDir, modelCard(set, bundle));
});

describe('training a model set', () => {
  it('trains fit, engagement and composite models that rank and are calibrated on unseen outcomes', () => {
    expect(set.models.composite.holdout.auc).toBeGreaterThan(0.72);
    expect(set.models.engagement.holdout.auc).toBeGreaterThan(0.7);
    // About 360 holdout outcomes: the fit model's AUC on bundles of this size ranged from 0.58 to
    // 0.74 over nine seeds (either way of splitting categories), so the bar is below that spread.
    expect(set.models.fit.holdout.auc).toBeGreaterThan(0.55);
    expect(set.models.composite.holdout.ece).toBeLessThan(0.06);
    expect(set.models.fit.featureNames).toContain('title_seniority');
    expect(set.models.fit.featureNames).not.toContain('demo_requests_ever');
    expect(set.models.engagement.featureNames).not.toContain('industry');
    expect(set.training.outcomes).toBe(histories.filter((h) => h.outcome).length);
  });

  it('never lets activity after the outcome change what it learns from', () => {
    // Move every post-outcome activity later still: the training rows must not change.
    const shifted = histories.map((h) => ({
      ...h,
      activities: h.activities.map((a) => (h.outcome && a.occurredAt >= h.outcome.outcomeAt ? { ...a, type: 'meeting', occurredAt: new Date(a.occurredAt.getTime() + 86_400_000) } : a)),
    }));
    const again = trainModelSet(shifted, { now: new Date('2026-07-01T00:00:00Z') });
    expect(again.training.dataHash).toBe(set.training.dataHash);
    expect(again.models.composite.holdout).toEqual(set.models.composite.holdout);
  });

  it('writes a folder whose ONNX models score as the TypeScript trees do, within 1e-5', async () => {
    const loaded = await loadModelFolder(modelDir);
    try {
      const open = histories.filter((h) => !h.outcome).slice(0, 300);
      const matrix = featurizeMany(set.spec, open.map((h) => ({ lead: h.lead, activities: h.activities, asOf: new Date('2026-06-30T00:00:00Z') })));
      for (const name of ['fit', 'engagement', 'composite'] as const) {
        const model = set.models[name];
        const input = selectColumns(matrix, model.columns);
        const expected = applyCalibration(model.calibration, predictMargin(model.ensemble, input));
        const onnx = await loaded.models[name]!.scorer.score(input);
        for (let i = 0; i < open.length; i++) expect(Math.abs(onnx.probability[i]! - expected[i]!)).toBeLessThan(1e-5);
      }
      expect(fs.readFileSync(path.join(modelDir, 'MODEL_CARD.md'), 'utf8')).toMatch(/at least 500 outcomes decided in the last 365 days\n\(the default of settings `learning.minOutcomes`, which may not go below 300\)/);
      const manifest = JSON.parse(fs.readFileSync(path.join(modelDir, 'manifest.json'), 'utf8'));
      expect(manifest).toMatchObject({ format: 'leadscore-model/1', version: set.version, featureSpec: { version: set.spec.version } });
    } finally {
      await loaded.close();
    }
  });

  it('scores open leads with grades, tiers and reasons', async () => {
    const loaded = await loadModelFolder(modelDir);
    try {
      const open = histories.filter((h) => !h.outcome).slice(0, 50);
      const scored = await scoreHistories(loaded, open, new Date('2026-06-30T00:00:00Z'));
      expect(scored).toHaveLength(50);
      for (const s of scored) {
        expect(s.composite).toBeCloseTo(s.probability * 100, 0);
        expect(s.grade).toMatch(/^[A-D][1-4]$/);
        expect(['Hot', 'Warm', 'Nurture']).toContain(s.tier);
        expect(s.reasons.length).toBeGreaterThan(0);
        expect(s.reasons.every((r) => (r.direction === 'positive') === r.contribution > 0)).toBe(true);
      }
    } finally {
      await loaded.close();
    }
  });

  it('scores a large batch on worker threads exactly as on one thread', async () => {
    // The TreeSHAP worker runs only from the compiled code (the suite's global setup builds dist/).
    const compiled = (file: string) => import(pathToFileURL(path.resolve(import.meta.dirname, '../dist/src', file)).href);
    const { loadModelFolder: load } = (await compiled('model/artifact.js')) as typeof Artifact;
    const { scoreHistories: score, closeScoringThreads, MIN_ROWS_FOR_THREADS } = (await compiled('scoring/score-leads.js')) as typeof ScoreLeads;
    const loaded = await load(modelDir);
    try {
      expect(histories.length).toBeGreaterThanOrEqual(MIN_ROWS_FOR_THREADS);
      const asOf = new Date('2026-06-30T00:00:00Z');
      const one = await score(loaded, histories, asOf, { threads: 1 });
      const two = await score(loaded, histories, asOf, { threads: 2 });
      expect(one.every((s) => s.reasons.length > 0)).toBe(true);
      expect(two).toEqual(one);
    } finally {
      closeScoringThreads();
      await loaded.close();
    }
  });

  it('refuses a manifest that does not match its ONNX model', async () => {
    const broken = path.join(root, 'broken');
    fs.cpSync(modelDir, broken, { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(broken, 'manifest.json'), 'utf8'));
    manifest.models.fit.file = 'composite.onnx'; // the composite model takes every feature, the fit model a few
    fs.writeFileSync(path.join(broken, 'manifest.json'), JSON.stringify(manifest));
    await expect(loadModelFolder(broken)).rejects.toThrow(/composite\.onnx: this ONNX model does not match its manifest: the model's input "features" takes \d+ features but the manifest names \d+/);
  });

  it('scores with an ONNX model brought in with only a manifest, explaining it without its trees', async () => {
    const foreign = path.join(root, 'foreign');
    fs.mkdirSync(foreign, { recursive: true });
    fs.copyFileSync(path.join(modelDir, 'composite.onnx'), path.join(foreign, 'model.onnx'));
    const manifest = JSON.parse(fs.readFileSync(path.join(modelDir, 'manifest.json'), 'utf8'));
    fs.writeFileSync(
      path.join(foreign, 'manifest.json'),
      JSON.stringify({
        format: 'leadscore-model/1',
        version: 'imported-1',
        createdAt: '2026-07-01T00:00:00Z',
        isDefault: false,
        featureSpec: manifest.featureSpec,
        thresholds: manifest.thresholds,
        models: { composite: { file: 'model.onnx', inputs: manifest.models.composite.inputs, probabilityOutput: 'probability' } },
      }),
    );
    const own = await loadModelFolder(modelDir);
    const imported = await loadModelFolder(foreign);
    try {
      const open = histories.filter((h) => !h.outcome).slice(0, 200);
      const asOf = new Date('2026-06-30T00:00:00Z');
      const own1 = { ...own, segments: {} }; // the imported folder has no segment models
      const a = await scoreHistories(own1, open, asOf);
      const b = await scoreHistories(imported, open, asOf);
      b.forEach((s, i) => {
        expect(s.probability).toBeCloseTo(a[i]!.probability, 6);
        expect(s.grade).toBeNull();
        expect(s.reasons.length).toBeGreaterThan(0);
      });
      // The strongest reason is mostly one of the exact TreeSHAP's three strongest (measured: 78%;
      // it is the strongest itself for about half of the leads).
      const agree = b.filter((s, i) => a[i]!.reasons.slice(0, 3).some((r) => r.feature === s.reasons[0]?.feature)).length;
      expect(agree).toBeGreaterThan(open.length * 0.7);
    } finally {
      await own.close();
      await imported.close();
    }
  });

  it('considers a model per company-size band and routes each lead to the one that earned it', async () => {
    expect(set.segments.considered.map((c) => c.band)).toEqual(['unknown', '1-49', '50-499', '500+']);
    for (const c of set.segments.considered) expect(c.why.length).toBeGreaterThan(10);
    // Give every band with enough data a model of its own, then check the routing.
    const forced = trainModelSet(histories, { now: new Date('2026-07-01T00:00:00Z'), segments: 'all' });
    const bands = Object.keys(forced.segments.models);
    expect(bands.length).toBeGreaterThan(0);
    const dir = path.join(root, 'segmented');
    writeModelFolder(forced, dir, modelCard(forced, bundle));
    const loaded = await loadModelFolder(dir);
    const global = await loadModelFolder(modelDir);
    try {
      expect(Object.keys(loaded.segments).sort()).toEqual(bands.sort());
      const open = histories.filter((h) => !h.outcome).slice(0, 200);
      const asOf = new Date('2026-06-30T00:00:00Z');
      const [a, b] = [await scoreHistories(global, open, asOf), await scoreHistories(loaded, open, asOf)];
      const banded = open.filter((h) => bands.includes(sizeBandOf(h.lead.employees)));
      const other = open.filter((h) => !bands.includes(sizeBandOf(h.lead.employees)));
      expect(banded.length).toBeGreaterThan(0);
      const differs = (h: LeadHistory) => Math.abs(a[open.indexOf(h)]!.probability - b[open.indexOf(h)]!.probability) > 1e-9;
      expect(banded.some(differs)).toBe(true);
      expect(fs.readFileSync(path.join(dir, 'MODEL_CARD.md'), 'utf8')).toMatch(/has a composite model of its own/);
      expect(other.every((h) => !differs(h))).toBe(true);
    } finally {
      await loaded.close();
      await global.close();
    }
  });

  it('refuses to train without enough outcomes, saying how many it needs', () => {
    expect(() => trainModelSet(histories.slice(0, 100))).toThrow(/at least 300 outcomes .* this data has \d+ outcomes/);
  });
});

describe('leadscore train, score and evaluate', () => {
  const env = cliEnv({});

  it('trains from a bundle and scores its open leads into a CSV', async () => {
    const out = path.join(root, 'cli-model');
    const train = await runCli(['train', '--data', bundle, '--model-out', out, '--json'], env);
    expect(train.code).toBe(0);
    expect(JSON.parse(train.stdout).holdout.composite.auc).toBeGreaterThan(0.72);
    const scores = path.join(root, 'scores.csv');
    const score = await runCli(['score', '--data', bundle, '--model', out, '--out', scores, '--as-of', '2026-06-30T00:00:00Z'], env);
    expect(score.code).toBe(0);
    const lines = fs.readFileSync(scores, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('lead_id,probability,composite,fit,engagement,grade,tier,reasons');
    expect(lines.length - 1).toBe(histories.filter((h) => !h.outcome).length);
  });

  it('cross-validates a flat table with a semicolon delimiter, dropped columns and predictions', async () => {
    const csv = path.join(root, 'flat.csv');
    const lines = ['Lead Id;Age Group;Visits;Tags;y'];
    let s = 3;
    const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 1500; i++) {
      const visits = Math.floor(next() * 20);
      const group = ['young', 'mid', 'old'][Math.floor(next() * 3)]!;
      const y = next() < (visits > 10 ? 0.7 : 0.15) + (group === 'old' ? 0.1 : 0) ? 'yes' : 'no';
      lines.push([`L${i}`, group, next() < 0.05 ? '' : visits, y === 'yes' ? 'Will buy' : 'Lost', y].join(';'));
    }
    fs.writeFileSync(csv, lines.join('\n'));
    const predictions = path.join(root, 'oof.csv');
    const result = await runCli(['evaluate', '--csv', csv, '--label', 'y', '--id', 'Lead Id', '--drop', 'Tags', '--folds', '4', '--seed', '3', '--predictions', predictions, '--json'], env);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ rows: 1500, folds: 4, features: [{ name: 'Age Group', kind: 'categorical' }, { name: 'Visits', kind: 'numeric' }] });
    expect(report.auc).toBeGreaterThan(0.7);
    expect(report.auc).toBeLessThan(0.9); // "Tags" would leak the label: it must not be used
    const oof = fs.readFileSync(predictions, 'utf8').trim().split('\n');
    expect(oof[0]).toBe('id,fold,label,probability');
    expect(oof).toHaveLength(1501);
    expect(oof[1]).toMatch(/^L0,[0-3],[01],0\.\d+$/);

    const missing = await runCli(['evaluate', '--csv', csv, '--label', 'converted'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--label "converted" is not a column .* its columns are: Lead Id, Age Group, Visits, Tags, y/);
  });
});
