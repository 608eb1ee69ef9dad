import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FileBundleSource } from '../connectors/file/index.js';
import { loadModelFolder } from '../src/model/artifact.js';
import type * as ScoreLeads from '../src/scoring/score-leads.js';
import { collectHistories, type LeadHistory } from '../src/sync/index.js';
import { generateBundle } from '../src/synthetic/index.js';

/**
 * A large batch with reasons is scored in parts whose TreeSHAP runs on worker threads while the
 * next part's features are built. Workers exist only in the compiled code (the suite's global
 * setup builds dist/), so this loads the compiled scorer, as shap-threads.test.ts does.
 */
const compiled = (await import(pathToFileURL(path.resolve(import.meta.dirname, '../dist/src/scoring/score-leads.js')).href)) as typeof ScoreLeads;
const DAY = 86_400_000;

describe('scoring a large batch in parts on worker threads', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pipeline-'));
  afterAll(() => {
    compiled.closeScoringThreads();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives every lead, in order, the score and reasons one thread gives, with each lead its own time', async () => {
    await generateBundle({ leads: 1500, seed: 3, outDir: dir });
    const { histories: generated } = await collectHistories(new FileBundleSource({ dir }));
    // Enough leads for several parts, the last one short; ids kept apart.
    const histories: LeadHistory[] = [];
    for (let copy = 0; histories.length < 2 * compiled.PART_ROWS + 1000; copy++) {
      for (const h of generated) histories.push({ ...h, lead: { ...h.lead, id: `${h.lead.id}-${copy}` } });
    }
    const models = await loadModelFolder(path.resolve(import.meta.dirname, '../models/default'));
    try {
      const base = new Date('2026-06-30T00:00:00Z').getTime();
      // Each lead's own time, from its index in the whole batch: a part must not restart the count.
      const asOf = (_: LeadHistory, i: number) => new Date(base - (i % 9) * DAY);
      const oneThread = await compiled.scoreHistories(models, histories, asOf, { threads: 1 });
      const inParts = await compiled.scoreHistories(models, histories, asOf, { threads: 2 });
      expect(inParts.map((s) => s.leadId)).toEqual(histories.map((h) => h.lead.id));
      expect(inParts).toEqual(oneThread);
      expect(oneThread.filter((s) => s.reasons.length > 0).length).toBe(histories.length);
      // Both go in parts now: leads on either side of a part's edge score as they do alone, at their own time.
      for (const i of [0, compiled.PART_ROWS - 1, compiled.PART_ROWS, 2 * compiled.PART_ROWS + 5, histories.length - 1]) {
        const [alone] = await compiled.scoreHistories(models, [histories[i]!], asOf(histories[i]!, i), { threads: 1 });
        expect(oneThread[i], `lead ${i}`).toEqual(alone);
      }
      // The times differ by lead, so the same lead at other indexes scores differently somewhere.
      const first = generated.length;
      expect(oneThread.some((s, i) => i + first < oneThread.length && s.probability !== oneThread[i + first]!.probability)).toBe(true);
    } finally {
      await models.close();
    }
  }, 120_000);
});
