/**
 * One measured import, in a process of its own so that its peak memory is its own. Prints one
 * JSON line: rows read, wall time and peak RSS.
 *   node dist/bench/import-run.js <dir> embedded <dataDir> | server <url> | parse-only
 */
import { FileBundleSource } from '../connectors/file/index.js';
import { tenantId } from '../src/domain/index.js';
import { ensureTenant, migrate, openDatabase } from '../src/store/index.js';
import { importFromSource } from '../src/sync/index.js';

const [dir, mode, target] = process.argv.slice(2);
if (!dir || !mode) throw new Error('usage: import-run <dir> embedded <dataDir> | server <url> | parse-only');

const started = performance.now();
let rows = 0;
let detail: unknown = null;
if (mode === 'parse-only') {
  const source = new FileBundleSource({ dir });
  for (const read of [source.readLeads(), source.readActivities(), source.readOutcomes()] as AsyncIterable<{
    records: unknown[];
    rejections: unknown[];
    duplicatesSkipped: number;
  }>[]) {
    for await (const batch of read) rows += batch.records.length + batch.rejections.length + batch.duplicatesSkipped;
  }
} else {
  const db = await openDatabase(
    mode === 'embedded' ? { kind: 'embedded', dataDir: target! } : { kind: 'server', url: target!, poolSize: 4, ssl: 'off' },
    'bench',
  );
  await migrate(db);
  const tenant = tenantId('bench');
  await ensureTenant(db, tenant, 'bench');
  const result = await importFromSource(db, tenant, new FileBundleSource({ dir }));
  for (const s of Object.values(result.streams)) rows += s.inserted + s.updated + s.unchanged + s.rejected;
  detail = result.streams;
  await db.close();
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  JSON.stringify({ mode, rows, seconds, rowsPerSecond: rows / seconds, peakRssMB: process.resourceUsage().maxRSS / 1024, detail }) + '\n',
);
