import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBundle, type GenerateSummary } from './generate.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'generate-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const FILES = ['leads.csv', 'activities.csv', 'outcomes.csv', 'truth.csv'];
const digest = (dir: string) =>
  Object.fromEntries(FILES.map((f) => [f, createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex')]));

/** The file's rows as objects (the generator quotes only where a value needs it). */
function rows(dir: string, file: string): Array<Record<string, string>> {
  const [header, ...lines] = fs.readFileSync(path.join(dir, file), 'utf8').trimEnd().split('\n');
  const names = header!.split(',');
  return lines
    .filter((l) => !l.includes('"'))
    .map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], v])));
}

describe('generateBundle', () => {
  let summary: GenerateSummary;
  const dir = path.join(root, 'a');
  beforeAll(async () => {
    summary = await generateBundle({ leads: 3000, seed: 11, outDir: dir });
  });

  it('writes the same bytes for the same seed and other bytes for another', async () => {
    await generateBundle({ leads: 3000, seed: 11, outDir: path.join(root, 'b') });
    await generateBundle({ leads: 3000, seed: 12, outDir: path.join(root, 'c') });
    expect(digest(path.join(root, 'b'))).toEqual(digest(dir));
    const other = digest(path.join(root, 'c'));
    for (const f of FILES) expect(other[f]).not.toBe(digest(dir)[f]);
  });

  it('writes nothing after the export time and gives open leads no outcome but a truth row', () => {
    const exportAt = Date.parse(summary.exportAt);
    const activities = rows(dir, 'activities.csv');
    expect(activities.length).toBeGreaterThan(summary.leads * 5);
    expect(activities.every((a) => Date.parse(a.occurred_at!) < exportAt)).toBe(true);
    const outcomes = rows(dir, 'outcomes.csv');
    expect(outcomes.every((o) => Date.parse(o.outcome_at!) < exportAt)).toBe(true);
    const truth = rows(dir, 'truth.csv');
    expect(truth).toHaveLength(summary.open);
    const closed = new Set(outcomes.map((o) => o.lead_id));
    expect(truth.some((t) => closed.has(t.lead_id!))).toBe(false);
    expect(summary.outcomes + summary.open).toBe(summary.leads);
  });

  it('has sales activity after conversions: what a model must not train on', () => {
    const won = new Map(rows(dir, 'outcomes.csv').filter((o) => o.converted === '1' || o.converted === 'true').map((o) => [o.lead_id, Date.parse(o.outcome_at!)]));
    const after = rows(dir, 'activities.csv').filter((a) => won.has(a.lead_id!) && Date.parse(a.occurred_at!) > won.get(a.lead_id!)!);
    expect(after.length).toBeGreaterThan(won.size); // a few per won lead
    expect(new Set(after.map((a) => a.type))).toEqual(new Set(['meeting', 'call']));
  });

  it('converts at a plausible rate, more often for leads with high-intent activity', () => {
    const rate = summary.converted / summary.outcomes;
    expect(rate).toBeGreaterThan(0.08);
    expect(rate).toBeLessThan(0.3);
    const outcomes = new Map(rows(dir, 'outcomes.csv').map((o) => [o.lead_id, o]));
    const demo = new Set<string>();
    for (const a of rows(dir, 'activities.csv')) {
      const o = outcomes.get(a.lead_id!);
      if (a.type === 'demo_request' && o && Date.parse(a.occurred_at!) < Date.parse(o.outcome_at!)) demo.add(a.lead_id!);
    }
    const convRate = (ids: string[]) => ids.filter((id) => ['1', 'true'].includes(outcomes.get(id)!.converted!)).length / ids.length;
    const withDemo = [...outcomes.keys()].filter((id) => demo.has(id!)) as string[];
    const without = [...outcomes.keys()].filter((id) => !demo.has(id!)) as string[];
    expect(withDemo.length).toBeGreaterThan(50);
    expect(convRate(withDemo)).toBeGreaterThan(2 * convRate(without));
  });

  it('repeats some deliveries exactly and spells the same things in several ways', () => {
    expect(summary.activityRows).toBeGreaterThan(summary.activities);
    const countries = new Set(rows(dir, 'leads.csv').map((l) => l.country));
    expect(countries).toContain('US');
    expect(countries).toContain('United States');
    expect(countries).toContain('');
  });
});
