import { describe, expect, it } from 'vitest';
import { fitCategoryRanks, rankCategories } from './category-order.js';

describe('ordered categories', () => {
  // Code 0: 100 rows, 60% converted. Code 1: 2 rows, both converted. Code 2: 100 rows, 10%.
  // Code 3: no rows. Overall about 36% converted.
  const codes = [...Array(100).fill(0), 1, 1, ...Array(100).fill(2)];
  const labels = Uint8Array.from(codes, (code, i) => (code === 0 ? (i % 10 < 6 ? 1 : 0) : code === 1 ? 1 : i % 10 === 0 ? 1 : 0));
  const matrix = { rows: codes.length, cols: 2, values: Float64Array.from(codes.flatMap((code) => [0.5, code])) };

  it('ranks codes by conversion rate pulled toward the overall rate, a rare code most', () => {
    const ranks = fitCategoryRanks(matrix, labels, new Float64Array(codes.length).fill(1), ['numeric', 'categorical'], [0, 4]);
    expect(ranks[0]).toBeNull();
    // Two conversions of two rows rank below 60 of 100: (2 + 20 x 0.36) / 22 is about 0.42.
    expect(Array.from(ranks[1]!)).toEqual([2, 1, 0, -1]);
    // Rows count by their weight: with code 0's conversions weighted 0.01, it ranks lowest.
    const weights = Float64Array.from(codes, (code, i) => (code === 0 && labels[i] ? 0.01 : 1));
    expect(Array.from(fitCategoryRanks(matrix, labels, weights, ['numeric', 'categorical'], [0, 4])[1]!)).toEqual([0, 2, 1, -1]);
  });

  it('turns codes into ranks, and codes without a rank, unknown or not whole into NaN', () => {
    const ranks = [null, Int32Array.from([2, 1, 0, -1])];
    const input = { rows: 7, cols: 2, values: Float64Array.from([0.5, 0, 0.5, 1, 0.5, 2, 0.5, 3, 0.5, 9, 0.5, 1.5, 7, NaN]) };
    const out = rankCategories(input, ranks);
    expect(Array.from(out.values)).toEqual([0.5, 2, 0.5, 1, 0.5, 0, 0.5, NaN, 0.5, NaN, 0.5, NaN, 7, NaN]);
    expect(input.values[1]).toBe(0); // the input is left as it was
  });
});
