import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileBundleSource } from '../../connectors/file/index.js';
import { generateBundle } from '../synthetic/index.js';
import { collectHistories } from './collect.js';

describe('collectHistories', () => {
  it('holds each lead with its distinct activities in time order and its outcome, as an import would store them', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'collect-'));
    const summary = await generateBundle({ leads: 400, seed: 3, outDir: dir });
    const { histories, rejections, duplicates } = await collectHistories(new FileBundleSource({ dir }));
    expect(rejections).toEqual([]);
    expect(histories).toHaveLength(summary.leads);
    expect(histories.reduce((n, h) => n + h.activities.length, 0)).toBe(summary.activities);
    expect(duplicates).toBe(summary.activityRows - summary.activities + summary.leadRows - summary.leads);
    expect(histories.filter((h) => h.outcome).length).toBe(summary.outcomes);
    for (const h of histories) {
      for (let i = 1; i < h.activities.length; i++) {
        expect(h.activities[i]!.occurredAt.getTime()).toBeGreaterThanOrEqual(h.activities[i - 1]!.occurredAt.getTime());
      }
    }
    fs.rmSync(dir, { recursive: true });
  });
});
