import { SalesforceSource, type SalesforceApp, type SalesforceSession } from '../../connectors/salesforce/index.js';
import type { Vault } from '../config/secrets.js';
import { crmCalls } from '../config/metrics.js';
import { connectionSource, isLeadscoreError, type TenantId } from '../domain/index.js';
import { rescore, type ModelSource } from '../scoring/rescore.js';
import { currentSettings, salesforceReadMapping } from '../settings/index.js';
import { clearSyncCursors, deleteLeads, getSyncCursors, listConnections, recordAudit, retractOutcomes, saveSyncCursor, setConnectionStatus, type Database } from '../store/index.js';
import { importFromSource, type StreamName } from '../sync/index.js';
import { recordSalesforceUsage } from './api-usage.js';
import { salesforceSession, withConnectionStatus } from './salesforce-connect.js';

export interface SalesforceSyncReport {
  connectionId: string;
  status: 'synced' | 'needs_reconnect' | 'failed';
  streams?: Record<StreamName, { inserted: number; updated: number; unchanged: number; rejected: number }>;
  rejections?: number;
  /** Leads deleted in Salesforce and removed here. */
  deleted?: number;
  /** Stored outcomes removed because Salesforce shows the lead open again (un-converted, reopened). */
  retractedOutcomes?: number;
  /** Mapped fields the org lacks, and the like: the sync went on without them. */
  warnings?: string[];
  rescored?: { leads: number; changed: number; writes: number };
  error?: string;
}

/**
 * Sync every active Salesforce connection of a tenant: read from the stored cursors (or from the
 * beginning with `full`), store each batch and its cursor, then rescore the open leads that
 * changed. A revoked grant marks the connection as needing a reconnect; other connections go on.
 */
export async function syncSalesforce(
  db: Database,
  vault: Vault,
  app: SalesforceApp,
  models: ModelSource,
  tenant: TenantId,
  options: { full?: boolean } = {},
): Promise<SalesforceSyncReport[]> {
  const reports: SalesforceSyncReport[] = [];
  for (const connection of await listConnections(db, tenant, 'salesforce')) {
    if (connection.status !== 'active') {
      reports.push({ connectionId: connection.id, status: 'needs_reconnect', error: `the connection is ${connection.status}` });
      continue;
    }
    const opened: { session?: SalesforceSession } = {};
    try {
      const result = await withConnectionStatus(db, tenant, connection.id, async () => {
        const session = (opened.session = await salesforceSession(db, vault, app, tenant, connection.id));
        if (options.full) await clearSyncCursors(db, tenant, connection.id);
        const cursors = await getSyncCursors(db, tenant, connection.id);
        const [{ started }] = (await db.query<{ started: Date }>('SELECT now() AS started')) as [{ started: Date }];
        const { settings } = await currentSettings(db, tenant);
        const mapping = settings.salesforce;
        const readMapping = salesforceReadMapping(settings, connection.externalAccountId);
        const source = new SalesforceSource(session, {
          disqualifiedStatuses: mapping.disqualifiedStatuses,
          taskTypes: mapping.taskTypes,
          campaignTypes: mapping.campaignTypes,
          leadFields: readMapping.leadFields,
          contacts: mapping.syncContacts ? { fields: readMapping.contactFields } : null,
        });
        // Each org's leads carry its org id, so a tenant's orgs stay apart and writes go back to the right one.
        const leadSource = connectionSource('salesforce', connection.externalAccountId);
        const imported = await importFromSource(db, tenant, source, {
          cursors,
          sourceKind: leadSource,
          onCursor: (stream, cursor) => saveSyncCursor(db, tenant, connection.id, stream, cursor),
        });
        const retracted = await retractReopened(db, tenant, connection.id, leadSource, [...source.openLeadIds], new Date(started));
        for (const id of retracted) imported.changedLeadIds.add(id);
        // A contact stored before a lead was converted into it is that lead now, kept with its outcome.
        let deleted = mapping.syncContacts ? await deleteLeads(db, tenant, [...source.convertedContacts.keys()], leadSource) : 0;
        for (const [object, stream] of [['Lead', 'deletions'], ...(mapping.syncContacts ? [['Contact', 'contactDeletions']] : [])] as Array<['Lead' | 'Contact', string]>) {
          const deletions = await source.readDeletions(cursors[stream] ?? null, new Date(), object);
          deleted += await deleteLeads(db, tenant, deletions.leadIds, leadSource);
          await saveSyncCursor(db, tenant, connection.id, stream, deletions.cursor);
        }
        crmCalls.inc({ tenant, connection: connection.id, operation: 'sync', outcome: 'ok' });
        return { ...imported, deleted, retracted: retracted.length, warnings: source.warnings };
      });
      const done = await rescore(db, models, tenant, { ids: [...result.changedLeadIds] });
      // Each sync says what of the mapping the org lacks (an empty list once an admin fixed it).
      await setConnectionStatus(db, tenant, connection.id, 'active', { backfill: 'done', lastSyncAt: new Date().toISOString(), syncWarnings: result.warnings });
      const counts = (s: StreamName) => ({ inserted: result.streams[s].inserted, updated: result.streams[s].updated, unchanged: result.streams[s].unchanged, rejected: result.streams[s].rejected });
      reports.push({
        connectionId: connection.id,
        status: 'synced',
        streams: { leads: counts('leads'), activities: counts('activities'), outcomes: counts('outcomes') },
        rejections: result.rejections.length + result.rejectionsNotListed,
        deleted: result.deleted,
        retractedOutcomes: result.retracted,
        ...(result.warnings.length ? { warnings: result.warnings } : {}),
        rescored: { leads: done.leads, changed: done.changed, writes: done.writes },
      });
    } catch (err) {
      crmCalls.inc({ tenant, connection: connection.id, operation: 'sync', outcome: 'error' });
      if (!isLeadscoreError(err) || !err.code.startsWith('CRM_')) throw err;
      const revoked = err.code === 'CRM_AUTH_REVOKED';
      reports.push({ connectionId: connection.id, status: revoked ? 'needs_reconnect' : 'failed', error: err.message });
      if (!revoked) await setConnectionStatus(db, tenant, connection.id, 'active', { lastError: err.message, lastErrorAt: new Date().toISOString() });
    } finally {
      await recordSalesforceUsage(db, tenant, connection.id, opened.session ?? null);
    }
  }
  return reports;
}

/**
 * A lead Salesforce shows open again (an admin un-converted it, or reopened a disqualified one)
 * loses its stored outcome, in chunks, each with an audit entry holding the outcome it had; the
 * connection's status names the newest ones. Answers the ids whose outcome was removed.
 */
export async function retractReopened(db: Database, tenant: TenantId, connectionId: string, leadSource: string, openIds: string[], storedBefore: Date): Promise<string[]> {
  const removed: string[] = [];
  const notes: Array<{ leadId: string; was: string; outcomeAt: string }> = [];
  for (let i = 0; i < openIds.length; i += 5000) {
    const chunk = openIds.slice(i, i + 5000);
    const outcomes = await db.transaction(async (tx) => {
      const gone = await retractOutcomes(tx, tenant, chunk, leadSource, storedBefore);
      await recordAudit(
        tx,
        tenant,
        gone.map((o) => ({
          action: 'outcome_retracted' as const,
          recordId: o.leadId,
          connectionId,
          before: { converted: o.converted, outcomeAt: o.outcomeAt.toISOString(), amount: o.amount },
          after: null,
          cause: 'salesforce sync',
          outcome: 'retracted',
          note: `Salesforce shows the lead ${o.converted ? 'not converted any more (un-converted)' : 'no longer disqualified'}; it is open and scored again`,
        })),
      );
      return gone;
    });
    for (const o of outcomes) {
      removed.push(o.leadId);
      notes.push({ leadId: o.leadId, was: o.converted ? 'converted' : 'disqualified', outcomeAt: o.outcomeAt.toISOString() });
    }
  }
  if (notes.length) await setConnectionStatus(db, tenant, connectionId, 'active', { lastRetractedOutcomes: { at: new Date().toISOString(), count: notes.length, newest: notes.slice(-20) } });
  return removed;
}
