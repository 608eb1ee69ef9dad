import { SalesforceSink, type SalesforceApp } from '../../connectors/salesforce/index.js';
import type { Vault } from '../config/secrets.js';
import { crmCalls } from '../config/metrics.js';
import type { FieldUpdate, FieldValue, TenantId } from '../domain/index.js';
import { currentSettings, type Settings, type WrittenField } from '../settings/index.js';
import { listConnections, pendingOutbox, settleOutbox, type Database, type OutboxEntry } from '../store/index.js';
import { salesforceSession, withConnectionStatus } from './salesforce-connect.js';

export interface WritebackReport {
  connectionId: string | null;
  sent: number;
  failed: number;
  retryLater: number;
  superseded: number;
  /** Collection calls made (each up to 200 records). */
  calls: number;
  errors: string[];
}

/** The CRM-neutral outbox payload as Salesforce fields, through the tenant's field mapping. */
export function salesforceFields(payload: Record<string, unknown>, mapping: Settings['fieldMappings']['salesforce']): Record<string, FieldValue> {
  const scored = payload.status === 'scored';
  const values: Record<WrittenField, FieldValue> = {
    composite: scored ? (payload.composite as number) : null,
    fit: scored ? (payload.fit as number | null) : null,
    engagement: scored ? (payload.engagement as number | null) : null,
    grade: scored ? (payload.grade as string | null) : null,
    tier: scored ? (payload.tier as string) : 'Not scored',
    reasons: scored ? (payload.reasons as string) : (payload.reason as string),
    nextAction: scored ? (payload.nextAction as string | null) : null,
    scoredAt: new Date(String(payload.scoredAt)),
    modelVersion: scored ? (payload.modelVersion as string) : null,
  };
  const fields: Record<string, FieldValue> = {};
  for (const [key, field] of Object.entries(mapping)) if (field) fields[field] = values[key as WrittenField];
  return fields;
}

/**
 * Send a tenant's pending score writes for Salesforce leads: the newest per lead (older ones are
 * superseded, never sent after a newer one), in collections of 200. Each write is settled on its
 * own: sent, failed for good (a validation rule), or left for a retry (a locked record).
 */
export async function writebackSalesforce(db: Database, vault: Vault, app: SalesforceApp, tenant: TenantId, options: { maxRecords?: number } = {}): Promise<WritebackReport> {
  const connections = (await listConnections(db, tenant, 'salesforce')).filter((c) => c.status === 'active');
  const report: WritebackReport = { connectionId: connections[0]?.id ?? null, sent: 0, failed: 0, retryLater: 0, superseded: 0, calls: 0, errors: [] };
  if (connections.length === 0) return report;
  if (connections.length > 1) throw new Error(`tenant "${tenant}" has ${connections.length} active Salesforce orgs; writing back to several is not supported yet`);
  const connectionId = connections[0]!.id;
  const session = await salesforceSession(db, vault, app, tenant, connectionId);
  const sink = new SalesforceSink(session);
  const { settings } = await currentSettings(db, tenant);
  const limit = options.maxRecords ?? 10_000;
  const tried = new Set<number>();
  for (;;) {
    const pending = (await pendingOutbox(db, tenant, 2000, 'salesforce')).filter((e) => !tried.has(e.id));
    if (pending.length === 0 || report.sent + report.failed >= limit) break;
    const newest = new Map<string, OutboxEntry>();
    for (const e of pending) newest.set(e.leadId, e);
    const superseded = pending.filter((e) => newest.get(e.leadId) !== e);
    await settleOutbox(db, tenant, superseded.map((e) => ({ id: e.id, result: 'sent', note: `superseded by a newer score (outbox ${newest.get(e.leadId)!.id})` })));
    report.superseded += superseded.length;
    const entries = [...newest.values()];
    const updates: FieldUpdate[] = entries.map((e) => ({ leadId: e.leadId, fields: salesforceFields(e.payload, settings.fieldMappings.salesforce), scoreVersion: e.id }));
    const results = await withConnectionStatus(db, tenant, connectionId, () => sink.writeFieldUpdates(updates));
    report.calls += Math.ceil(updates.length / sink.maxBatchSize);
    const outcomes = results.map((r, i) => {
      const entry = entries[i]!;
      tried.add(entry.id);
      if (r.ok) {
        report.sent++;
        return { id: entry.id, result: 'sent' as const, ...(r.warnings ? { note: `warning: ${r.warnings.join('; ')}` } : {}) };
      }
      if (r.error!.retryable) report.retryLater++;
      else report.failed++;
      if (report.errors.length < 20) report.errors.push(r.error!.message);
      return { id: entry.id, result: r.error!.retryable ? ('retry' as const) : ('failed' as const), note: `${r.error!.code}: ${r.error!.message}` };
    });
    await settleOutbox(db, tenant, outcomes);
    crmCalls.inc({ tenant, connection: connectionId, operation: 'writeback', outcome: report.failed + report.retryLater ? 'error' : 'ok' }, Math.ceil(updates.length / sink.maxBatchSize));
  }
  return report;
}
