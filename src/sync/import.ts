import type { LeadSource, ReadBatch, Rejection, SourceRecord, TenantId } from '../domain/index.js';
import {
  addCounts,
  finishImportRun,
  startImportRun,
  emptyCounts,
  findLeadCreationTimes,
  insertActivities,
  upsertLeads,
  upsertOutcomes,
  type Database,
  type UpsertCounts,
} from '../store/index.js';

export type StreamName = 'leads' | 'activities' | 'outcomes';

export interface StreamReport extends UpsertCounts {
  rejected: number;
}

export interface ImportResult {
  streams: Record<StreamName, StreamReport>;
  /** Every rejected record, up to `maxListedRejections`; the rest are only counted. */
  rejections: Rejection[];
  rejectionsNotListed: number;
  /** Leads whose data this import added or changed: what real-time scoring rescores. */
  changedLeadIds: Set<string>;
}

export interface ImportOptions {
  maxListedRejections?: number;
  /** Where each stream resumes (an incremental sync); null or absent: from the beginning. */
  cursors?: Partial<Record<StreamName, string | null>>;
  /** Where the leads come from ('file', 'salesforce', 'hubspot'): record cards ask by it, writeback goes back to it. */
  sourceKind?: string;
  /** Called after each batch is stored, with the cursor to resume after it. */
  onCursor?: (stream: StreamName, cursor: string) => Promise<void>;
}

/**
 * Read everything a source has and store it for the tenant: leads first, so that activities and
 * outcomes can be checked against them. Each batch is written on its own, so a problem in one
 * record never keeps the others out, and a run that stops half way is finished by running it again.
 */
export async function importFromSource(
  db: Database,
  tenant: TenantId,
  source: LeadSource,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const maxListed = options.maxListedRejections ?? 100_000;
  const result: ImportResult = {
    streams: { leads: newStream(), activities: newStream(), outcomes: newStream() },
    rejections: [],
    rejectionsNotListed: 0,
    changedLeadIds: new Set(),
  };
  const changed = (counts: UpsertCounts) => {
    for (const id of counts.changedLeadIds ?? []) result.changedLeadIds.add(id);
    return counts;
  };
  const reject = (stream: StreamName, rejection: Rejection) => {
    result.streams[stream].rejected++;
    if (result.rejections.length < maxListed) result.rejections.push(rejection);
    else result.rejectionsNotListed++;
  };
  const takeBatch = <T>(stream: StreamName, batch: ReadBatch<T>): SourceRecord<T>[] => {
    for (const rejection of batch.rejections) reject(stream, rejection);
    result.streams[stream].unchanged += batch.duplicatesSkipped;
    return batch.records;
  };

  const stored = async (stream: StreamName, cursor: string | null) => {
    if (cursor !== null && options.onCursor) await options.onCursor(stream, cursor);
  };
  const from = (stream: StreamName) => options.cursors?.[stream] ?? null;

  for await (const batch of readAhead(source.readLeads(from('leads')))) {
    const records = takeBatch('leads', batch);
    addCounts(result.streams.leads, changed(await upsertLeads(db, tenant, records.map((r) => r.value), options.sourceKind ?? 'file')));
    await stored('leads', batch.cursor);
  }

  for await (const batch of readAhead(source.readActivities(from('activities')))) {
    const records = takeBatch('activities', batch);
    const counts = await db.transaction(async (tx) => {
      const known = await findLeadCreationTimes(tx, tenant, records.map((r) => r.value.leadId));
      const accepted = records.filter((r) => {
        if (known.has(r.value.leadId)) return true;
        reject('activities', unknownLead(r, 'activities'));
        return false;
      });
      return insertActivities(tx, tenant, accepted.map((r) => r.value));
    });
    addCounts(result.streams.activities, changed(counts));
    await stored('activities', batch.cursor);
  }

  for await (const batch of readAhead(source.readOutcomes(from('outcomes')))) {
    const records = takeBatch('outcomes', batch);
    const counts = await db.transaction(async (tx) => {
      const known = await findLeadCreationTimes(tx, tenant, records.map((r) => r.value.leadId));
      const accepted = records.filter((r) => {
        const createdAt = known.get(r.value.leadId);
        if (!createdAt) {
          reject('outcomes', unknownLead(r, 'outcomes'));
          return false;
        }
        if (r.value.outcomeAt < createdAt) {
          reject('outcomes', {
            ...at(r, 'outcomes'),
            column: 'outcome_at',
            reason: `outcome_at ${r.value.outcomeAt.toISOString()} is before the lead was created (${createdAt.toISOString()})`,
          });
          return false;
        }
        return true;
      });
      return upsertOutcomes(tx, tenant, accepted.map((r) => r.value));
    });
    addCounts(result.streams.outcomes, counts);
    await stored('outcomes', batch.cursor);
  }
  return result;
}

/**
 * Ask the source for its next batch while the caller is still writing the current one, so that
 * reading and parsing overlap with the database's work instead of waiting for it.
 */
async function* readAhead<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const current = await next;
      if (current.done) return;
      next = iterator.next();
      // If the caller stops with an error, this read's own failure must not go unhandled.
      next.catch(() => undefined);
      yield current.value;
    }
  } finally {
    await iterator.return?.();
  }
}

function newStream(): StreamReport {
  return { ...emptyCounts(), rejected: 0 };
}

function at(record: SourceRecord<unknown>, stream: StreamName): Pick<Rejection, 'file' | 'line'> {
  return { file: record.position?.file ?? stream, line: record.position?.line ?? 0 };
}

function unknownLead(record: SourceRecord<{ leadId: string }>, stream: StreamName): Rejection {
  return {
    ...at(record, stream),
    column: 'lead_id',
    reason: `lead_id "${record.value.leadId}" is not a lead of this tenant: it is neither in this import nor in an earlier one`,
  };
}

/** An import recorded in the tenant's import history, with its report, whatever its end. */
export async function recordedImport(
  db: Database,
  tenant: TenantId,
  sourceLabel: string,
  source: LeadSource,
  options: ImportOptions = {},
): Promise<ImportResult & { importId: number }> {
  const importId = await startImportRun(db, tenant, sourceLabel);
  try {
    const result = await importFromSource(db, tenant, source, options);
    const rejected = Object.values(result.streams).some((s) => s.rejected > 0);
    await finishImportRun(db, tenant, importId, rejected ? 'rejected_rows' : 'succeeded', result);
    return { ...result, importId };
  } catch (err) {
    await finishImportRun(db, tenant, importId, 'failed', { error: (err as Error).message }).catch(() => undefined);
    throw err;
  }
}
