/**
 * Retraining end to end: `npm run bench -- retrain [--leads N]`. A generated bundle is imported
 * into a Postgres server database; one retrain then reads every closed lead with its activities
 * from the store, trains fit, engagement and composite, stores the version, compares it with the
 * shipped default on the held-out outcomes (bootstrap intervals) and promotes it if it wins
 * (counting the open leads' tier changes). References from the same run: reading the same rows
 * alone, and the steps' own times (the training step is the in-memory training of the same data).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileBundleSource } from '../connectors/file/index.js';
import { tenantId } from '../src/domain/index.js';
import { ChampionModelSource } from '../src/learning/model-source.js';
import { readTrainingHistories, retrainTenant } from '../src/learning/retrain.js';
import { FolderModelSource, SHIPPED_DEFAULT_MODEL } from '../src/scoring/model-source.js';
import { DEFAULT_SETTINGS, saveSettings } from '../src/settings/index.js';
import { ensureTenant, migrate, openPostgres } from '../src/store/index.js';
import { importFromSource } from '../src/sync/index.js';
import { DEFAULT_EXPORT_AT, generateBundle } from '../src/synthetic/index.js';

export async function benchRetrain(url: string, leads: number, seed: number): Promise<Record<string, unknown>> {
  const dir = path.resolve('.bench', `bundle-${leads}-${seed}`);
  if (!fs.existsSync(path.join(dir, 'truth.csv'))) {
    console.log(`generating ${leads} leads into ${dir} ...`);
    await generateBundle({ leads, seed, outDir: dir });
  }
  const db = openPostgres({ url, poolSize: 4, ssl: 'off' });
  const tenant = tenantId('bench');
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-model-cache-'));
  const models = new ChampionModelSource({ db, cacheDir, fallback: new FolderModelSource({ defaultDir: SHIPPED_DEFAULT_MODEL, tenantsDir: null }) });
  try {
    await migrate(db);
    await ensureTenant(db, tenant, 'Bench');
    let t = performance.now();
    await importFromSource(db, tenant, new FileBundleSource({ dir }));
    console.log(`imported in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    // Every outcome of the bundle is in the window.
    await saveSettings(db, tenant, { ...DEFAULT_SETTINGS, learning: { ...DEFAULT_SETTINGS.learning, windowDays: 3650 } }, 'bench');
    const now = DEFAULT_EXPORT_AT;
    const counts = (await db.query<{ outcomes: string; activities: string }>(
      `SELECT (SELECT count(*) FROM outcomes WHERE tenant_id = $1) AS outcomes, (SELECT count(*) FROM activities WHERE tenant_id = $1) AS activities`,
      [tenant],
    ))[0]!;

    // Reference: reading the training rows (closed leads and their activities) alone.
    t = performance.now();
    const histories = await readTrainingHistories(db, tenant, { from: new Date(now.getTime() - 3650 * 86_400_000), to: now });
    const readSeconds = (performance.now() - t) / 1000;
    const activitiesRead = histories.reduce((n, h) => n + h.activities.length, 0);
    console.log(`${'reading the rows alone (reference)'.padEnd(40)} ${histories.length} closed leads, ${activitiesRead} activities in ${readSeconds.toFixed(1)} s`);

    t = performance.now();
    const result = await retrainTenant(db, models, tenant, { now, actor: 'bench' });
    const seconds = (performance.now() - t) / 1000;
    const rss = process.memoryUsage().rss / 2 ** 20;
    console.log(`${'retrain end to end'.padEnd(40)} ${seconds.toFixed(1)} s: ${result.status}, version ${result.version}; RSS ${rss.toFixed(0)} MB`);
    console.log(`  steps (ms): ${JSON.stringify(result.timings)}`);
    console.log(`  ${result.reason}`);
    if (result.tierChanges) console.log(`  ${result.tierChanges.changed} of ${result.tierChanges.openLeads} open leads changed tier`);
    const trainSeconds = (result.timings.train ?? NaN) / 1000;
    console.log(
      `\nratios (same run): end to end ${(seconds / readSeconds).toFixed(1)} x reading the rows alone; ` +
        `${(seconds / trainSeconds).toFixed(2)} x its in-memory training step (${trainSeconds.toFixed(1)} s); ` +
        `${counts.outcomes} outcomes, ${counts.activities} activities in the store`,
    );
    return {
      leads,
      outcomes: Number(counts.outcomes),
      activities: Number(counts.activities),
      cpus: os.cpus().length,
      readAloneSeconds: readSeconds,
      endToEndSeconds: seconds,
      steps: result.timings,
      status: result.status,
      reason: result.reason,
      comparison: result.comparison,
      tierChanges: result.tierChanges,
      rssMB: rss,
    };
  } finally {
    await models.close();
    await db.close();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}
