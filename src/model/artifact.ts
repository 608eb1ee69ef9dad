import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { FeatureSpec } from '../features/index.js';
import type { Calibration } from './calibrate.js';
import type { Metrics } from './metrics.js';
import { MODEL_NAMES, SIZE_BANDS, type ModelName, type ModelSet, type SizeBand, type TrainedModel } from './model-set.js';
import { exportToOnnx } from './onnx-export.js';
import { loadOnnxScorer, type OnnxScorer } from './onnx-runtime.js';
import type { Tree, TreeEnsemble } from './tree.js';

export const MODEL_FORMAT = 'leadscore-model/1';

const CalibrationSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('platt'), a: z.number(), b: z.number() }),
  z.object({ method: z.literal('isotonic'), x: z.array(z.number()), y: z.array(z.number()) }),
  z.object({ method: z.literal('none') }),
]);

const FeatureDefSchema = z.object({
  name: z.string(),
  kind: z.enum(['numeric', 'categorical']),
  group: z.enum(['fit', 'engagement']),
  categories: z.array(z.string()).optional(),
  attribute: z.string().optional(),
});

const ModelEntrySchema = z.object({
  file: z.string().regex(/^[\w.-]+\.onnx$/),
  /** TypeScript trees for exact explanations; absent for a model brought in from elsewhere. */
  trees: z.string().regex(/^[\w.-]+\.json$/).optional(),
  inputs: z.array(z.string()).min(1),
  /** Where the model's inputs are in the feature spec; defaults to looking them up by name. */
  columns: z.array(z.number().int().nonnegative()).optional(),
  probabilityOutput: z.string().optional(),
  probabilityColumn: z.number().int().nonnegative().optional(),
  calibration: CalibrationSchema.optional(),
  holdout: z.record(z.string(), z.number().nullable()).optional(),
});

export const ManifestSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  version: z.string().min(1),
  createdAt: z.string(),
  isDefault: z.boolean(),
  featureSpec: z.object({ version: z.string(), halfLifeDays: z.number().positive(), features: z.array(FeatureDefSchema).min(1) }),
  training: z.record(z.string(), z.unknown()).optional(),
  baseline: z.record(z.string(), z.unknown()).optional(),
  thresholds: z.object({
    fit: z.tuple([z.number(), z.number(), z.number()]),
    engagement: z.tuple([z.number(), z.number(), z.number()]),
    composite: z.tuple([z.number(), z.number()]),
  }),
  /** Probability at percentiles 0-100 of the training leads' scores (absent in older models). */
  distribution: z.record(z.enum(['fit', 'engagement', 'composite']), z.array(z.number()).length(101)).optional(),
  models: z.object({ composite: ModelEntrySchema, fit: ModelEntrySchema.optional(), engagement: ModelEntrySchema.optional() }),
  /** Composite models for company-size bands that earned one (see the model card). */
  segments: z
    .object({
      feature: z.literal('employees_log10'),
      considered: z.array(z.record(z.string(), z.unknown())).optional(),
      models: z.partialRecord(z.enum(SIZE_BANDS), ModelEntrySchema),
    })
    .optional(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

interface TreeJson {
  feature: number[];
  threshold: number[];
  categoriesLeft: Array<number[] | null>;
  missingLeft: number[];
  left: number[];
  right: number[];
  value: number[];
  cover: number[];
}

const treeToJson = (t: Tree): TreeJson => ({
  feature: Array.from(t.feature),
  threshold: Array.from(t.threshold),
  categoriesLeft: t.categoriesLeft.map((c) => (c ? Array.from(c) : null)),
  missingLeft: Array.from(t.missingLeft),
  left: Array.from(t.left),
  right: Array.from(t.right),
  value: Array.from(t.value),
  cover: Array.from(t.cover),
});

const treeFromJson = (t: TreeJson): Tree => ({
  feature: Int32Array.from(t.feature),
  threshold: Float64Array.from(t.threshold),
  categoriesLeft: t.categoriesLeft.map((c) => (c ? Int32Array.from(c) : null)),
  missingLeft: Uint8Array.from(t.missingLeft),
  left: Int32Array.from(t.left),
  right: Int32Array.from(t.right),
  value: Float64Array.from(t.value),
  cover: Float64Array.from(t.cover),
});

/** Write a model folder: one ONNX file per model, their trees, manifest.json and MODEL_CARD.md. */
export function writeModelFolder(set: ModelSet, dir: string, card: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const write = (file: string, model: TrainedModel, label: string): z.infer<typeof ModelEntrySchema> => {
    const onnx = exportToOnnx(model.ensemble, { featureNames: model.featureNames, calibration: model.calibration, docString: `Leadscore ${label} ${set.version}` });
    fs.writeFileSync(path.join(dir, `${file}.onnx`), onnx);
    fs.writeFileSync(path.join(dir, `${file}.trees.json`), JSON.stringify({ ...model.ensemble, trees: model.ensemble.trees.map(treeToJson) }));
    return {
      file: `${file}.onnx`,
      trees: `${file}.trees.json`,
      inputs: model.featureNames,
      columns: model.columns,
      calibration: model.calibration,
      holdout: model.holdout as unknown as Record<string, number>,
    };
  };
  const entries = {} as Record<ModelName, z.infer<typeof ModelEntrySchema>>;
  for (const name of MODEL_NAMES) entries[name] = write(name, set.models[name], `${name} model`);
  const segmentEntries: Partial<Record<SizeBand, z.infer<typeof ModelEntrySchema>>> = {};
  for (const band of SIZE_BANDS) {
    const model = set.segments.models[band];
    if (model) segmentEntries[band] = write(`composite-employees-${band.replace('+', 'plus')}`, model, `composite model for companies of ${band} employees`);
  }
  const manifest: Manifest = {
    format: MODEL_FORMAT,
    version: set.version,
    createdAt: set.createdAt,
    isDefault: set.isDefault,
    featureSpec: set.spec as Manifest['featureSpec'],
    training: set.training as unknown as Record<string, unknown>,
    baseline: set.baseline as unknown as Record<string, unknown>,
    thresholds: set.thresholds,
    distribution: set.distribution,
    models: entries,
    segments: { feature: set.segments.feature, considered: set.segments.considered as unknown as Array<Record<string, unknown>>, models: segmentEntries },
  };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'MODEL_CARD.md'), card);
}

export interface LoadedModel {
  name: ModelName;
  columns: number[];
  scorer: OnnxScorer;
  /** Present when the folder has the trees: exact TreeSHAP explanations. */
  ensemble: TreeEnsemble | null;
  calibration: Calibration | null;
  holdout: Partial<Metrics> | null;
}

export interface LoadedModelSet {
  dir: string;
  manifest: Manifest;
  spec: FeatureSpec;
  models: Partial<Record<ModelName, LoadedModel>> & { composite: LoadedModel };
  /** Composite models of company-size bands that have one; other bands use `models.composite`. */
  segments: Partial<Record<SizeBand, LoadedModel>>;
  close(): Promise<void>;
}

/** Read and check a model folder; every problem names the file and what is wrong. */
export async function loadModelFolder(dir: string): Promise<LoadedModelSet> {
  const manifestFile = path.join(dir, 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${manifestFile}: ${(err as Error).message}`);
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${manifestFile} is not a Leadscore model manifest: ${z.prettifyError(parsed.error)}`);
  const manifest = parsed.data;
  const spec = manifest.featureSpec as FeatureSpec;
  const names = spec.features.map((f) => f.name);
  const loaded: LoadedModel[] = [];
  const load = async (name: ModelName, entry: z.infer<typeof ModelEntrySchema>): Promise<LoadedModel> => {
    const columns = entry.columns ?? entry.inputs.map((input) => names.indexOf(input));
    const unknown = entry.inputs.filter((_, i) => !(columns[i]! >= 0 && names[columns[i]!] === entry.inputs[i]));
    if (unknown.length > 0 || columns.length !== entry.inputs.length) {
      throw new Error(`${manifestFile}: the inputs ${JSON.stringify(unknown)} of ${entry.file} are not features of its spec at the listed columns`);
    }
    const bytes = fs.readFileSync(path.join(dir, entry.file));
    const scorer = await loadOnnxScorer(bytes, {
      featureNames: entry.inputs,
      ...(entry.probabilityOutput ? { probabilityOutput: entry.probabilityOutput } : {}),
      ...(entry.probabilityColumn !== undefined ? { probabilityColumn: entry.probabilityColumn } : {}),
    }).catch((err: Error) => {
      throw new Error(`${path.join(dir, entry.file)}: ${err.message}`);
    });
    let ensemble: TreeEnsemble | null = null;
    if (entry.trees) {
      const json = JSON.parse(fs.readFileSync(path.join(dir, entry.trees), 'utf8')) as Omit<TreeEnsemble, 'trees'> & { trees: TreeJson[] };
      ensemble = { ...json, trees: json.trees.map(treeFromJson) };
    }
    const model: LoadedModel = { name, columns, scorer, ensemble, calibration: (entry.calibration as Calibration | undefined) ?? null, holdout: (entry.holdout as Partial<Metrics>) ?? null };
    loaded.push(model);
    return model;
  };
  const models: Partial<Record<ModelName, LoadedModel>> = {};
  const segments: Partial<Record<SizeBand, LoadedModel>> = {};
  try {
    for (const name of MODEL_NAMES) {
      const entry = manifest.models[name];
      if (entry) models[name] = await load(name, entry);
    }
    for (const band of SIZE_BANDS) {
      const entry = manifest.segments?.models[band];
      if (entry) segments[band] = await load('composite', entry);
    }
  } catch (err) {
    await Promise.all(loaded.map((m) => m.scorer.close()));
    throw err;
  }
  return {
    dir,
    manifest,
    spec,
    models: models as LoadedModelSet['models'],
    segments,
    close: async () => {
      await Promise.all(loaded.map((m) => m.scorer.close()));
    },
  };
}
