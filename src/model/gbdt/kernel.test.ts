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
