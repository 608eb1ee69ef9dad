/**
 * Model benchmarks: `npm run bench:models [-- --skip-reference] [--only shared|generated|speed] [--training-only] [--repeat N]`. Every figure is reported
 * against a reference measured in the same run: XGBoost and scikit-learn (Debian's
 * python3-xgboost and python3-sklearn) on the same folds, the generator's true probabilities on
 * the same open leads, XGBoost's training time on the same data.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileBundleSource } from '../connectors/file/index.js';
import { loadModelFolder, writeModelFolder } from '../src/model/artifact.js';
import { modelCard } from '../src/model/card.js';
import { trainGbdt } from '../src/model/gbdt/train.js';
import { predictMargin } from '../src/model/gbdt/predict.js';
import { FastTreeShap } from '../src/model/gbdt/fast-shap.js';
import { shapValues } from '../src/model/gbdt/shap.js';
import { auc, calibrationError } from '../src/model/metrics.js';
import { trainModelSet } from '../src/model/model-set.js';
import { exportToOnnx } from '../src/model/onnx-export.js';
import { loadOnnxScorer } from '../src/model/onnx-runtime.js';
import { featurizeMany } from '../src/features/index.js';
import { columnsOf, scoreHistories } from '../src/scoring/score-leads.js';
import { collectHistories } from '../src/sync/index.js';
import { generateBundle } from '../src/synthetic/index.js';

const here = import.meta.dirname;
const root = path.resolve(here, '../..');
const cli = path.join(root, 'bin/leadscore.js');
const python = '/usr/bin/python3';
const skipReference = process.argv.includes('--skip-reference');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt === -1 ? null : process.argv[onlyAt + 1];
/** Only the training-time comparison with XGBoost: the rest of the bench takes minutes. */
const trainingOnly = process.argv.includes('--training-only');
/** Training-time runs of each side, taken in turns, so that a busy moment of the machine falls on both. */
const repeatAt = process.argv.indexOf('--repeat');
const repeats = repeatAt === -1 ? 3 : Math.max(1, Number(process.argv[repeatAt + 1]) || 1);
const work = path.resolve('.bench');
fs.mkdirSync(work, { recursive: true });
const results: Record<string, unknown> = {};
const f4 = (x: number) => x.toFixed(4);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

function sharedDatasets(): void {
  const data = path.resolve(root, '../shared/data');
  const sets = [
    {
      name: 'x-education leads',
      args: ['--csv', path.join(data, 'x-education-leads.csv'), '--label', 'Converted', '--id', 'Prospect ID'],
      drop: 'Lead Number,Tags,Lead Quality,Lead Profile,Asymmetrique Activity Index,Asymmetrique Profile Index,Asymmetrique Activity Score,Asymmetrique Profile Score,Last Activity,Last Notable Activity',
      id: 'Prospect ID',
      label: 'Converted',
    },
    { name: 'bank marketing', args: ['--csv', path.join(data, 'bank-additional-full.csv'), '--label', 'y'], drop: 'duration', id: '-', label: 'y' },
  ];
  for (const set of sets) {
    if (!fs.existsSync(set.args[1]!)) {
      console.log(`${set.name}: ${set.args[1]} is not here; skipped`);
      continue;
    }
    const predictions = path.join(work, `${set.name.replace(/\W+/g, '-')}-oof.csv`);
    const started = performance.now();
    const ours = JSON.parse(
      execFileSync(process.execPath, [cli, 'evaluate', ...set.args, '--drop', set.drop, '--folds', '5', '--seed', '7', '--predictions', predictions, '--json'], { encoding: 'utf8' }),
    );
    const oursSeconds = (performance.now() - started) / 1000;
    const line = [`${set.name.padEnd(18)} Leadscore AUC ${f4(ours.auc)} ECE ${f4(ours.ece)} (${oursSeconds.toFixed(1)} s)`];
    const entry: Record<string, unknown> = { leadscore: { auc: ours.auc, ece: ours.ece, logLoss: ours.logLoss, seconds: oursSeconds } };
    if (!skipReference) {
      const ref = JSON.parse(execFileSync(python, [path.join(root, 'bench/reference/xgboost_folds.py'), set.args[1]!, set.label, set.id, set.drop, predictions], { encoding: 'utf8' }));
      entry.reference = ref.models;
      const x = ref.models.xgboost;
      line.push(`XGBoost ${f4(x.auc)} ECE ${f4(x.ece)}; sklearn HGB ${f4(ref.models.sklearn_hgb.auc)}; logistic ${f4(ref.models.logistic.auc)}; AUC difference vs XGBoost ${(ours.auc - x.auc >= 0 ? '+' : '') + f4(ours.auc - x.auc)}`);
    }
    results[set.name] = entry;
    console.log(line.join(' | '));
  }
}

async function generatedBundle(): Promise<void> {
  const dir = path.join(work, 'bundle-40000-7');
  if (!fs.existsSync(path.join(dir, 'truth.csv'))) await generateBundle({ leads: 40_000, seed: 7, outDir: dir });
  const { histories } = await collectHistories(new FileBundleSource({ dir }));
  const started = performance.now();
  const set = trainModelSet(histories);
  const trainSeconds = (performance.now() - started) / 1000;
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-model-'));
  writeModelFolder(set, modelDir, modelCard(set, dir));
  const models = await loadModelFolder(modelDir);
  const open = histories.filter((h) => !h.outcome);
  const scored = await scoreHistories(models, open, new Date('2026-06-30T00:00:00Z'), { reasons: false });
  const throughput = await scoringThroughput(models, histories);
  await models.close();
  fs.rmSync(modelDir, { recursive: true, force: true });
  const truth = new Map(
    fs.readFileSync(path.join(dir, 'truth.csv'), 'utf8').trim().split('\n').slice(1).map((l) => {
      const [id, p, y] = l.split(',');
      return [id!, { p: Number(p), y: Number(y) }];
    }),
  );
  const y = scored.map((s) => truth.get(s.leadId)!.y);
  const ours = auc(scored.map((s) => s.probability), y);
  const best = auc(scored.map((s) => truth.get(s.leadId)!.p), y);
  results.generated = { openLeads: scored.length, auc: ours, trueProbabilityAuc: best, ece: calibrationError(scored.map((s) => s.probability), y), trainSeconds, ...throughput };
  console.log(`generated 40k leads   open leads ${scored.length}: Leadscore AUC ${f4(ours)} vs true probability ${f4(best)} (gap ${f4(best - ours)}), ECE ${f4(calibrationError(scored.map((s) => s.probability), y))}; trained 3 models in ${trainSeconds.toFixed(1)} s`);
}

/**
 * Leads per second through scoreHistories with the bundle's own models: features, the three
 * models through onnxruntime, and then the same with the composite's exact TreeSHAP rolled up
 * into reasons. Every lead of the bundle is scored, as of one time: on one thread, then with
 * the reasons' TreeSHAP shared with worker threads (the machine's cores, up to 8).
 */
async function scoringThroughput(models: Awaited<ReturnType<typeof loadModelFolder>>, histories: Parameters<typeof scoreHistories>[1]) {
  const asOf = new Date('2026-06-30T00:00:00Z');
  const threads = Math.min(8, os.availableParallelism());
  // Warm up, and have the workers build their tables before they are timed.
  await scoreHistories(models, histories.slice(0, 2000), asOf, { threads: 1 });
  await scoreHistories(models, histories.slice(0, 10_000), asOf, { threads });
  const rate = async (options: Parameters<typeof scoreHistories>[3]) => {
    const t = performance.now();
    await scoreHistories(models, histories, asOf, options);
    return histories.length / ((performance.now() - t) / 1000);
  };
  // Each case `repeats` times, in turns, so that a busy moment of the machine falls on all: the median is reported.
  const cases = [{ reasons: false, threads: 1 }, { threads: 1 }, { reasons: false, threads }, { threads }];
  const runs: number[][] = cases.map(() => []);
  for (let k = 0; k < repeats; k++) for (const [i, options] of cases.entries()) runs[i]!.push(await rate(options));
  const [withoutReasons, withReasons, threadsWithoutReasons, threadsWithReasons] = runs.map(median) as [number, number, number, number];
  const all = (i: number) => runs[i]!.map((x) => Math.round(x)).join(', ');
  const composite = models.models.composite!.ensemble!;
  const leaves = composite.trees.reduce((n, tree) => n + tree.feature.filter((f) => f < 0).length, 0);
  console.log(
    `scoring the bundle's ${histories.length} leads, one thread, composite of ${composite.trees.length} trees (${(leaves / composite.trees.length).toFixed(1)} leaves each), medians of ${repeats} runs: ` +
      `${Math.round(withoutReasons)} leads/s without reasons (${all(0)}), ${Math.round(withReasons)} leads/s with reasons (${all(1)}; ${(withReasons / withoutReasons).toFixed(2)}x)`,
  );
  console.log(
    `scoring the bundle's ${histories.length} leads, ${threads} threads (the reasons' TreeSHAP on ${threads - 1} worker${threads === 2 ? '' : 's'} part by part; features and ONNX on this one), medians of ${repeats} runs: ` +
      `${Math.round(threadsWithoutReasons)} leads/s without reasons (${all(2)}), ${Math.round(threadsWithReasons)} leads/s with reasons (${all(3)}; ${(threadsWithReasons / threadsWithoutReasons).toFixed(2)}x)`,
  );
  // onnxruntime alone (one thread), each model over the bundle's feature rows, as scoreHistories calls it.
  const matrix = featurizeMany(models.spec, histories.map((h) => ({ lead: h.lead, activities: h.activities, asOf })));
  const onnxSeconds: Record<string, number> = {};
  for (const name of ['composite', 'fit', 'engagement'] as const) {
    const model = models.models[name];
    if (!model) continue;
    const columns = columnsOf(matrix, model.columns);
    await model.scorer.score(matrix, columns);
    const seconds: number[] = [];
    for (let k = 0; k < repeats; k++) {
      const t = performance.now();
      await model.scorer.score(matrix, columns);
      seconds.push((performance.now() - t) / 1000);
    }
    onnxSeconds[name] = median(seconds);
  }
  const onnxRates = Object.fromEntries(Object.entries(onnxSeconds).map(([name, sec]) => [name, matrix.rows / sec]));
  const onnxAllThree = matrix.rows / Object.values(onnxSeconds).reduce((a, b) => a + b, 0);
  console.log(
    `ONNX alone on the bundle's models, one thread, medians of ${repeats} runs: ` +
      Object.entries(onnxRates).map(([name, r]) => `${name} ${Math.round(r)} leads/s`).join(', ') +
      `; the three models of a lead ${Math.round(onnxAllThree)} leads/s`,
  );
  return {
    onnxLeadsPerSecond: onnxRates,
    onnxAllThreeLeadsPerSecond: onnxAllThree,
    scoringLeadsPerSecond: withoutReasons,
    scoringWithReasonsLeadsPerSecond: withReasons,
    scoringThreads: threads,
    scoringThreadsLeadsPerSecond: threadsWithoutReasons,
    scoringThreadsWithReasonsLeadsPerSecond: threadsWithReasons,
  };
}

/** 40k rows x 60 features: 4 categorical, 5% missing, a nonlinear truth. */
function syntheticMatrix(rows: number) {
  let s = 12345;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const cols = 60;
  const values = new Float64Array(rows * cols);
  const labels = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) values[r * cols + c] = c < 4 ? Math.floor(next() * 12) : next() * 2 - 1;
    const x = (c: number) => values[r * cols + c]!;
    const logit = 1.5 * Math.sin(3 * x(4)) + 2 * x(5) * x(6) + (x(7) > 0.3 ? 1 : -0.5) + ([1, 3, 7].includes(x(0)) ? 1 : -0.4) + 0.8 * x(8) * x(8) - 1;
    labels[r] = next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    for (let c = 0; c < cols; c++) if (next() < 0.05) values[r * cols + c] = NaN;
  }
  const kinds = Array.from({ length: cols }, (_, c) => (c < 4 ? 'categorical' : 'numeric') as 'categorical' | 'numeric');
  return { matrix: { rows, cols, values }, labels, kinds, counts: kinds.map((k) => (k === 'categorical' ? 12 : 0)) };
}

async function speed(): Promise<void> {
  const n = 40_000;
  const all = syntheticMatrix(n + 10_000);
  const cols = all.matrix.cols;
  const train = { rows: n, cols, values: all.matrix.values.subarray(0, n * cols) };
  const test = { rows: 10_000, cols, values: all.matrix.values.subarray(n * cols) };
  const params = { maxTrees: 300, maxDepth: 6, learningRate: 0.1, earlyStoppingRounds: 0, minSamplesLeaf: 1, l2: 1, colSubsample: 1 };
  const csv = path.join(work, 'speed-40k-60.csv');
  if (!skipReference) {
    const lines: string[] = [];
    for (let r = 0; r < all.matrix.rows; r++) {
      const row: string[] = [];
      for (let c = 0; c < cols; c++) {
        const v = all.matrix.values[r * cols + c]!;
        row.push(Number.isNaN(v) ? '' : String(v));
      }
      row.push(String(all.labels[r]));
      lines.push(row.join(','));
    }
    fs.writeFileSync(csv, lines.join('\n'));
  }
  const ours: number[] = [];
  const theirs: Array<{ seconds: number; auc: number }> = [];
  let ensemble: ReturnType<typeof trainGbdt>['ensemble'] | null = null;
  for (let run = 0; run < repeats; run++) {
    const started = performance.now();
    const trained = trainGbdt(train, all.labels.subarray(0, n), { kinds: all.kinds, categoryCounts: all.counts, params }).ensemble;
    ours.push((performance.now() - started) / 1000);
    ensemble ??= trained;
    if (!skipReference) theirs.push(JSON.parse(execFileSync(python, [path.join(root, 'bench/reference/xgboost_speed.py'), csv, String(n), '300', '6', '0.1'], { encoding: 'utf8' })));
  }
  const runs = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
  const oursAuc = auc(predictMargin(ensemble!, test), all.labels.subarray(n));
  const line = [`training 40k x 60, 300 trees depth 6, ${repeats} runs each in turns: Leadscore ${runs(ours)} s (AUC ${f4(oursAuc)})`];
  const entry: Record<string, unknown> = { leadscoreSeconds: ours, leadscoreAuc: oursAuc };
  if (theirs.length) {
    const xgb = theirs.map((r) => r.seconds);
    entry.xgboost = { seconds: xgb, auc: theirs[0]!.auc };
    entry.ratioOfMedians = median(ours) / median(xgb);
    entry.ratioOfBest = Math.min(...ours) / Math.min(...xgb);
    line.push(`XGBoost hist, 2 threads ${runs(xgb)} s (AUC ${f4(theirs[0]!.auc)})`);
    line.push(`Leadscore takes ${(median(ours) / median(xgb)).toFixed(2)}x XGBoost's time (medians), ${(Math.min(...ours) / Math.min(...xgb)).toFixed(2)}x (best runs)`);
  }
  results.training = entry;
  console.log(line.join(' | '));
  if (trainingOnly || !ensemble) return;

  const names = Array.from({ length: cols }, (_, i) => `f${i}`);
  const scorer = await loadOnnxScorer(exportToOnnx(ensemble, { featureNames: names, calibration: { method: 'none' } }), { featureNames: names });
  const batch = syntheticMatrix(100_000).matrix;
  await scorer.score(batch);
  let t = performance.now();
  await scorer.score(batch);
  const onnxRate = 100_000 / ((performance.now() - t) / 1000);
  await scorer.close();
  t = performance.now();
  predictMargin(ensemble, batch);
  const tsRate = 100_000 / ((performance.now() - t) / 1000);
  const sample = { rows: 500, cols, values: batch.values.subarray(0, 500 * cols) };
  t = performance.now();
  shapValues(ensemble, sample);
  const shapRate = 500 / ((performance.now() - t) / 1000);
  t = performance.now();
  const fast = new FastTreeShap(ensemble);
  const tablesSeconds = (performance.now() - t) / 1000;
  const fastSample = { rows: 5000, cols, values: batch.values.subarray(0, 5000 * cols) };
  t = performance.now();
  fast.values(fastSample);
  const fastRate = 5000 / ((performance.now() - t) / 1000);
  results.scoring = { onnxRowsPerSecond: onnxRate, typescriptRowsPerSecond: tsRate, treeShapRowsPerSecond: shapRate, fastTreeShapRowsPerSecond: fastRate, fastTreeShapTablesSeconds: tablesSeconds };
  console.log(
    `scoring, one thread, 300 trees depth 6: ONNX ${Math.round(onnxRate)} rows/s (${(onnxRate / tsRate).toFixed(1)}x the TypeScript predictor's ${Math.round(tsRate)}); ` +
      `exact TreeSHAP ${Math.round(shapRate)} rows/s recursive, ${Math.round(fastRate)} rows/s with per-leaf tables (${(fastRate / shapRate).toFixed(1)}x; tables built in ${tablesSeconds.toFixed(2)} s)`,
  );
}

if (!trainingOnly && (!only || only === 'shared')) sharedDatasets();
if (!trainingOnly && (!only || only === 'generated')) await generatedBundle();
if (!only || only === 'speed') await speed();
fs.writeFileSync(path.join(work, trainingOnly ? 'training-results.json' : 'models-results.json'), JSON.stringify(results, null, 2));
