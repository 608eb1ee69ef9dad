import fs from 'node:fs';
import path from 'node:path';
import { CsvReader, FileBundleSource } from '../../connectors/file/index.js';
import { LeadscoreError } from '../domain/index.js';
import { loadModelFolder, writeModelFolder } from '../model/artifact.js';
import { modelCard } from '../model/card.js';
import { crossValidate } from '../model/cross-validate.js';
import { MODEL_NAMES, trainModelSet } from '../model/model-set.js';
import type { Metrics } from '../model/metrics.js';
import { columnKinds, encodeTabular, parseLabel, typeColumns } from '../model/tabular.js';
import { NotEnoughDataError } from '../model/training-set.js';
import { scoreHistories } from '../scoring/score-leads.js';
import { collectHistories, type LeadHistory } from '../sync/index.js';
import { EXIT } from './exit.js';

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');

async function readBundle(dir: string, log: (line: string) => void): Promise<LeadHistory[]> {
  const full = path.resolve(dir);
  if (!fs.existsSync(full) || !fs.statSync(full).isDirectory()) throw new LeadscoreError('INPUT_NOT_FOUND', `${full} is not a folder holding a CSV bundle`);
  const source = new FileBundleSource({ dir: full });
  if (source.presentFiles().length === 0) throw new LeadscoreError('INPUT_NOT_FOUND', `${full} holds none of leads.csv, activities.csv, outcomes.csv`);
  const { histories, rejections } = await collectHistories(source);
  if (rejections.length > 0) {
    log(`${rejections.length} rows of the bundle were rejected and left out (run "leadscore import --json" on it to list them), e.g. ${rejections[0]!.file}:${rejections[0]!.line} ${rejections[0]!.reason}`);
  }
  return histories;
}

export async function runTrain(args: { data: string; modelOut: string; json: boolean; isDefault: boolean }, out: (t: string) => void, log: (t: string) => void): Promise<number> {
  const histories = await readBundle(args.data, log);
  let set;
  try {
    set = trainModelSet(histories, { isDefault: args.isDefault });
  } catch (err) {
    if (err instanceof NotEnoughDataError) throw new LeadscoreError('INPUT_INVALID', err.message);
    throw err;
  }
  const dir = path.resolve(args.modelOut);
  // A path inside the project is written relative to it, so a shipped card names no one's machine.
  const shownSource = path.relative(process.cwd(), path.resolve(args.data));
  writeModelFolder(set, dir, modelCard(set, shownSource.startsWith('..') ? path.resolve(args.data) : shownSource));
  if (args.json) {
    out(JSON.stringify({ modelDir: dir, version: set.version, training: set.training, holdout: Object.fromEntries(MODEL_NAMES.map((n) => [n, set.models[n].holdout])), baseline: set.baseline }, null, 2) + '\n');
  } else {
    const lines = [
      `Trained model ${set.version} into ${dir}`,
      `  ${set.training.outcomes} outcomes (${set.training.conversions} converted) from ${set.training.from.slice(0, 10)} to ${set.training.to.slice(0, 10)}`,
      `  measured on the newest ${set.training.split.holdout} outcomes, unseen in training:`,
      '  model        AUC    PR-AUC  log loss  calibration error  lift top 10%  trees  calibration',
      ...MODEL_NAMES.map((n) => {
        const h: Metrics = set.models[n].holdout;
        return `  ${n.padEnd(11)} ${f3(h.auc)}  ${f3(h.prAuc)}   ${f3(h.logLoss)}     ${f3(h.ece)}              ${f3(h.liftTopDecile).padEnd(12)}  ${String(set.models[n].ensemble.trees.length).padEnd(5)}  ${set.models[n].calibration.method}`;
      }),
      `  logistic regression baseline on the composite features: AUC ${f3(set.baseline.logistic.auc)}, log loss ${f3(set.baseline.logistic.logLoss)}`,
    ];
    out(lines.join('\n') + '\n');
  }
  return EXIT.ok;
}


/** The latest time anything in the bundle happened: the default "now" for scoring it. */
function latestTime(histories: readonly LeadHistory[]): Date {
  let latest = 0;
  for (const h of histories) {
    latest = Math.max(latest, h.lead.createdAt.getTime(), h.outcome?.outcomeAt.getTime() ?? 0);
    const last = h.activities[h.activities.length - 1];
    if (last) latest = Math.max(latest, last.occurredAt.getTime());
  }
  return new Date(latest);
}

const csvField = (value: string | number | null) => {
  const text = value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export async function runScore(
  args: { data: string; model: string; out: string; asOf: Date | null },
  out: (t: string) => void,
  log: (t: string) => void,
): Promise<number> {
  const histories = await readBundle(args.data, log);
  const open = histories.filter((h) => h.outcome === null);
  const asOf = args.asOf ?? latestTime(histories);
  let models;
  try {
    models = await loadModelFolder(path.resolve(args.model));
  } catch (err) {
    throw new LeadscoreError('INPUT_INVALID', (err as Error).message);
  }
  try {
    const scored = await scoreHistories(models, open, asOf);
    const lines = ['lead_id,probability,composite,fit,engagement,grade,tier,reasons'];
    for (const s of scored) {
      const reasons = s.reasons.map((r) => `${r.contribution >= 0 ? '+' : ''}${r.contribution.toFixed(2)} ${r.text}`).join('; ');
      lines.push([s.leadId, s.probability.toFixed(6), s.composite, s.fit, s.engagement, s.grade, s.tier, reasons].map(csvField).join(','));
    }
    fs.writeFileSync(path.resolve(args.out), lines.join('\n') + '\n');
    const tiers = { Hot: 0, Warm: 0, Nurture: 0 };
    for (const s of scored) tiers[s.tier]++;
    out(`Scored ${scored.length} open leads as of ${asOf.toISOString()} with model ${models.manifest.version} into ${path.resolve(args.out)} (Hot ${tiers.Hot}, Warm ${tiers.Warm}, Nurture ${tiers.Nurture})\n`);
  } finally {
    await models.close();
  }
  return EXIT.ok;
}

/** Comma, semicolon or tab: whichever splits the header line into the most columns. */
function detectDelimiter(firstLine: string): string {
  const counts = [',', ';', '\t'].map((d) => [d, firstLine.split(d).length] as const);
  return counts.sort((a, b) => b[1] - a[1])[0]![0];
}

export async function runEvaluate(
  args: { csv: string; label: string; id: string | null; drop: string[]; folds: number; seed: number; predictions: string | null; json: boolean },
  out: (t: string) => void,
): Promise<number> {
  const file = path.resolve(args.csv);
  if (!fs.existsSync(file)) throw new LeadscoreError('INPUT_NOT_FOUND', `${file} does not exist`);
  const text = fs.readFileSync(file, 'utf8');
  const reader = new CsvReader(1 << 20, detectDelimiter(text.split(/\r?\n/, 1)[0] ?? ''));
  const items = [...reader.push(text), ...reader.end()];
  const problem = items.find((i) => i.kind === 'problem');
  if (problem && problem.kind === 'problem') throw new LeadscoreError('INPUT_INVALID', `${file}:${problem.line} ${problem.reason}`);
  const records = items.flatMap((i) => (i.kind === 'record' ? [i] : []));
  const [headerRecord, ...rows] = records;
  if (!headerRecord || rows.length === 0) throw new LeadscoreError('INPUT_INVALID', `${file} has no rows under its header`);
  const header = headerRecord.fields.map((h) => h.trim());
  const find = (name: string, what: string) => {
    const index = header.indexOf(name);
    if (index === -1) throw new LeadscoreError('USAGE', `${what} "${name}" is not a column of ${file}; its columns are: ${header.join(', ')}`);
    return index;
  };
  const labelIndex = find(args.label, '--label');
  const idIndex = args.id ? find(args.id, '--id') : -1;
  const dropped = new Set(args.drop.map((name) => find(name, '--drop')));
  const labels = new Uint8Array(rows.length);
  rows.forEach((row, i) => {
    const fields = row.fields;
    if (fields.length !== header.length) {
      throw new LeadscoreError('INPUT_INVALID', `${file}:${row.line} has ${fields.length} values but the header has ${header.length} columns`);
    }
    const y = parseLabel(fields[labelIndex]!);
    if (y === null) throw new LeadscoreError('INPUT_INVALID', `${file}:${row.line} column ${args.label}: "${fields[labelIndex]}" is not a 0/1 label`);
    labels[i] = y;
  });
  const positives = labels.reduce((a, b) => a + b, 0);
  if (positives < args.folds || rows.length - positives < args.folds) {
    throw new LeadscoreError('INPUT_INVALID', `${file}: ${positives} positive and ${rows.length - positives} negative rows; each of ${args.folds} folds needs both`);
  }
  const use = header.map((_, i) => i).filter((i) => i !== labelIndex && i !== idIndex && !dropped.has(i));
  const fields = rows.map((r) => r.fields);
  const columns = typeColumns(header, fields, use);
  const matrix = encodeTabular(columns, fields);
  const result = crossValidate(matrix, labels, { ...columnKinds(columns), folds: args.folds, seed: args.seed });
  if (args.predictions) {
    const lines = ['id,fold,label,probability'];
    rows.forEach((row, i) => lines.push([idIndex >= 0 ? row.fields[idIndex]! : String(i), result.fold[i], labels[i], result.probability[i]!.toFixed(6)].map((v) => csvField(v as string)).join(',')));
    fs.writeFileSync(path.resolve(args.predictions), lines.join('\n') + '\n');
  }
  const m = result.metrics;
  const report = {
    file,
    rows: rows.length,
    positives,
    folds: args.folds,
    seed: args.seed,
    features: columns.map((c) => ({ name: c.name, kind: c.kind })),
    auc: m.auc,
    prAuc: m.prAuc,
    logLoss: m.logLoss,
    brier: m.brier,
    ece: m.ece,
    liftTopDecile: m.liftTopDecile,
    precisionAtK: { k: 100, value: m.precisionAt100 },
    foldAuc: result.foldAuc,
  };
  if (args.json) out(JSON.stringify(report, null, 2) + '\n');
  else {
    out(
      `${rows.length} rows (${positives} positive), ${columns.length} features, ${args.folds}-fold cross-validation (seed ${args.seed})\n` +
        `  AUC ${f3(m.auc)}  PR-AUC ${f3(m.prAuc)}  log loss ${f3(m.logLoss)}  Brier ${f3(m.brier)}  calibration error ${f3(m.ece)}  lift top 10% ${f3(m.liftTopDecile)}  precision at 100 ${f3(m.precisionAt100)}\n`,
    );
  }
  return EXIT.ok;
}
