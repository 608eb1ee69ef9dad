import type { FeatureMatrix, Tree, TreeEnsemble } from '../tree.js';

/**
 * Margins of a tree ensemble, following the split rules of tree.ts exactly. Only the model shape
 * is imported here: nothing of training.
 */
export function predictMargin(ensemble: TreeEnsemble, matrix: FeatureMatrix): Float64Array {
  if (matrix.cols !== ensemble.featureKinds.length) {
    throw new Error(`the model takes ${ensemble.featureKinds.length} features, the rows have ${matrix.cols}`);
  }
  const out = new Float64Array(matrix.rows).fill(ensemble.baseMargin);
  const lookups = ensemble.trees.map(categoryTables);
  for (let t = 0; t < ensemble.trees.length; t++) {
    const tree = ensemble.trees[t]!;
    const tables = lookups[t]!;
    for (let r = 0; r < matrix.rows; r++) out[r]! += tree.value[leaf(ensemble, tree, tables, matrix.values, r * matrix.cols)]!;
  }
  return out;
}

export function predictProbability(ensemble: TreeEnsemble, matrix: FeatureMatrix): Float64Array {
  const margin = predictMargin(ensemble, matrix);
  for (let i = 0; i < margin.length; i++) margin[i] = 1 / (1 + Math.exp(-margin[i]!));
  return margin;
}

/** Per node, a membership table for its categorical split (faster than searching the codes). */
export function categoryTables(tree: Tree): Array<Uint8Array | null> {
  return tree.categoriesLeft.map((codes) => {
    if (!codes) return null;
    const table = new Uint8Array(256);
    for (const c of codes) table[c] = 1;
    return table;
  });
}

/** Whether row `offset` of `values` goes left at `node`. */
export function goesLeft(ensemble: TreeEnsemble, tree: Tree, tables: Array<Uint8Array | null>, values: ArrayLike<number>, offset: number, node: number): boolean {
  const f = tree.feature[node]!;
  const x = values[offset + f]!;
  if (Number.isNaN(x)) return tree.missingLeft[node] === 1;
  const table = tables[node];
  if (table) {
    const known = Number.isInteger(x) && x >= 0 && x < ensemble.categoryCounts[f]!;
    return known ? table[x] === 1 : tree.missingLeft[node] === 1;
  }
  return Math.fround(x) <= tree.threshold[node]!;
}

export function leaf(ensemble: TreeEnsemble, tree: Tree, tables: Array<Uint8Array | null>, values: ArrayLike<number>, offset: number): number {
  let node = 0;
  while (tree.feature[node]! >= 0) node = goesLeft(ensemble, tree, tables, values, offset, node) ? tree.left[node]! : tree.right[node]!;
  return node;
}
