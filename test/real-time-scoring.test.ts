import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LeadHistory } from '../src/domain/index.js';
import { loadModelFolder, type LoadedModelSet } from '../src/model/artifact.js';
import { RealTimeScorer } from '../src/scoring/real-time.js';
import { prepareExplainers, scoreHistories } from '../src/scoring/score-leads.js';
import { scoreLeads } from '../src/scoring/service.js';
import { DEFAULT_SETTINGS } from '../src/settings/index.js';

const DAY = 86_400_000;
const asOf = new Date('2026-06-30T00:00:00Z');

function history(id: string, title: string, activityDays: number[]): LeadHistory {
  const lead = {
    id,
    createdAt: new Date(asOf.getTime() - 40 * DAY),
    email: `${id.toLowerCase()}@acme.io`,
    firstName: null,
    lastName: null,
    title,
    company: 'Acme',
    industry: 'Software',
    employees: 400,
    annualRevenue: null,
    country: 'US',
    leadSource: 'Referral',
    attributes: {},
  };
  const activities = activityDays.map((d, i) => ({ leadId: id, type: i % 2 ? 'pricing_page_view' : 'page_view', occurredAt: new Date(asOf.getTime() - d * DAY), channel: null, detail: null }));
  return { lead, activities, outcome: null };
}

describe('real-time scoring', () => {
  let models: LoadedModelSet;
  beforeAll(async () => {
    models = await loadModelFolder(path.resolve(import.meta.dirname, '../models/default'));
  });
  afterAll(async () => {
    await models.close();
  });

  it('scores calls made in the same turn as one batch, each lead as if it were scored alone, at its own time', async () => {
    const scorer = new RealTimeScorer({ recordBatches: true });
    const calls = [
      { h: history('L1', 'VP Sales', [1, 2, 3]), at: asOf },
      { h: history('L1', 'Student', []), at: asOf }, // the same id twice: each call gets its own lead's score
      { h: history('L3', 'Head of Operations', [5, 9]), at: new Date(asOf.getTime() - 20 * DAY) },
    ];
    const together = await Promise.all(calls.map((c) => scorer.score(models, DEFAULT_SETTINGS, c.h, c.at)));
    expect(scorer.batchSizes).toEqual([3]);
    for (const [i, c] of calls.entries()) {
      const [alone] = await scoreLeads(models, DEFAULT_SETTINGS, [c.h], c.at);
      expect(together[i]).toEqual(alone);
      expect(together[i]!.scoredAt).toEqual(c.at);
    }
    expect(together[0]).not.toEqual(together[1]);
    // Calls of later turns make batches of their own.
    await scorer.score(models, DEFAULT_SETTINGS, calls[0]!.h, asOf);
    await scorer.score(models, DEFAULT_SETTINGS, calls[2]!.h, asOf);
    expect(scorer.batchSizes).toEqual([3, 1, 1]);
  });

  it('lets calls that come while a batch is being scored wait for it, then scores them together', async () => {
    const scorer = new RealTimeScorer({ recordBatches: true });
    // A composite model that takes 50 ms, so the first batch is surely still running.
    const composite = models.models.composite!;
    const slow: LoadedModelSet = {
      ...models,
      models: {
        ...models.models,
        composite: { ...composite, scorer: { ...composite.scorer, score: async (...args) => (await new Promise((r) => setTimeout(r, 50)), composite.scorer.score(...args)) } },
      },
    };
    const first = scorer.score(slow, DEFAULT_SETTINGS, history('W1', 'VP Sales', [1]), asOf);
    await new Promise((r) => setTimeout(r, 5));
    const second = scorer.score(slow, DEFAULT_SETTINGS, history('W2', 'VP Sales', [2]), asOf);
    await new Promise((r) => setTimeout(r, 5));
    const third = scorer.score(slow, DEFAULT_SETTINGS, history('W3', 'VP Sales', [3]), asOf);
    const scores = await Promise.all([first, second, third]);
    expect(scorer.batchSizes).toEqual([1, 2]);
    expect(scores.map((s) => s.leadId)).toEqual(['W1', 'W2', 'W3']);
  });

  it('fails only the call whose lead cannot be scored, not the others of its batch', async () => {
    const scorer = new RealTimeScorer({ recordBatches: true });
    const good = history('G1', 'Director of Marketing', [2]);
    const broken: LeadHistory = {
      lead: history('B1', 'CTO', []).lead,
      outcome: null,
      get activities(): LeadHistory['activities'] {
        throw new Error('this lead cannot be read');
      },
    };
    const [first, second, third] = await Promise.allSettled([
      scorer.score(models, DEFAULT_SETTINGS, good, asOf),
      scorer.score(models, DEFAULT_SETTINGS, broken, asOf),
      scorer.score(models, DEFAULT_SETTINGS, history('G2', 'Intern', []), asOf),
    ]);
    expect(scorer.batchSizes).toEqual([3]);
    expect(second).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: 'this lead cannot be read' }) });
    expect(first).toEqual({ status: 'fulfilled', value: (await scoreLeads(models, DEFAULT_SETTINGS, [good], asOf))[0] });
    expect(third).toMatchObject({ status: 'fulfilled', value: { status: 'scored', leadId: 'G2' } });
  });

  it('asks every model of a batch for its scores before it waits for any (onnxruntime-node runs each in a later turn)', async () => {
    const events: string[] = [];
    const watched = (name: 'composite' | 'fit' | 'engagement') => {
      const model = models.models[name]!;
      return {
        ...model,
        scorer: {
          ...model.scorer,
          score: async (...args: Parameters<typeof model.scorer.score>) => {
            events.push(`asked ${name}`);
            const result = await model.scorer.score(...args);
            events.push(`answered ${name}`);
            return result;
          },
        },
      };
    };
    const set: LoadedModelSet = { ...models, models: { composite: watched('composite'), fit: watched('fit'), engagement: watched('engagement') } };
    const [scored] = await scoreHistories(set, [history('T1', 'VP Sales', [1, 2])], asOf);
    expect(events.slice(0, 3).sort()).toEqual(['asked composite', 'asked engagement', 'asked fit']);
    expect(events).toHaveLength(6);
    expect(scored).toEqual((await scoreHistories(models, [history('T1', 'VP Sales', [1, 2])], asOf))[0]);
  });

  it('fails a batch whose model runs fail with the first failure, leaving none of them unhandled', async () => {
    const failing = (name: 'composite' | 'fit' | 'engagement') => {
      const model = models.models[name]!;
      return { ...model, scorer: { ...model.scorer, score: async () => Promise.reject(new Error(`${name} failed`)) } };
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const set: LoadedModelSet = { ...models, models: { composite: failing('composite'), fit: failing('fit'), engagement: failing('engagement') } };
      await expect(scoreHistories(set, [history('F1', 'VP Sales', [1])], asOf)).rejects.toThrow('composite failed');
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('builds the composite explainer once, ahead of the first lead when asked, and scoring shares it', async () => {
    const dir = path.resolve(import.meta.dirname, '../models/default');
    const fresh = await loadModelFolder(dir);
    try {
      const composites = 1 + Object.keys(fresh.segments).length;
      expect(prepareExplainers(fresh)).toBe(composites);
      expect(prepareExplainers(fresh)).toBe(0);
      const [first] = await scoreLeads(fresh, DEFAULT_SETTINGS, [history('P1', 'VP Sales', [1])], asOf);
      expect(first).toEqual((await scoreLeads(models, DEFAULT_SETTINGS, [history('P1', 'VP Sales', [1])], asOf))[0]);
    } finally {
      await fresh.close();
    }
    // A lead scored with reasons builds the explainer it needs; preparing afterwards has nothing left for that model.
    const other = await loadModelFolder(dir);
    try {
      await scoreLeads(other, DEFAULT_SETTINGS, [history('P2', 'VP Sales', [1])], asOf);
      expect(prepareExplainers(other)).toBe(Object.keys(other.segments).length);
    } finally {
      await other.close();
    }
  });

  it('keeps tenants apart: leads under other settings or models are never in the same batch', async () => {
    const scorer = new RealTimeScorer({ recordBatches: true });
    const other = { ...DEFAULT_SETTINGS };
    const [a, b, c] = await Promise.all([
      scorer.score(models, DEFAULT_SETTINGS, history('A1', 'VP Sales', [1]), asOf),
      scorer.score(models, other, history('A2', 'VP Sales', [1]), asOf),
      scorer.score(null, DEFAULT_SETTINGS, history('A3', 'VP Sales', [1]), asOf),
    ]);
    expect(scorer.batchSizes.sort()).toEqual([1, 1, 1]);
    expect(a).toMatchObject({ status: 'scored', leadId: 'A1' });
    expect(b).toMatchObject({ status: 'scored', leadId: 'A2' });
    expect(c).toMatchObject({ status: 'not_scored', leadId: 'A3' });
  });
});
