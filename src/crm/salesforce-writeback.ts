import { SalesforceBulkSink, SalesforceSink, type SalesforceApp } from '../../connectors/salesforce/index.js';
import type { Vault } from '../config/secrets.js';
import { crmCalls } from '../config/metrics.js';
import { connectionSource, isLeadscoreError, type FieldValue, type TenantId } from '../domain/index.js';
import { currentSettings, type Settings } from '../settings/index.js';
import { countDueWrites, findBulkJob, forgetBulkJob, leadIdsFromSource, listConnections, saveBulkJob, setConnectionStatus, type Database } from '../store/index.js';
import { writeOwners } from './route.js';
import { drainOutbox, mappedFields, type DrainOptions, type RateLimit, type WritebackReport, type WritebackTarget } from '../writeback/index.js';
import { recordSalesforceUsage } from './api-usage.js';
import { salesforceSession, withConnectionStatus } from './salesforce-connect.js';

/** The CRM-neutral outbox payload as Salesforce fields, through the tenant's field mapping. */
export const salesforceFields = (payload: Record<string, unknown>, mapping: Settings['fieldMappings']['salesforce']): Record<string, FieldValue> => mappedFields(payload, mapping);

/** Salesforce has no per-second limit, only a daily allowance and 25 long-running calls at once: stay well inside. */
export const SALESFORCE_RATE_LIMIT: RateLimit = { calls: 20, perMs: 1000, concurrency: 4 };

export type SalesforceWritebackOptions = Partial<DrainOptions> & { rateLimit?: RateLimit; bulk?: { batchSize?: number; pollInterval?: number; pollTimeout?: number } };

/**
 * Send a tenant's pending score writes for Salesforce leads through drainOutbox, each org's leads
 * to their own org (leads are sourced 'salesforce:<org id>'): the newest per lead, in collections
 * of 200, each record settled on its own (sent, dead-lettered for a validation rule, or retried
 * later for a locked record). A revoked token marks that org's connection; the other orgs go on.
 * The answer adds the orgs' reports up (one org: its report as it is).
 */
export async function writebackSalesforce(
  db: Database,
  vault: Vault,
  app: SalesforceApp,
  tenant: TenantId,
  options: SalesforceWritebackOptions = {},
): Promise<WritebackReport | null> {
  const connections = (await listConnections(db, tenant, 'salesforce')).filter((c) => c.status === 'active');
  if (connections.length === 0) return null;
  const { settings } = await currentSettings(db, tenant);
  const reports: WritebackReport[] = [];
  const failures: Array<{ connectionId: string; error: unknown }> = [];
  for (const connection of connections) {
    const connectionId = connection.id;
    const source = connectionSource('salesforce', connection.externalAccountId);
    let session: Awaited<ReturnType<typeof salesforceSession>> | null = null;
    try {
      session = await salesforceSession(db, vault, app, tenant, connectionId);
      reports.push(await writebackOrg(db, tenant, connectionId, source, session, settings, options));
    } catch (error) {
      // One org's revoked grant or outage must not hold back the others' writes.
      if (connections.length === 1 || !isLeadscoreError(error) || !error.code.startsWith('CRM_')) throw error;
      failures.push({ connectionId, error });
    } finally {
      if (session) await recordSalesforceUsage(db, tenant, connectionId, session);
    }
  }
  if (reports.length === 0) throw failures[0]!.error;
  if (reports.length === 1 && failures.length === 0) return reports[0]!;
  return {
    connectionId: reports.map((r) => r.connectionId).join(', '),
    sent: sum(reports, 'sent'),
    failed: sum(reports, 'failed'),
    retryLater: sum(reports, 'retryLater'),
    superseded: sum(reports, 'superseded'),
    calls: sum(reports, 'calls'),
    rateLimited: sum(reports, 'rateLimited'),
    errors: [...reports.flatMap((r) => r.errors), ...failures.map((f) => `${f.connectionId}: ${(f.error as Error).message}`)],
  };
}

/** One org's owner changes and field writes: sObject Collections, or Bulk API 2.0 ingest for a large run. */
async function writebackOrg(
  db: Database,
  tenant: TenantId,
  connectionId: string,
  source: string,
  session: Awaited<ReturnType<typeof salesforceSession>>,
  settings: Settings,
  options: SalesforceWritebackOptions,
): Promise<WritebackReport> {
  const rest = new SalesforceSink(session);
  // A large run (a first backfill, a new model) goes through Bulk API 2.0 ingest jobs: a few calls per 10,000 records.
  const bulk = (await countDueWrites(db, tenant, source)) > settings.salesforce.bulkWriteThreshold;
  const sink = bulk
    ? new SalesforceBulkSink(
        session,
        {
          ...options.bulk,
          jobs: {
            find: (key) => findBulkJob(db, tenant, connectionId, key),
            save: (key, job) => saveBulkJob(db, tenant, connectionId, key, job),
            forget: (key) => forgetBulkJob(db, tenant, connectionId, key),
          },
        },
        rest,
      )
    : rest;
  const target: WritebackTarget = {
    connectionId,
    source,
    sink,
    fieldsFor: (payload) => salesforceFields(payload, settings.fieldMappings.salesforce),
    // One ingest job at a time per org (each is processed in parallel by Salesforce already).
    rateLimit: options.rateLimit ?? (bulk ? { ...SALESFORCE_RATE_LIMIT, concurrency: 1 } : SALESFORCE_RATE_LIMIT),
  };
  await withConnectionStatus(db, tenant, connectionId, () => writeOwners(db, tenant, target.sink, (ids) => leadIdsFromSource(db, tenant, ids, source), connectionId));
  // A job can take minutes: the lease must outlive it, or another worker would send the same rows.
  const leaseMs = options.leaseMs ?? (bulk ? 45 * 60_000 : undefined);
  const report = await withConnectionStatus(db, tenant, connectionId, () =>
    drainOutbox(db, tenant, target, { holder: options.holder ?? `pid-${process.pid}`, ...options, ...(leaseMs ? { leaseMs } : {}) }),
  );
  crmCalls.inc({ tenant, connection: connectionId, operation: 'writeback', outcome: report.failed + report.retryLater ? 'error' : 'ok' }, report.calls);
  // The connection's status says how the last run went and names the first refused records (the rest were written).
  if (report.sent + report.failed + report.retryLater > 0) {
    await setConnectionStatus(db, tenant, connectionId, 'active', {
      lastWriteback: { at: new Date().toISOString(), sent: report.sent, failed: report.failed, retryLater: report.retryLater, errors: report.errors.slice(0, 10) },
    });
  }
  return report;
}

const sum = (reports: WritebackReport[], key: 'sent' | 'failed' | 'retryLater' | 'superseded' | 'calls' | 'rateLimited') => reports.reduce((n, r) => n + r[key], 0);
