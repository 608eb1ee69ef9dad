import { describe, expect, it } from 'vitest';
import { makeLead, type Timeline } from './lead.js';
import { generateBundle } from './generate.js';

const DAY = 86_400_000;
const exportAt = Date.parse('2026-12-31T00:00:00Z');
const base: Timeline = { exportAt, startAt: exportAt - 540 * DAY, changeAt: exportAt - 182 * DAY, leads: 4000, seed: 3 };
const shiftAt = Date.parse('2026-07-01T00:00:00Z');

describe('drift scenario (GenerateOptions.shift)', () => {
  it('leaves the bundle without a shift exactly as it was', () => {
    for (let i = 0; i < 200; i += 7) expect(makeLead({ ...base, shiftAt: null }, i)).toEqual(makeLead(base, i));
  });

  it('brings leads created after the shift from other industries and sources', () => {
    const leads = Array.from({ length: base.leads }, (_, i) => makeLead({ ...base, shiftAt, changeAt: shiftAt }, i));
    const created = (row: string[]) => Date.parse(row[1]!.replace(/([+-]\d\d:\d\d|Z)?$/, (m) => m || 'Z'));
    const share = (rows: string[][], test: RegExp, column: number) => rows.filter((r) => test.test(r[column]!)).length / rows.length;
    const before = leads.filter((l) => created(l.row) < shiftAt).map((l) => l.row);
    const after = leads.filter((l) => created(l.row) >= shiftAt).map((l) => l.row);
    expect(after.length).toBeGreaterThan(500);
    // Column 7 is industry, 11 lead source (LEAD_HEADER order).
    expect(share(after, /health|medical|hospital|pharma/i, 7)).toBeGreaterThan(2 * share(before, /health|medical|hospital|pharma/i, 7));
    expect(share(after, /list/i, 11)).toBeGreaterThan(2 * share(before, /list/i, 11));
  });

  it('refuses a shift outside the bundle history', async () => {
    await expect(generateBundle({ leads: 1, seed: 1, outDir: '/tmp/never-written', exportAt: new Date(exportAt), shift: { at: new Date(exportAt + DAY) } })).rejects.toThrow(/shift.at/);
  });
});
