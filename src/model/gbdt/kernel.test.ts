import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rng } from '../../../test/helpers/random.js';
import { assembleKernels } from '../../../tools/build-kernel.mjs';
import { histKernel, WorkMemory } from './kernel.js';

const COLUMN_SIZE = 512;
const HIST_BINS = 256;

describe('histogram kernel', () => {
  it('is what the .wat files assemble to (npm run kernel)', async () => {
    const committed = fs.readFileSync(path.join(import.meta.dirname, 'kernels-wasm.ts'), 'utf8');
    expect(committed).toBe(await assembleKernels());
  });

  it('adds gradients, hessians and counts exactly as a plain loop does', () => {
    const next = rng(5);
    const rows = 500;
    const cols = 9;
    // an odd block width leaves one position after the pairs
    const from = 2;
    const to = 7;
    const width = to - from;
    const memory = new WorkMemory(1 << 16);
    const packed = memory.uint8(rows * cols, 'bins');
    const order = memory.int32(rows, 'rows');
    const gh = memory.float64(2 * rows, 'gradients');
    const counted = memory.int32(2, 'counted');
    const hist = memory.float64(cols * (COLUMN_SIZE + HIST_BINS), 'histogram');
    for (let i = 0; i < packed.length; i++) packed[i] = Math.floor(next() * 256);
    for (let i = 0; i < gh.length; i++) gh[i] = next() * 2 - 1;
    for (let i = 0; i < rows; i++) order[i] = (i * 37) % rows;
    counted.set([3, 6]);
    const start = 40;
    const end = 430;
    const expected = new Float64Array(hist.length);
    const countBase = cols * COLUMN_SIZE;
    for (let i = start; i < end; i++) {
      const row = order[i]!;
      for (let k = from; k < to; k++) {
        const bin = packed[from * rows + row * width + k - from]!;
        expected[k * COLUMN_SIZE + 2 * bin]! += gh[2 * row]!;
        expected[k * COLUMN_SIZE + 2 * bin + 1]! += gh[2 * row + 1]!;
      }
      for (const k of counted) expected[countBase + k * HIST_BINS + packed[from * rows + row * width + k - from]!]! += 1;
    }
    histKernel(memory.memory).addRows(
      packed.byteOffset,
      order.byteOffset,
      gh.byteOffset,
      hist.byteOffset,
      start,
      end,
      from,
      to,
      rows,
      counted.byteOffset,
      counted.length,
      hist.byteOffset + 8 * countBase,
    );
    expect(Array.from(hist)).toEqual(Array.from(expected));
    // positions outside the block are untouched
    expect(hist.subarray(0, from * COLUMN_SIZE).every((v) => v === 0)).toBe(true);
  });

  it('packs a block of features row by row as hist.ts lays them out', () => {
    const next = rng(3);
    const rows = 301;
    const cols = 7;
    const memory = new WorkMemory(1 << 16);
    const bins = memory.uint8(rows * cols, 'bins');
    const features = memory.int32(5, 'features');
    const packed = memory.uint8(rows * 5, 'packed');
    for (let i = 0; i < bins.length; i++) bins[i] = Math.floor(next() * 256);
    // sampled columns in any order; the block is positions [2, 5)
    features.set([6, 0, 4, 1, 3]);
    const from = 2;
    const to = 5;
    histKernel(memory.memory).packBlock(bins.byteOffset, features.byteOffset, packed.byteOffset, from, to, rows);
    for (let r = 0; r < rows; r++) {
      for (let k = from; k < to; k++) expect(packed[from * rows + r * (to - from) + k - from]).toBe(bins[features[k]! * rows + r]);
    }
    // the other blocks' bytes are untouched
    expect(packed.subarray(0, from * rows).every((v) => v === 0)).toBe(true);
  });

  it('finds the split of a numeric feature that a plain search over every candidate finds', () => {
    const next = rng(9);
    const memory = new WorkMemory(1 << 16);
    const kernel = histKernel(memory.memory);
    const hist = memory.float64(COLUMN_SIZE, 'histogram');
    const l2 = 1;
    const minH = 0.5;
    let withMissingLeft = 0;
    let checked = 0;
    for (let trial = 0; trial < 300; trial++) {
      const count = 2 + Math.floor(next() * 40);
      hist.fill(0);
      // some empty bins; gradients leaning one way or the other in runs, so that splits gain
      for (let b = 0; b < count; b++) {
        if (next() < 0.2) continue;
        const h = next() * 3;
        hist[2 * b] = (b < count / 2 ? -1 : 1) * h * (0.2 + next()) + (next() - 0.5);
        hist[2 * b + 1] = h;
      }
      const hasMissing = trial % 3 !== 0;
      const gm = hasMissing ? (next() - 0.5) * 6 : 0;
      const hm = hasMissing ? next() * 4 : 0;
      let G = gm;
      let H = hm;
      for (let b = 0; b < count; b++) {
        G += hist[2 * b]!;
        H += hist[2 * b + 1]!;
      }
      const parentScore = (G * G) / (H + l2);
      // the plain search: every bin as the last going left, missing values right then left
      let best = { bin: -1, gain: 1e-12, gl: 0, hl: 0, missingLeft: false };
      let gl = 0;
      let hl = 0;
      for (let b = 0; b < count - 1; b++) {
        if (hist[2 * b + 1] === 0) continue;
        gl += hist[2 * b]!;
        hl += hist[2 * b + 1]!;
        for (const left of hasMissing ? [false, true] : [false]) {
          const g = left ? gl + gm : gl;
          const h = left ? hl + hm : hl;
          if (h < minH || H - h < minH) continue;
          const gain = (g * g) / (h + l2) + ((G - g) * (G - g)) / (H - h + l2) - parentScore;
          if (gain > best.gain) best = { bin: b, gain, gl: g, hl: h, missingLeft: left || (!hasMissing && h >= H - h) };
        }
      }
      const found = kernel.scanNumeric(hist.byteOffset, count, G, H, gm, hm, hasMissing ? 1 : 0, minH, l2, parentScore, 1e-12, (1e-12 + parentScore) * (1 - 1e-9), 1 - 1e-9);
      expect(found).toBe(best.bin);
      if (found < 0) continue;
      checked++;
      if (best.missingLeft && hasMissing) withMissingLeft++;
      expect(kernel.gain.value).toBeCloseTo(best.gain, 12);
      expect(kernel.leftG.value).toBeCloseTo(best.gl, 12);
      expect(kernel.leftH.value).toBeCloseTo(best.hl, 12);
      expect(kernel.missingLeft.value).toBe(best.missingLeft ? 1 : 0);
    }
    // the trials cover splits found, and missing values sent either way
    expect(checked).toBeGreaterThan(200);
    expect(withMissingLeft).toBeGreaterThan(20);
  });

  it('keeps earlier views valid as the memory grows, and names what passed the limit', () => {
    const memory = new WorkMemory(1, 'training', 4);
    const first = memory.float64(1000, 'first');
    first[999] = 7;
    const second = memory.float64(20_000, 'second');
    second[0] = 3;
    expect(first[999]).toBe(7);
    expect(new Float64Array(memory.memory.buffer, second.byteOffset, 1)[0]).toBe(3);
    expect(() => memory.float64(100_000, 'histogram 12')).toThrow(/more than 0\.25 MiB of working memory \(at histogram 12\)/);
  });
});
