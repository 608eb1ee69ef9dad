import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/helpers/db.js';
import { isLeadscoreError, tenantId } from '../domain/index.js';
import { ensureTenant, type Database } from '../store/index.js';
import { DEFAULT_SETTINGS, SettingsSchema, currentSettings, describeIssues, diffSettings, restoreSettings, saveSettings, settingsHistory, type Settings } from './index.js';

const acme = tenantId('acme');
const globex = tenantId('globex');
const withTiers = (levels: Settings['tiers']['levels'], basis: 'score' | 'percentile' = 'score'): unknown => ({
  ...DEFAULT_SETTINGS,
  tiers: { basis, score: 'composite', levels },
});
const problems = (value: unknown) => {
  const parsed = SettingsSchema.safeParse(value);
  return parsed.success ? [] : describeIssues(parsed.error);
};

describe('settings validation', () => {
  it('accepts the defaults', () => {
    expect(problems(DEFAULT_SETTINGS)).toEqual([]);
  });

  it('names the field of tiers out of order, overlapping, or empty by definition', () => {
    expect(problems(withTiers([{ name: 'Hot', min: 50, action: 'Call' }, { name: 'Warm', min: 60, action: 'Email' }, { name: 'Cold', min: 0, action: 'Wait' }]))).toEqual([
      { field: 'tiers.levels[1].min', message: expect.stringMatching(/60 is not below Hot's minimum of 50.*"Warm" would be empty/) },
    ]);
    expect(problems(withTiers([{ name: 'Hot', min: 50, action: 'Call' }, { name: 'Warm', min: 50, action: 'Email' }, { name: 'Cold', min: 0, action: 'Wait' }]))[0]!.field).toBe('tiers.levels[1].min');
    expect(problems(withTiers([{ name: 'Hot', min: 100, action: 'Call' }, { name: 'Cold', min: 0, action: 'Wait' }], 'percentile'))).toEqual([
      { field: 'tiers.levels[0].min', message: expect.stringMatching(/leaves "Hot" empty/) },
    ]);
    expect(problems(withTiers([{ name: 'Hot', min: 70, action: 'Call' }, { name: 'Cold', min: 10, action: 'Wait' }]))).toEqual([
      { field: 'tiers.levels[1].min', message: expect.stringMatching(/must start at 0/) },
    ]);
    expect(problems(withTiers([{ name: 'Hot', min: 70, action: 'Call' }, { name: 'hot', min: 0, action: 'Wait' }]))[0]!.field).toBe('tiers.levels[1].name');
  });

  it('names unknown fields, wrong types, bad cron expressions, field names and grade cut-offs', () => {
    expect(problems({ ...DEFAULT_SETTINGS, colour: 'red' })[0]).toMatchObject({ field: '(body)', message: expect.stringMatching(/colour/) });
    expect(problems({ ...DEFAULT_SETTINGS, writeback: { minScoreChange: 'five' } })[0]!.field).toBe('writeback.minScoreChange');
    expect(problems({ ...DEFAULT_SETTINGS, schedules: { ...DEFAULT_SETTINGS.schedules, rescore: '61 * * * *' } })[0]).toMatchObject({ field: 'schedules.rescore', message: expect.stringMatching(/cron/) });
    expect(problems({ ...DEFAULT_SETTINGS, schedules: { ...DEFAULT_SETTINGS.schedules, timezone: 'Mars/Olympus' } })[0]!.field).toBe('schedules.timezone');
    expect(problems({ ...DEFAULT_SETTINGS, fieldMappings: { ...DEFAULT_SETTINGS.fieldMappings, salesforce: { composite: 'Score' } } })[0]!.field).toBe('fieldMappings.salesforce.composite');
    expect(problems({ ...DEFAULT_SETTINGS, fieldMappings: { ...DEFAULT_SETTINGS.fieldMappings, hubspot: { fit: 'ls_x', tier: 'ls_x' } } })[0]!.field).toBe('fieldMappings.hubspot.tier');
    expect(problems({ ...DEFAULT_SETTINGS, grades: { basis: 'score', fit: [30, 50, 10], engagement: [75, 50, 25] } })[0]!.field).toBe('grades.fit');
  });

  it('keeps the live A/B split off by default, takes a share of 0 to 0.5, and names the field of a wrong one', () => {
    expect(DEFAULT_SETTINGS.learning.abTest).toEqual({ enabled: false, share: 0.1, writes: 'champion' });
    const withAb = (abTest: unknown) => ({ ...DEFAULT_SETTINGS, learning: { ...DEFAULT_SETTINGS.learning, abTest } });
    expect(problems(withAb({ enabled: true, share: 0.5, writes: 'challenger' }))).toEqual([]);
    expect(problems(withAb({ enabled: true, share: 0.6, writes: 'champion' }))).toEqual([{ field: 'learning.abTest.share', message: expect.stringMatching(/between 0 and 0\.5.*at most half/) }]);
    expect(problems(withAb({ enabled: false, share: -0.1, writes: 'champion' }))[0]!.field).toBe('learning.abTest.share');
    expect(problems(withAb({ enabled: true, share: 0, writes: 'champion' }))).toEqual([{ field: 'learning.abTest.share', message: expect.stringMatching(/is 0 while the A\/B test is enabled/) }]);
    expect(problems(withAb({ enabled: true, share: 0.2, writes: 'both' }))[0]!.field).toBe('learning.abTest.writes');
    expect(problems(withAb({ enabled: 'yes', share: 0.2, writes: 'champion' }))[0]!.field).toBe('learning.abTest.enabled');
    // Settings saved before the split existed have no abTest: it is off.
    const { abTest: _, ...older } = DEFAULT_SETTINGS.learning;
    expect(SettingsSchema.parse({ ...DEFAULT_SETTINGS, learning: older }).learning.abTest).toEqual({ enabled: false, share: 0.1, writes: 'champion' });
  });
});

describe('settings versions', () => {
  let db: Database;
  beforeEach(async () => {
    db = await openTestDatabase();
    await ensureTenant(db, acme, 'Acme');
    await ensureTenant(db, globex, 'Globex');
  });
  afterEach(async () => {
    await db.close();
  });

  it('keeps every change with who, when and what, restores an earlier version as a new one, and keeps tenants apart', async () => {
    expect(await currentSettings(db, acme)).toMatchObject({ version: 0, settings: DEFAULT_SETTINGS });
    const strict = { ...DEFAULT_SETTINGS, writeback: { minScoreChange: 10 } };
    const v1 = await saveSettings(db, acme, strict, 'key:admin1');
    expect(v1).toMatchObject({ version: 1, changedBy: 'key:admin1', changes: [{ field: 'writeback.minScoreChange', from: 5, to: 10 }] });
    expect(v1.changedAt).toBeInstanceOf(Date);
    const v2 = await saveSettings(db, acme, { ...strict, routing: { score: 'fit' } }, 'key:admin2', { expectedVersion: 1 });
    expect(v2.version).toBe(2);
    // Saving what is already in force adds no version.
    expect((await saveSettings(db, acme, v2.settings, 'key:admin2')).version).toBe(2);
    // A save based on an old read is refused and changes nothing.
    await expect(saveSettings(db, acme, DEFAULT_SETTINGS, 'key:admin1', { expectedVersion: 1 })).rejects.toSatisfy((e) => isLeadscoreError(e, 'SETTINGS_INVALID'));
    const v3 = await restoreSettings(db, acme, 1, 'key:admin1');
    expect(v3).toMatchObject({ version: 3, restoredFrom: 1, settings: strict, changes: [{ field: 'routing.score', from: 'fit', to: 'composite' }] });
    expect((await settingsHistory(db, acme)).map((v) => v.version)).toEqual([3, 2, 1]);
    expect((await currentSettings(db, globex)).version).toBe(0);
    await expect(restoreSettings(db, acme, 9, 'x')).rejects.toSatisfy((e) => isLeadscoreError(e, 'NOT_FOUND'));
  });

  it('diffs nested values leaf by leaf', () => {
    const after = structuredClone(DEFAULT_SETTINGS);
    after.tiers.levels[0]!.min = 85;
    after.schedules.rescore = '0 6 * * *';
    expect(diffSettings(DEFAULT_SETTINGS, after)).toEqual([
      { field: 'schedules.rescore', from: '0 * * * *', to: '0 6 * * *' },
      { field: 'tiers.levels[0].min', from: 80, to: 85 },
    ]);
  });
});
