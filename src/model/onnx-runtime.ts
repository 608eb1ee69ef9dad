import ort from 'onnxruntime-node';
import type { FeatureMatrix } from '../features/index.js';

export interface OnnxScorer {
  /** Names of the model's inputs, in order, as its manifest gives them. */
  readonly featureNames: string[];
  /**
   * `columns`: where the model's inputs are in the matrix, in order (default: the matrix holds
   * exactly the model's inputs). They are read straight into the float32 input, with no copy of
   * the columns in between.
   */
  score(matrix: FeatureMatrix, columns?: readonly number[]): Promise<{ margin: Float64Array | null; probability: Float64Array }>;
  close(): Promise<void>;
}

export interface OnnxExpectation {
  featureNames: string[];
  /** Output holding the probability; default `probability`. */
  probabilityOutput?: string;
  /** For an output of shape rows x k (e.g. sklearn's `probabilities`), the column of the positive class. */
  probabilityColumn?: number;
}

/**
 * Load a model for scoring with onnxruntime on one thread. What the model takes and gives is
 * checked against what its manifest says before the first score: a mismatch is refused with
 * both sides named, never scored into nonsense.
 */
export async function loadOnnxScorer(bytes: Uint8Array, expected: OnnxExpectation): Promise<OnnxScorer> {
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
  });
  const width = expected.featureNames.length;
  const problems: string[] = [];
  if (session.inputNames.length !== 1) problems.push(`the model has ${session.inputNames.length} inputs (${session.inputNames.join(', ')}); one is expected`);
  const input = session.inputNames[0]!;
  const metadata = session.inputMetadata?.[0];
  if (metadata && metadata.isTensor) {
    const dims = metadata.shape;
    const cols = dims[1];
    if (typeof cols === 'number' && cols !== width) problems.push(`the model's input "${input}" takes ${cols} features but the manifest names ${width}`);
    if (metadata.type !== 'float32') problems.push(`the model's input "${input}" is ${metadata.type}, not float32`);
  }
  const probabilityOutput = expected.probabilityOutput ?? 'probability';
  if (!session.outputNames.includes(probabilityOutput)) {
    problems.push(`the model has no output "${probabilityOutput}" (it has ${session.outputNames.join(', ')})`);
  }
  if (problems.length > 0) {
    await session.release();
    throw new Error(`this ONNX model does not match its manifest: ${problems.join('; ')}`);
  }
  const hasMargin = session.outputNames.includes('margin');
  return {
    featureNames: expected.featureNames,
    async score(matrix, columns) {
      if ((columns?.length ?? matrix.cols) !== width) throw new Error(`rows have ${columns?.length ?? matrix.cols} features, the model takes ${width}`);
      let values: Float32Array;
      if (!columns) values = new Float32Array(matrix.values);
      else {
        values = new Float32Array(matrix.rows * width);
        const from = matrix.values;
        for (let r = 0; r < matrix.rows; r++) {
          const row = r * matrix.cols;
          for (let c = 0; c < width; c++) values[r * width + c] = from[row + columns[c]!]!;
        }
      }
      const feed = new ort.Tensor('float32', values, [matrix.rows, width]);
      const outputs = await session.run({ [input]: feed });
      const column = (name: string, index: number) => {
        const tensor = outputs[name]!;
        const data = tensor.data as Float32Array | Float64Array;
        const k = tensor.dims.length > 1 ? Number(tensor.dims[1]) : 1;
        if (index >= k) throw new Error(`output "${name}" has ${k} columns; column ${index} was asked for`);
        const out = new Float64Array(matrix.rows);
        for (let r = 0; r < matrix.rows; r++) out[r] = data[r * k + index]!;
        return out;
      };
      return {
        margin: hasMargin ? column('margin', 0) : null,
        probability: column(probabilityOutput, expected.probabilityColumn ?? 0),
      };
    },
    close: () => session.release(),
  };
}
