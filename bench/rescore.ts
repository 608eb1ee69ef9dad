/**
 * Batch rescoring end to end: `npm run bench -- rescore [--leads N]`. A generated bundle is
 * imported into a Postgres server database, outcomes are removed so every lead is open, and
 * every lead is rescored through the store (reads, scoring with reasons, score/history/outbox
 * writes). Reference from the same run: scoring the same leads in memory, without the store.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FileBundleSource } from '../connectors/file/index.js';
import { tenantId } from '../src/domain/index.js';
import { FolderModelSource, SHIPPED_DEFAULT_MODEL } from '../src/scoring/model-source.js';
import { rescore } from '../src/scoring/rescore.js';
import { scoreLeads } from '../src/scoring/service.js';
import { DEFAULT_SETTINGS } from '../src/settings/index.js';
import { ensureTenant, migrate, openPostgres, readHistories } from '../src/store/index.js';
import { importFromSource } from '../src/sync/index.js';
import { generateBundle } from '../src/synthetic/index.js';

export async function benchRescore(url: string, leads: number, seed: number): Promise<Record<string, unknown>> {
  const dir = path.resolve('.bench', `bundle-${leads}-${seed}`);
  if (!fs.existsSync(path.join(dir, 'truth.csv'))) {
    console.log(`generating ${leads} leads into ${dir} ...`);
    await generateBundle({ leads, seed, outDir: dir });
  }
  const db = openPostgres({ url, poolSize: 4, ssl: 'off' });
  const tenant = tenantId('bench');
  const models = new FolderModelSource({ defaultDir: SHIPPED_DEFAULT_MODEL, tenantsDir: null });
  try {
    await migrate(db);
    await ensureTenant(db, tenant, 'Bench');
    let t = performance.now();
    await importFromSource(db, tenant, new FileBundleSource({ dir }));
    console.log(`imported in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    // Every lead open: rescoring covers all of them.
    await db.query(`DELETE FROM outcomes WHERE tenant_id = $1`, [tenant]);
    const asOf = new Date('2026-06-30T00:00:00Z');
    const activities = Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM activities WHERE tenant_id = $1`, [tenant]))[0]!.n);

    const run = async (label: string, when: Date) => {
      const started = performance.now();
      const r = await rescore(db, models, tenant, { all: true }, { asOf: when });
      const seconds = (performance.now() - started) / 1000;
      const line = { label, leads: r.leads, seconds, leadsPerSecond: r.leads / seconds, changed: r.changed, writeJobs: r.writes, rssMB: process.memoryUsage().rss / 2 ** 20 };
      console.log(`${label.padEnd(36)} ${r.leads} leads in ${seconds.toFixed(1)} s = ${Math.round(line.leadsPerSecond)} leads/s; changed ${r.changed}, write jobs ${r.writes}; RSS ${line.rssMB.toFixed(0)} MB`);
      return line;
    };
    const first = await run('first rescore (every lead new)', asOf);
    const same = await run('again, same time (nothing changed)', asOf);
    const dayLater = await run('a day later (engagement decays)', new Date(asOf.getTime() + 86_400_000));

    // Reference: the same scoring in memory, histories read once up front.
    const histories = [];
    let after: string | undefined;
    for (;;) {
      const page = await readHistories(db, tenant, { after, limit: 5000, openOnly: true });
      if (!page.length) break;
      histories.push(...page);
      after = page[page.length - 1]!.lead.id;
    }
    const modelSet = await models.forTenant(tenant);
    t = performance.now();
    for (let i = 0; i < histories.length; i += 2000) await scoreLeads(modelSet, DEFAULT_SETTINGS, histories.slice(i, i + 2000), asOf);
    const memorySeconds = (performance.now() - t) / 1000;
    const memoryRate = histories.length / memorySeconds;
    console.log(`${'in memory, no store (reference)'.padEnd(36)} ${histories.length} leads in ${memorySeconds.toFixed(1)} s = ${Math.round(memoryRate)} leads/s`);
    console.log(
      `\nratios (same run): end to end ${(first.leadsPerSecond / memoryRate).toFixed(2)} x (first), ${(same.leadsPerSecond / memoryRate).toFixed(2)} x (unchanged), ` +
        `${(dayLater.leadsPerSecond / memoryRate).toFixed(2)} x (a day later) the in-memory rate; ${activities} activities`,
    );
    return { leads, activities, runs: [first, same, dayLater], inMemory: { seconds: memorySeconds, leadsPerSecond: memoryRate } };
  } finally {
    await models.close();
    await db.close();
  }
}
