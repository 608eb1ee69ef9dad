import { describe, expect, it } from 'vitest';
import { rng } from '../../../test/helpers/random.js';
import { numericEdges } from './binning.js';

/** The edges by their definition: sort the float32 values, keep distinct ones or quantiles. */
function plainEdges(values: Float64Array, maxBins: number): number[] {
  const sorted = Array.from(values, Math.fround).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const distinct = sorted.filter((v, i) => i === 0 || v !== sorted[i - 1]);
  if (distinct.length <= maxBins) return [...distinct.slice(0, -1), Infinity];
  const edges: number[] = [];
  for (let k = 1; k < maxBins; k++) {
    const v = sorted[Math.floor((k * sorted.length) / maxBins)]!;
    if (edges.length === 0 || v > edges.at(-1)!) edges.push(v);
  }
  while (edges.length > 0 && edges.at(-1)! >= distinct.at(-1)!) edges.pop();
  return [...edges, Infinity];
}

describe('numericEdges', () => {
  const next = rng(5);
  const cases: Record<string, Float64Array> = {
    'spread values with missing ones': Float64Array.from({ length: 5000 }, () => (next() < 0.05 ? NaN : (next() - 0.5) * 1e4)),
    'few distinct values': Float64Array.from({ length: 3000 }, () => Math.floor(next() * 7) - 3),
    'infinities and heavy ties': Float64Array.from({ length: 4000 }, () => {
      const u = next();
      return u < 0.1 ? -Infinity : u < 0.2 ? Infinity : u < 0.6 ? 1.5 : -next() * 1e-30;
    }),
    'values float32 cannot tell apart': Float64Array.from({ length: 2000 }, () => 1 + next() * 1e-9),
    'nothing but missing values': new Float64Array(10).fill(NaN),
  };
  for (const [name, values] of Object.entries(cases)) {
    it(`gives the sorted float32 quantiles or distinct values: ${name}`, () => {
      for (const maxBins of [2, 16, 255]) expect(Array.from(numericEdges(values, maxBins))).toEqual(plainEdges(values, maxBins));
    });
  }
});
