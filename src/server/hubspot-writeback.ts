import { HubSpotSink, type HubSpotApiOptions, type HubSpotApp } from '../../connectors/hubspot/index.js';
import type { Vault } from '../config/secrets.js';
import { crmCalls } from '../config/metrics.js';
import type { FieldUpdate, TenantId } from '../domain/index.js';
import { currentSettings } from '../settings/index.js';
import { listConnections, pendingOutbox, setConnectionStatus, settleOutbox, type Database, type OutboxEntry } from '../store/index.js';
import { hubspotApi } from './hubspot-connect.js';
import { withConnectionStatus } from './salesforce-connect.js';
// The outbox payload maps onto CRM fields the same way for every CRM: only the mapping differs.
import { salesforceFields as mappedFields, type WritebackReport } from './salesforce-writeback.js';

/**
 * Send a tenant's pending score writes for HubSpot contacts: the newest per contact (older ones
 * are superseded), 100 contacts a call within the portal's rate limit. Each write is settled on
 * its own: sent (with any property left out named), failed for good, or left for a retry.
 * Warnings (a deleted tier option, a missing property) are also put on the connection's status.
 */
export async function writebackHubspot(db: Database, vault: Vault, app: HubSpotApp, tenant: TenantId, options: { maxRecords?: number; apiOptions?: HubSpotApiOptions } = {}): Promise<WritebackReport> {
  const connections = (await listConnections(db, tenant, 'hubspot')).filter((c) => c.status === 'active');
  const report: WritebackReport = { connectionId: connections[0]?.id ?? null, sent: 0, failed: 0, retryLater: 0, superseded: 0, calls: 0, errors: [] };
  if (connections.length === 0) return report;
  if (connections.length > 1) throw new Error(`tenant "${tenant}" has ${connections.length} active HubSpot portals; writing back to several is not supported yet`);
  const connectionId = connections[0]!.id;
  const sink = new HubSpotSink(await hubspotApi(db, vault, app, tenant, connectionId, options.apiOptions));
  const { settings } = await currentSettings(db, tenant);
  const limit = options.maxRecords ?? 10_000;
  const tried = new Set<number>();
  const warnings = new Set<string>();
  for (;;) {
    const pending = (await pendingOutbox(db, tenant, 2000, 'hubspot')).filter((e) => !tried.has(e.id));
    if (pending.length === 0 || report.sent + report.failed >= limit) break;
    const newest = new Map<string, OutboxEntry>();
    for (const e of pending) newest.set(e.leadId, e);
    const superseded = pending.filter((e) => newest.get(e.leadId) !== e);
    await settleOutbox(db, tenant, superseded.map((e) => ({ id: e.id, result: 'sent', note: `superseded by a newer score (outbox ${newest.get(e.leadId)!.id})` })));
    report.superseded += superseded.length;
    const entries = [...newest.values()];
    const updates: FieldUpdate[] = entries.map((e) => ({ leadId: e.leadId, fields: mappedFields(e.payload, settings.fieldMappings.hubspot), scoreVersion: e.id }));
    const callsBefore = sink.calls;
    const results = await withConnectionStatus(db, tenant, connectionId, () => sink.writeFieldUpdates(updates));
    const outcomes = results.map((r, i) => {
      const entry = entries[i]!;
      tried.add(entry.id);
      for (const w of r.warnings ?? []) warnings.add(w);
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
    crmCalls.inc({ tenant, connection: connectionId, operation: 'writeback', outcome: report.failed + report.retryLater ? 'error' : 'ok' }, sink.calls - callsBefore);
    // A rate limit that held: the rest waits for the next run instead of being tried again now.
    if (results.some((r) => r.error?.retryable)) break;
  }
  report.calls = sink.calls;
  await setConnectionStatus(db, tenant, connectionId, 'active', { writebackWarnings: [...warnings].slice(0, 20), lastWritebackAt: new Date().toISOString() });
  return report;
}
