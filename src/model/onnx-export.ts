import onnxProto from 'onnx-proto';
import type { Calibration } from './calibrate.js';
import type { TreeEnsemble } from './tree.js';

const { onnx } = onnxProto;
const A = onnx.AttributeProto.AttributeType;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const UINT8 = onnx.TensorProto.DataType.UINT8;

/** ai.onnx.ml TreeEnsemble (opset 5) node modes. */
const BRANCH_LEQ = 0;
const BRANCH_MEMBER = 6;

type Attr = onnxProto.onnx.IAttributeProto;

const ints = (name: string, values: number[]): Attr => ({ name, type: A.INTS, ints: values });
const int = (name: string, value: number): Attr => ({ name, type: A.INT, i: value });
const floatTensor = (name: string, values: number[], dims = [values.length]): Attr => ({
  name,
  type: A.TENSOR,
  t: { dims, dataType: FLOAT, floatData: values },
});

const constant = (name: string, dims: number[], values: number[], dataType = FLOAT): onnxProto.onnx.INodeProto => ({
  opType: 'Constant',
  output: [name],
  attribute: [{ name: 'value', type: A.TENSOR, t: dataType === INT64 ? { dims, dataType, int64Data: values } : { dims, dataType, floatData: values } }],
});

const node = (opType: string, input: string[], output: string[], attribute: Attr[] = []): onnxProto.onnx.INodeProto => ({ opType, input, output, attribute });

/**
 * Where a split on ranked categories (see TreeEnsemble.categoryRanks) is "rank <= r", the rank
 * r, as long as the set is exactly that: the codes ranked up to r, plus the unranked codes when
 * missing values go left (unranked codes become NaN in the rank column). Otherwise null.
 */
function rankThreshold(codes: Int32Array, ranks: readonly number[], missingLeft: boolean): number | null {
  const inSet = new Uint8Array(ranks.length);
  let top = -1;
  for (const code of codes) {
    if (code >= ranks.length) return null;
    inSet[code] = 1;
    top = Math.max(top, ranks[code]!);
  }
  for (let code = 0; code < ranks.length; code++) {
    const rank = ranks[code]!;
    const expected = rank >= 0 ? rank <= top : missingLeft;
    if ((inSet[code] === 1) !== expected) return null;
  }
  return top;
}

/**
 * The tree ensemble as an ai.onnx.ml TreeEnsemble (opset 5, which onnxruntime 1.30 runs):
 * numeric splits are BRANCH_LEQ on float32 thresholds, NaN follows each node's learned missing
 * direction. A split on ranked categories is BRANCH_LEQ on the column's rank, which the graph
 * appends to the input (input column `rankColumns[c]`); other categorical splits are
 * BRANCH_MEMBER, after category codes a column does not know are turned into NaN, so they go the
 * missing way as in the TypeScript predictor.
 */
function treeNodes(
  ensemble: TreeEnsemble,
  rankColumns: ReadonlyMap<number, number>,
  input: string,
  output: string,
): { nodes: onnxProto.onnx.INodeProto[]; members: number } {
  const featureIds: number[] = [];
  const modes: number[] = [];
  const splits: number[] = [];
  const trueIds: number[] = [];
  const trueLeaf: number[] = [];
  const falseIds: number[] = [];
  const falseLeaf: number[] = [];
  const missingTrue: number[] = [];
  const membership: number[] = [];
  const roots: number[] = [];
  const leafWeights: number[] = [];
  let base = ensemble.baseMargin;

  for (const tree of ensemble.trees) {
    if (tree.feature[0]! < 0) {
      base += tree.value[0]!; // a tree of one leaf is a constant
      continue;
    }
    // Number the tree's split nodes and leaves in the order ONNX lists them.
    const splitIndex = new Map<number, number>();
    const leafIndex = new Map<number, number>();
    for (let i = 0; i < tree.feature.length; i++) {
      if (tree.feature[i]! >= 0) splitIndex.set(i, featureIds.length + splitIndex.size);
    }
    for (let i = 0; i < tree.feature.length; i++) {
      if (tree.feature[i]! < 0) {
        leafIndex.set(i, leafWeights.length);
        leafWeights.push(tree.value[i]!);
      }
    }
    roots.push(splitIndex.get(0)!);
    const link = (child: number, ids: number[], leafFlags: number[]) => {
      const isLeaf = tree.feature[child]! < 0;
      ids.push(isLeaf ? leafIndex.get(child)! : splitIndex.get(child)!);
      leafFlags.push(isLeaf ? 1 : 0);
    };
    for (let i = 0; i < tree.feature.length; i++) {
      if (tree.feature[i]! < 0) continue;
      const f = tree.feature[i]!;
      const rankColumn = rankColumns.get(f);
      const ranks = ensemble.categoryRanks?.[f];
      const rank = rankColumn !== undefined && ranks ? rankThreshold(tree.categoriesLeft[i]!, ranks, tree.missingLeft[i] === 1) : null;
      if (rank !== null) {
        featureIds.push(rankColumn!);
        modes.push(BRANCH_LEQ);
        splits.push(rank);
        link(tree.left[i]!, trueIds, trueLeaf);
        link(tree.right[i]!, falseIds, falseLeaf);
        missingTrue.push(tree.missingLeft[i]!);
        continue;
      }
      featureIds.push(f);
      let codes = tree.categoriesLeft[i];
      // onnxruntime tests a set about one code at a time (measured: 10 to 16% off our models'
      // time), so a set of more than half the known codes is written as the rest, branches swapped.
      const count = ensemble.categoryCounts[tree.feature[i]!]!;
      const flip = !!codes && 2 * codes.length > count && codes.length < count;
      if (flip) {
        const left = new Set(codes);
        codes = Int32Array.from({ length: count }, (_, c) => c).filter((c) => !left.has(c));
      }
      if (codes) {
        modes.push(BRANCH_MEMBER);
        splits.push(NaN);
        membership.push(...codes, NaN);
      } else {
        modes.push(BRANCH_LEQ);
        splits.push(tree.threshold[i]!);
      }
      link(flip ? tree.right[i]! : tree.left[i]!, trueIds, trueLeaf);
      link(flip ? tree.left[i]! : tree.right[i]!, falseIds, falseLeaf);
      missingTrue.push(flip ? 1 - tree.missingLeft[i]! : tree.missingLeft[i]!);
    }
  }

  const nodes: onnxProto.onnx.INodeProto[] = [];
  if (roots.length === 0) {
    // Every tree is a constant: margin = base for every row.
    nodes.push(constant('base_margin', [1, 1], [base]));
    nodes.push(node('Shape', [input], ['input_shape']));
    nodes.push(constant('first_dim', [1], [0], INT64));
    nodes.push(constant('one_dim', [1], [1], INT64));
    nodes.push(node('Gather', ['input_shape', 'first_dim'], ['rows']));
    nodes.push(node('Concat', ['rows', 'one_dim'], ['margin_shape'], [int('axis', 0)]));
    nodes.push(node('Expand', ['base_margin', 'margin_shape'], [output]));
    return { nodes, members: 0 };
  }
  const attributes: Attr[] = [
    int('aggregate_function', 1), // SUM
    int('post_transform', 0), // NONE
    int('n_targets', 1),
    ints('tree_roots', roots),
    ints('nodes_featureids', featureIds),
    { name: 'nodes_modes', type: A.TENSOR, t: { dims: [modes.length], dataType: UINT8, rawData: Uint8Array.from(modes) } },
    floatTensor('nodes_splits', splits),
    ints('nodes_truenodeids', trueIds),
    ints('nodes_trueleafs', trueLeaf),
    ints('nodes_falsenodeids', falseIds),
    ints('nodes_falseleafs', falseLeaf),
    ints('nodes_missing_value_tracks_true', missingTrue),
    ints('leaf_targetids', new Array(leafWeights.length).fill(0)),
    floatTensor('leaf_weights', leafWeights),
  ];
  if (membership.length > 0) attributes.push(floatTensor('membership_values', membership));
  nodes.push({ opType: 'TreeEnsemble', domain: 'ai.onnx.ml', input: [input], output: ['tree_sum'], attribute: attributes });
  nodes.push(constant('base_margin', [1, 1], [base]));
  nodes.push(node('Add', ['tree_sum', 'base_margin'], [output]));
  return { nodes, members: modes.filter((m) => m === BRANCH_MEMBER).length };
}

/**
 * The rank of each ranked column's code (NaN for a code that has none, is not a whole number or
 * is missing), appended after the input's columns: one Gather from a table of all their ranks.
 */
function appendRanks(ensemble: TreeEnsemble, columns: readonly number[], input: string, output: string): onnxProto.onnx.INodeProto[] {
  const table: number[] = [];
  const offsets: number[] = [];
  const sentinels: number[] = [];
  for (const c of columns) {
    offsets.push(table.length);
    table.push(...ensemble.categoryRanks![c]!.map((rank) => (rank >= 0 ? rank : NaN)));
    sentinels.push(table.length);
    table.push(NaN);
  }
  const r = columns.length;
  return [
    constant('rank_inputs', [r], [...columns], INT64),
    constant('rank_limits', [1, r], columns.map((c) => ensemble.categoryRanks![c]!.length)),
    constant('rank_offsets', [1, r], offsets),
    constant('rank_sentinels', [1, r], sentinels),
    constant('rank_zero', [1], [0]),
    constant('rank_table', [table.length], table),
    node('Gather', [input, 'rank_inputs'], ['rank_codes'], [int('axis', 1)]),
    node('GreaterOrEqual', ['rank_codes', 'rank_zero'], ['rank_nonnegative']),
    node('Less', ['rank_codes', 'rank_limits'], ['rank_below']),
    node('Floor', ['rank_codes'], ['rank_floor']),
    node('Equal', ['rank_floor', 'rank_codes'], ['rank_whole']),
    node('And', ['rank_nonnegative', 'rank_below'], ['rank_in_range']),
    node('And', ['rank_in_range', 'rank_whole'], ['rank_known']),
    node('Add', ['rank_codes', 'rank_offsets'], ['rank_shifted']),
    node('Where', ['rank_known', 'rank_shifted', 'rank_sentinels'], ['rank_at']),
    node('Cast', ['rank_at'], ['rank_index'], [int('to', INT64)]),
    node('Gather', ['rank_table', 'rank_index'], ['rank_values'], [int('axis', 0)]),
    node('Concat', [input, 'rank_values'], [output], [int('axis', 1)]),
  ];
}

/** Codes at or above a categorical column's count become NaN; numeric columns pass through. */
function unseenToMissing(ensemble: TreeEnsemble, input: string, output: string): onnxProto.onnx.INodeProto[] {
  if (!ensemble.featureKinds.includes('categorical')) return [node('Identity', [input], [output])];
  const limits = ensemble.featureKinds.map((kind, c) => (kind === 'categorical' ? ensemble.categoryCounts[c]! : Infinity));
  return [
    constant('category_limits', [1, limits.length], limits),
    constant('nan', [1], [NaN]),
    node('GreaterOrEqual', [input, 'category_limits'], ['unseen']),
    node('Where', ['unseen', 'nan', input], [output]),
  ];
}

function calibrationNodes(calibration: Calibration, margin: string, output: string): onnxProto.onnx.INodeProto[] {
  const clip = [constant('p_min', [], [1e-6]), constant('p_max', [], [1 - 1e-6])];
  switch (calibration.method) {
    case 'none':
      return [node('Sigmoid', [margin], [output])];
    case 'platt':
      return [
        ...clip,
        constant('platt_a', [1, 1], [calibration.a]),
        constant('platt_b', [1, 1], [calibration.b]),
        node('Mul', [margin, 'platt_a'], ['platt_scaled']),
        node('Add', ['platt_scaled', 'platt_b'], ['platt_logit']),
        node('Sigmoid', ['platt_logit'], ['platt_p']),
        node('Clip', ['platt_p', 'p_min', 'p_max'], [output]),
      ];
    case 'isotonic': {
      const { x, y } = calibration;
      if (x.length < 2) throw new Error('an isotonic map of one point is a constant; export it as Platt with a = 0');
      // y0 + sum over segments of slope x (Relu(m - x_k) - Relu(m - x_k+1)): exact piecewise linear, flat outside.
      const k = x.length - 1;
      const slopes = Array.from({ length: k }, (_, i) => (y[i + 1]! - y[i]!) / (x[i + 1]! - x[i]!));
      return [
        constant('iso_x0', [1, k], x.slice(0, k)),
        constant('iso_x1', [1, k], x.slice(1)),
        constant('iso_slopes', [k, 1], slopes),
        constant('iso_y0', [1, 1], [y[0]!]),
        node('Sub', [margin, 'iso_x0'], ['iso_d0']),
        node('Sub', [margin, 'iso_x1'], ['iso_d1']),
        node('Relu', ['iso_d0'], ['iso_r0']),
        node('Relu', ['iso_d1'], ['iso_r1']),
        node('Sub', ['iso_r0', 'iso_r1'], ['iso_ramps']),
        node('MatMul', ['iso_ramps', 'iso_slopes'], ['iso_rise']),
        node('Add', ['iso_rise', 'iso_y0'], [output]),
      ];
    }
  }
}

export interface OnnxExportOptions {
  featureNames: string[];
  calibration: Calibration;
  docString?: string;
}

/**
 * A model file: input `features` (float32, rows x features, NaN for missing), outputs `margin`
 * (log-odds before calibration) and `probability` (calibrated), each rows x 1.
 */
export function exportToOnnx(ensemble: TreeEnsemble, options: OnnxExportOptions): Uint8Array {
  const width = ensemble.featureKinds.length;
  if (options.featureNames.length !== width) {
    throw new Error(`${options.featureNames.length} feature names for a model of ${width} features`);
  }
  if (options.calibration.method === 'isotonic' && options.calibration.x.length < 2) {
    options = { ...options, calibration: { method: 'platt', a: 0, b: Math.log(options.calibration.y[0]! / (1 - options.calibration.y[0]!)) } };
  }
  // Ranked columns that some split can test as a rank, each appended as input column width + j.
  const ranked = (ensemble.categoryRanks ?? []).flatMap((ranks, c) => (ranks && ensemble.featureKinds[c] === 'categorical' ? [c] : []));
  const rankColumns = new Map(ranked.map((c, j) => [c, width + j]));
  const trees = treeNodes(ensemble, rankColumns, ranked.length > 0 ? 'features_ranked' : 'features_known', 'margin');
  const nodes = [
    // Sets of codes need unknown codes made missing first; ranks handle them in appendRanks.
    ...(trees.members > 0 ? unseenToMissing(ensemble, 'features', 'features_known') : [node('Identity', ['features'], ['features_known'])]),
    ...(ranked.length > 0 ? appendRanks(ensemble, ranked, 'features_known', 'features_ranked') : []),
    ...trees.nodes,
    ...calibrationNodes(options.calibration, 'margin', 'probability'),
  ];
  const tensorType = (name: string, cols: number) => ({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'rows' }, { dimValue: cols }] } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 10,
    producerName: 'leadscore',
    docString: options.docString ?? '',
    opsetImport: [
      { domain: '', version: 21 },
      { domain: 'ai.onnx.ml', version: 5 },
    ],
    metadataProps: [{ key: 'feature_names', value: JSON.stringify(options.featureNames) }],
    graph: {
      name: 'leadscore',
      node: nodes,
      input: [tensorType('features', width)],
      output: [tensorType('margin', 1), tensorType('probability', 1)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
