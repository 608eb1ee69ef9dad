import path from 'node:path';
import { FileBundleSink } from '../../connectors/file/index.js';
import type { TenantId } from '../domain/index.js';
import { leadIdsFromSource, type Database } from '../store/index.js';
import { writeOwners } from '../crm/route.js';
import { drainOutbox, FILE_FIELDS, mappedFields, type DrainOptions, type WritebackReport } from '../writeback/index.js';

/**
 * Score writes of a tenant's CSV-bundle leads, appended to `<outDir>/<tenant>/field-updates.csv`:
 * the same outbox, leases, batches and audit as a CRM, so the embedded default runs the whole path.
 */
export async function writebackFiles(db: Database, tenant: TenantId, outDir: string, options: Partial<DrainOptions> = {}): Promise<WritebackReport> {
  const sink = new FileBundleSink(path.join(outDir, tenant), Object.values(FILE_FIELDS));
  // Owners routing chose for these leads go to out/<tenant>/owner-changes.csv.
  await writeOwners(db, tenant, sink, (ids) => leadIdsFromSource(db, tenant, ids, 'file'), 'file');
  return drainOutbox(db, tenant, { connectionId: 'file', source: 'file', sink, fieldsFor: (p) => mappedFields(p, FILE_FIELDS), rateLimit: { calls: 1000, perMs: 1000, concurrency: 1 } }, {
    holder: options.holder ?? `pid-${process.pid}`,
    ...options,
  });
}
