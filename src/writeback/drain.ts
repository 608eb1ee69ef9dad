import PQueue from 'p-queue';
import { isLeadscoreError, type FieldValue, type LeadSink, type TenantId, type WriteResult } from '../domain/index.js';
import { claimDueOutbox, lastWrittenPayloads, recordAudit, releaseWrites, settleWrites, type AuditEntry, type Database, type OutboxEntry, type WriteOutcome } from '../store/index.js';
import { RateGate, type RateLimit } from './rate-gate.js';
import { backoffMs, DEFAULT_RETRY, type RetryPolicy } from './retry.js';

/** One CRM connection to write a tenant's scores to. */
export interface WritebackTarget {
  connectionId: string;
  /** Leads from this source are written through this connection ('salesforce', 'hubspot', 'file'). */
  source: string;
  sink: LeadSink;
  /** The outbox payload (CRM-neutral) as this CRM's fields, through the tenant's mapping. */
  fieldsFor(payload: Record<string, unknown>): Record<string, FieldValue>;
  rateLimit: RateLimit;
}

export interface DrainOptions {
  /** Who holds the leases: unique per worker process. */
  holder: string;
  /** How long claimed rows stay ours; a killed worker's rows go back after this. */
  leaseMs?: number;
  maxRecords?: number;
  retry?: RetryPolicy;
  /** Stop claiming new rows when aborted; the batches already sent are finished and settled. */
  signal?: AbortSignal;
  /**
   * Share one gate between runs of one connection, so their calls add up against one limit; or
   * the connector's own limiter, when every call it makes already waits its turn there.
   */
  gate?: Pick<RateGate, 'take' | 'pause'>;
  sleep?: (ms: number) => Promise<void>;
}

export interface WritebackReport {
  connectionId: string;
  sent: number;
  failed: number;
  retryLater: number;
  superseded: number;
  calls: number;
  /** Calls the CRM refused as over its rate limit (429). */
  rateLimited: number;
  errors: string[];
}

const SETTLE_SLICE = 500;
const CONNECTION_LOST = new Set(['CRM_AUTH_REVOKED', 'CRM_AUTH_FAILED', 'CRM_NOT_CONFIGURED']);

/**
 * Send a tenant's due score writes for one connection: the newest write of each lead, in batches
 * of the CRM's maximum, through a queue sized to the connection's rate limit. A call refused as
 * over the limit waits for Retry-After; a failed call is retried with backoff, and if it keeps
 * failing its records wait for a later run (never lost); records the CRM refuses for good go to the
 * dead-letter list. Each batch's outcome and its audit entries commit together.
 */
export async function drainOutbox(db: Database, tenant: TenantId, target: WritebackTarget, options: DrainOptions): Promise<WritebackReport> {
  const retry = options.retry ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const gate = options.gate ?? new RateGate(target.rateLimit);
  const queue = new PQueue({ concurrency: target.rateLimit.concurrency });
  const report: WritebackReport = { connectionId: target.connectionId, sent: 0, failed: 0, retryLater: 0, superseded: 0, calls: 0, rateLimited: 0, errors: [] };
  const max = options.maxRecords ?? Infinity;
  const size = target.sink.maxBatchSize;
  let lost: unknown = null;
  let callsFailed = 0;

  const sendBatch = async (batch: OutboxEntry[]): Promise<void> => {
    if (options.signal?.aborted || lost) {
      await releaseWrites(db, tenant, options.holder, batch.map((e) => e.id));
      return;
    }
    const updates = batch.map((e) => ({ leadId: e.leadId, fields: target.fieldsFor(e.payload), scoreVersion: e.id }));
    let results: WriteResult[] | null = null;
    let lastError = '';
    // A 429 is the CRM asking us to wait, not a failure of the call: it does not use up a try,
    // up to a bound (a CRM that only ever answers 429 hands the rows to a later run).
    let limited = 0;
    for (let t = 0; t < retry.callTries && !results; t++) {
      if (limited > 50) {
        await releaseWrites(db, tenant, options.holder, batch.map((e) => e.id));
        return;
      }
      await gate.take();
      report.calls++;
      try {
        results = await target.sink.writeFieldUpdates(updates);
      } catch (err) {
        if (isLeadscoreError(err) && CONNECTION_LOST.has(err.code)) {
          lost = err;
          await releaseWrites(db, tenant, options.holder, batch.map((e) => e.id));
          return;
        }
        lastError = err instanceof Error ? err.message : String(err);
        if (isLeadscoreError(err, 'CRM_LIMIT_REACHED')) {
          report.rateLimited++;
          limited++;
          t--;
          gate.pause(err.retryAfterMs ?? backoffMs(retry, limited));
        } else if (t + 1 < retry.callTries) {
          await sleep(backoffMs(retry, t));
        }
      }
    }
    if (!results) callsFailed++;
    const outcomes: WriteOutcome[] = batch.map((entry, i) => (results ? outcomeOf(entry, results[i]!, retry) : callFailed(entry, lastError, retry)));
    // Large batches (a Bulk API job of thousands) are settled in slices: the set-based statements
    // below join a JSON list, and without table statistics their cost grows with its square.
    const before = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < batch.length; i += SETTLE_SLICE) {
      for (const [k, v] of await lastWrittenPayloads(db, tenant, batch.slice(i, i + SETTLE_SLICE).map((e) => e.leadId))) before.set(k, v);
    }
    const audit: AuditEntry[] = outcomes.map((o, i) => ({
      action: 'field_write',
      recordId: o.leadId,
      connectionId: target.connectionId,
      before: before.has(o.leadId) ? target.fieldsFor(before.get(o.leadId)!) : null,
      after: updates[i]!.fields,
      cause: `score ${o.id}`,
      outcome: o.result === 'sent' ? 'written' : o.result,
      note: o.result === 'sent' ? (o.note ?? null) : o.result === 'superseded' ? null : o.note,
    }));
    const settled = await db.transaction(async (tx) => {
      const counts = { settled: 0, superseded: 0 };
      for (let i = 0; i < outcomes.length; i += SETTLE_SLICE) {
        const c = await settleWrites(tx, tenant, options.holder, outcomes.slice(i, i + SETTLE_SLICE));
        counts.settled += c.settled;
        counts.superseded += c.superseded;
        await recordAudit(tx, tenant, audit.slice(i, i + SETTLE_SLICE));
      }
      return counts;
    });
    report.superseded += settled.superseded;
    for (const o of outcomes) {
      if (o.result === 'sent') report.sent++;
      else if (o.result === 'failed') report.failed++;
      else if (o.result === 'retry') report.retryLater++;
      if ((o.result === 'failed' || o.result === 'retry') && report.errors.length < 20) report.errors.push(`${o.leadId}: ${o.note}`);
    }
  };

  while (!options.signal?.aborted && !lost && report.sent + report.failed + report.retryLater < max) {
    // Enough rows to keep every slot of the queue busy, not so many that a lease outlives the run.
    const claimed = await claimDueOutbox(db, tenant, target.source, size * Math.max(2, target.rateLimit.concurrency * 2), options.holder, options.leaseMs ?? 120_000);
    if (claimed.length === 0) break;
    const batches: OutboxEntry[][] = [];
    for (let i = 0; i < claimed.length; i += size) batches.push(claimed.slice(i, i + size));
    const sentBefore = report.sent;
    const callsFailedBefore = callsFailed;
    await Promise.all(batches.map((batch) => queue.add(() => sendBatch(batch))));
    // The CRM is down (calls fail and nothing went through): stop here rather than hammer it;
    // the records wait for their next attempt.
    if (report.sent === sentBefore && callsFailed > callsFailedBefore) break;
  }
  if (lost) throw lost;
  return report;
}

function outcomeOf(entry: OutboxEntry, result: WriteResult, retry: RetryPolicy): WriteOutcome {
  if (result.ok) return { id: entry.id, leadId: entry.leadId, result: 'sent', ...(result.warnings?.length ? { note: `warning: ${result.warnings.join('; ')}` } : {}) };
  const error = result.error!;
  const note = `${error.code}: ${error.message}`;
  if (!error.retryable) return { id: entry.id, leadId: entry.leadId, result: 'failed', note };
  if (entry.attempts + 1 >= retry.maxAttempts) return { id: entry.id, leadId: entry.leadId, result: 'failed', note: `gave up after ${entry.attempts + 1} attempts; last: ${note}` };
  return { id: entry.id, leadId: entry.leadId, result: 'retry', retryAt: new Date(Date.now() + backoffMs(retry, entry.attempts)), note };
}

/** The call itself failed (the CRM down, the network): the record is not at fault and never dead-lettered for it. */
function callFailed(entry: OutboxEntry, message: string, retry: RetryPolicy): WriteOutcome {
  return { id: entry.id, leadId: entry.leadId, result: 'retry', retryAt: new Date(Date.now() + backoffMs(retry, entry.attempts)), note: `the call failed: ${message}` };
}
