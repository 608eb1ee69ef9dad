import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBundleSource } from '../connectors/file/index.js';
import { tenantId } from '../src/domain/index.js';
import { abTestReport } from '../src/learning/ab-report.js';
import { ChampionModelSource } from '../src/learning/model-source.js';
import { abArm } from '../src/scoring/ab-split.js';
import { FolderModelSource, SHIPPED_DEFAULT_MODEL } from '../src/scoring/model-source.js';
import { rescore } from '../src/scoring/rescore.js';
import { DEFAULT_SETTINGS, saveSettings, type Settings } from '../src/settings/index.js';
import { ensureTenant, getScores, insertModelVersion, pendingOutbox, type Database } from '../src/store/index.js';
import { importFromSource } from '../src/sync/index.js';
import { generateBundle } from '../src/synthetic/index.js';
import { openTestDatabase } from './helpers/db.js';

const acme = tenantId('acme');
const exportAt = new Date('2026-06-30T00:00:00Z');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-test-'));
let db: Database;
let models: ChampionModelSource;
const defaultVersion = JSON.parse(fs.readFileSync(path.join(SHIPPED_DEFAULT_MODEL, 'manifest.json'), 'utf8')).version as string;

/** The shipped default's files stored as a challenger under another version name (so its scores say which model gave them). */
async function storeChallenger(version: string): Promise<void> {
  const files = fs.readdirSync(SHIPPED_DEFAULT_MODEL).map((name) => {
    let bytes = fs.readFileSync(path.join(SHIPPED_DEFAULT_MODEL, name));
    if (name === 'manifest.json') bytes = Buffer.from(JSON.stringify({ ...JSON.parse(bytes.toString('utf8')), version, isDefault: false }));
    return { name, bytes };
  });
  await insertModelVersion(db, acme, { version, status: 'challenger', reason: 'test challenger', files });
}

const withAb = (abTest: Settings['learning']['abTest']): Settings => ({ ...DEFAULT_SETTINGS, learning: { ...DEFAULT_SETTINGS.learning, abTest } });
const count = async (sql: string, params: unknown[] = []) => Number((await db.query<{ n: string }>(sql, params))[0]!.n);

beforeAll(async () => {
  const bundle = path.join(work, 'bundle');
  await generateBundle({ leads: 600, seed: 5, outDir: bundle, exportAt });
  db = await openTestDatabase();
  await ensureTenant(db, acme, 'Acme');
  await importFromSource(db, acme, new FileBundleSource({ dir: bundle }));
  models = new ChampionModelSource({ db, cacheDir: path.join(work, 'cache'), fallback: new FolderModelSource({ defaultDir: SHIPPED_DEFAULT_MODEL, tenantsDir: null }), championTtlMs: 0 });
}, 120_000);
afterAll(async () => {
  await models?.close();
  await db?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('live A/B split in rescoring', () => {
  it('does nothing while off; when on, gives each open lead its arm by hash and keeps the challenger arm’s challenger scores beside the champion’s', async () => {
    await storeChallenger('ab-1');
    const off = await rescore(db, models, acme, { all: true }, { asOf: exportAt });
    expect(off.abTest).toBeUndefined();
    expect(await count(`SELECT count(*) AS n FROM ab_test_leads`)).toBe(0);

    await saveSettings(db, acme, withAb({ enabled: true, share: 0.3, writes: 'champion' }), 'test');
    const later = new Date(exportAt.getTime() + 86_400_000);
    const on = await rescore(db, models, acme, { all: true }, { asOf: later });
    const arms = await db.query<{ lead_id: string; arm: string }>(`SELECT lead_id, arm FROM ab_test_leads WHERE tenant_id = $1 AND challenger_version = 'ab-1'`, [acme]);
    expect(arms).toHaveLength(on.leads);
    for (const a of arms) expect(a.arm).toBe(abArm(acme, a.lead_id, 0.3));
    const inArm = arms.filter((a) => a.arm === 'challenger').map((a) => a.lead_id).sort();
    expect(inArm.length / arms.length).toBeGreaterThan(0.2);
    expect(inArm.length / arms.length).toBeLessThan(0.4);
    expect(on.abTest).toEqual({ challenger: 'ab-1', challengerArm: inArm.length });
    const kept = await db.query<{ lead_id: string; written: boolean }>(`SELECT lead_id, written FROM ab_test_scores WHERE tenant_id = $1 AND challenger_version = 'ab-1'`, [acme]);
    expect(kept.map((k) => k.lead_id).sort()).toEqual(inArm);
    expect(kept.every((k) => !k.written)).toBe(true);
    // The champion stays in force for what is stored, shown and written.
    const stored = await getScores(db, acme, inArm);
    expect([...stored.values()].every((s) => s.score.status !== 'scored' || s.score.modelVersion === defaultVersion)).toBe(true);

    // Again as of the same time: no new rows. A larger share: the leads keep the arm they have.
    await rescore(db, models, acme, { all: true }, { asOf: later });
    expect(await count(`SELECT count(*) AS n FROM ab_test_scores`)).toBe(kept.length);
    await saveSettings(db, acme, withAb({ enabled: true, share: 0.5, writes: 'champion' }), 'test');
    await rescore(db, models, acme, { all: true }, { asOf: new Date(later.getTime() + 86_400_000) });
    const again = await db.query<{ lead_id: string; arm: string }>(`SELECT lead_id, arm FROM ab_test_leads WHERE challenger_version = 'ab-1'`);
    expect(again.filter((a) => a.arm === 'challenger').map((a) => a.lead_id).sort()).toEqual(inArm);
  });

  it('with writes "challenger", stores and writes the challenger’s score for the leads in its arm only', async () => {
    await storeChallenger('ab-2');
    // Every change is worth a write here, so each lead whose stored score changed has one.
    await saveSettings(db, acme, { ...withAb({ enabled: true, share: 0.25, writes: 'challenger' }), writeback: { minScoreChange: 0 } }, 'test');
    const outboxBefore = (await pendingOutbox(db, acme, 100_000)).length;
    const result = await rescore(db, models, acme, { all: true }, { asOf: new Date(exportAt.getTime() + 5 * 86_400_000) });
    expect(result.abTest?.challenger).toBe('ab-2');
    const arms = await db.query<{ lead_id: string; arm: string }>(`SELECT lead_id, arm FROM ab_test_leads WHERE challenger_version = 'ab-2'`);
    const scores = await getScores(db, acme, arms.map((a) => a.lead_id));
    for (const a of arms) {
      const s = scores.get(a.lead_id)!.score;
      if (s.status === 'scored') expect(s.modelVersion).toBe(a.arm === 'challenger' ? 'ab-2' : defaultVersion);
    }
    // Every scored challenger-arm lead's stored score changed (another model version), so each has a CRM write naming it.
    const challengerArm = arms.filter((a) => a.arm === 'challenger' && scores.get(a.lead_id)!.score.status === 'scored').map((a) => a.lead_id);
    const writes = (await pendingOutbox(db, acme, 100_000)).slice(outboxBefore);
    const writtenVersion = new Map(writes.map((w) => [w.leadId, (w.payload as { modelVersion?: string }).modelVersion]));
    expect(challengerArm.length).toBeGreaterThan(5);
    for (const id of challengerArm) expect(writtenVersion.get(id)).toBe('ab-2');
    expect([...writtenVersion].filter(([id, v]) => v === 'ab-2' && !challengerArm.includes(id))).toEqual([]);
    expect(await count(`SELECT count(*) AS n FROM ab_test_scores WHERE challenger_version = 'ab-2' AND written`)).toBe(challengerArm.length);
  });
});

describe('A/B report', () => {
  it('compares both arms on the outcomes that arrived after the leads got their arm: count, conversions, AUC, calibration', async () => {
    const t = tenantId('abfix');
    await ensureTenant(db, t, 'A/B fixture');
    await insertModelVersion(db, t, { version: 'c1', status: 'challenger', reason: 'fixture' });
    const day = (d: number) => new Date(Date.UTC(2026, 0, d)).toISOString();
    // lead, arm, converted, the stored (champion) score, the challenger's score (challenger arm)
    const leads: Array<[string, 'champion' | 'challenger', boolean | null, number, number | null]> = [
      ['a1', 'champion', true, 80, null],
      ['a2', 'champion', false, 60, null],
      ['a3', 'champion', true, 40, null],
      ['a4', 'champion', false, 20, null],
      ['a5', 'champion', null, 50, null], // still open: counted as a lead, not an outcome
      ['b1', 'challenger', true, 30, 90],
      ['b2', 'challenger', true, 50, 70],
      ['b3', 'challenger', false, 70, 30],
      ['b4', 'challenger', false, 10, 10],
    ];
    for (const [id, arm, converted, stored, challenger] of leads) {
      await db.query(`INSERT INTO leads (tenant_id, lead_id, created_at) VALUES ($1, $2, $3)`, [t, id, day(1)]);
      await db.query(`INSERT INTO ab_test_leads (tenant_id, challenger_version, lead_id, arm, assigned_at) VALUES ($1, 'c1', $2, $3, $4)`, [t, id, arm, day(2)]);
      await db.query(`INSERT INTO score_history (tenant_id, lead_id, scored_at, status, composite, model_version) VALUES ($1, $2, $3, 'scored', $4, 'champ')`, [t, id, day(3), stored]);
      // A score after the outcome knew the answer: never used.
      await db.query(`INSERT INTO score_history (tenant_id, lead_id, scored_at, status, composite, model_version) VALUES ($1, $2, $3, 'scored', $4, 'champ')`, [t, id, day(20), converted ? 1 : 99]);
      if (challenger !== null) await db.query(`INSERT INTO ab_test_scores (tenant_id, challenger_version, lead_id, scored_at, composite, written) VALUES ($1, 'c1', $2, $3, $4, false)`, [t, id, day(3), challenger]);
      if (converted !== null) await db.query(`INSERT INTO outcomes (tenant_id, lead_id, converted, outcome_at) VALUES ($1, $2, $3, $4)`, [t, id, converted, day(10)]);
    }
    // A lead decided before it got its arm is not part of the test.
    await db.query(`INSERT INTO leads (tenant_id, lead_id, created_at) VALUES ($1, 'early', $2)`, [t, day(1)]);
    await db.query(`INSERT INTO outcomes (tenant_id, lead_id, converted, outcome_at) VALUES ($1, 'early', true, $2)`, [t, day(1)]);
    await db.query(`INSERT INTO ab_test_leads (tenant_id, challenger_version, lead_id, arm, assigned_at) VALUES ($1, 'c1', 'early', 'champion', $2)`, [t, day(2)]);

    const report = (await abTestReport(db, t))!;
    expect(report.challenger).toBe('c1');
    // Champion arm: 0.8 and 0.4 converted, 0.6 and 0.2 did not: 3 of 4 pairs ordered right.
    expect(report.champion).toMatchObject({ leads: 6, outcomes: 4, conversions: 2, conversionRate: 0.5, scored: 4 });
    expect(report.champion.auc).toBeCloseTo(0.75, 12);
    // Calibration error: |0.8-1| + |0.6-0| + |0.4-1| + |0.2-0| over 4 = 0.4; mean predicted 0.5.
    expect(report.champion.calibrationError).toBeCloseTo(0.4, 12);
    expect(report.champion.meanPredicted).toBeCloseTo(0.5, 12);
    // Challenger arm: 0.9 and 0.7 converted, 0.3 and 0.1 did not: all ordered right.
    expect(report.challengerArm).toMatchObject({ leads: 4, outcomes: 4, conversions: 2, scored: 4, auc: 1 });
    expect(report.challengerArm.calibrationError).toBeCloseTo((0.1 + 0.3 + 0.3 + 0.1) / 4, 12);
    // The same challenger-arm leads under the champion: 0.3 and 0.5 converted, 0.7 and 0.1 did not: 2 of 4.
    expect(report.championOnChallengerArm!.auc).toBeCloseTo(0.5, 12);
    expect(report.summary).toMatch(/AUC 1\.000 for the challenger's arm against 0\.750/);
    // DeLong's test pairs the challenger-arm leads both models scored: 1.000 against 0.500 on 4
    // outcomes (standard error 0.5) is no evidence either way.
    expect(report.comparison).toMatchObject({ method: 'paired', outcomes: 4, aucA: 1, aucB: 0.5, difference: 0.5, verdict: 'no significant difference' });
    expect(report.comparison!.standardError).toBeCloseTo(0.5, 12);
    expect(report.comparison!.pValue).toBeCloseTo(0.3173, 4);
    expect(report.summary).toMatch(/Challenger minus champion: \+0\.500 AUC, 95% interval -0\.480 to \+1\.480, p = 0\.317 \(DeLong's test, paired on the 4 challenger-arm outcomes both models scored\): not a significant difference yet\./);
    expect(report.settings).toEqual(DEFAULT_SETTINGS.learning.abTest);
    expect(await abTestReport(db, t, 'nope')).toBeNull();
  });

  it.each([
    { writes: 'champion', method: 'paired', outcomes: 80 },
    { writes: 'challenger', method: 'unpaired', outcomes: 160 },
  ] as const)('says which model ranks better once the difference is beyond chance (the CRM got the $writes score: $method)', async ({ writes, method, outcomes }) => {
    const t = tenantId(`absig-${writes}`);
    await ensureTenant(db, t, 'A/B significance');
    await insertModelVersion(db, t, { version: 'c1', status: 'challenger', reason: 'fixture' });
    // 80 leads an arm, half converted. The challenger separates them; the champion's scores are unrelated to the outcome.
    for (let i = 0; i < 160; i++) {
      const id = `l${i}`;
      const arm = i < 80 ? 'champion' : 'challenger';
      const converted = i % 2 === 0;
      const champion = (i * 37) % 100;
      const challenger = converted ? 60 + (i % 30) : 5 + (i % 30);
      const stored = arm === 'challenger' && writes === 'challenger' ? { composite: challenger, model: 'c1' } : { composite: champion, model: 'champ' };
      await db.query(`INSERT INTO leads (tenant_id, lead_id, created_at) VALUES ($1, $2, '2026-01-01')`, [t, id]);
      await db.query(`INSERT INTO ab_test_leads (tenant_id, challenger_version, lead_id, arm, assigned_at) VALUES ($1, 'c1', $2, $3, '2026-01-02')`, [t, id, arm]);
      await db.query(`INSERT INTO score_history (tenant_id, lead_id, scored_at, status, composite, model_version) VALUES ($1, $2, '2026-01-03', 'scored', $3, $4)`, [t, id, stored.composite, stored.model]);
      if (arm === 'challenger') await db.query(`INSERT INTO ab_test_scores (tenant_id, challenger_version, lead_id, scored_at, composite, written) VALUES ($1, 'c1', $2, '2026-01-03', $3, $4)`, [t, id, challenger, writes === 'challenger']);
      await db.query(`INSERT INTO outcomes (tenant_id, lead_id, converted, outcome_at) VALUES ($1, $2, $3, '2026-01-10')`, [t, id, converted]);
    }
    const report = (await abTestReport(db, t))!;
    expect(report.comparison).toMatchObject({ method, outcomes, aucA: 1, verdict: 'challenger better' });
    expect(report.comparison!.aucB).toBeLessThan(0.65);
    expect(report.comparison!.pValue).toBeLessThan(0.001);
    expect(report.comparison!.interval95[0]).toBeGreaterThan(0.2);
    expect(report.summary).toMatch(/p = < 0\.001 .*: the challenger ranks leads better \(p < 0\.05\)\./);
  });

  it('gives no AUC for an arm with one kind of outcome and says what is missing', async () => {
    const t = tenantId('abone');
    await ensureTenant(db, t, 'one class');
    await insertModelVersion(db, t, { version: 'c1', status: 'challenger', reason: 'fixture' });
    for (const [id, arm] of [['x1', 'champion'], ['x2', 'challenger']] as const) {
      await db.query(`INSERT INTO leads (tenant_id, lead_id, created_at) VALUES ($1, $2, '2026-01-01')`, [t, id]);
      await db.query(`INSERT INTO ab_test_leads (tenant_id, challenger_version, lead_id, arm, assigned_at) VALUES ($1, 'c1', $2, $3, '2026-01-02')`, [t, id, arm]);
      await db.query(`INSERT INTO outcomes (tenant_id, lead_id, converted, outcome_at) VALUES ($1, $2, true, '2026-01-05')`, [t, id]);
    }
    const report = (await abTestReport(db, t))!;
    expect(report.champion).toMatchObject({ outcomes: 1, conversions: 1, scored: 0, auc: null, calibrationError: null });
    expect(report.summary).toMatch(/Not enough outcomes to compare yet: 1 in the champion's arm \(1 converted\)/);
    expect(report.comparison).toBeNull();
    expect(await abTestReport(db, tenantId('acme-none'))).toBeNull();
  });
});
