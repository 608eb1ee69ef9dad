import { HubSpotSource, type HubSpotApi, type HubSpotApiOptions, type HubSpotApp } from '../../connectors/hubspot/index.js';
import type { Vault } from '../config/secrets.js';
import { crmCalls } from '../config/metrics.js';
import { isLeadscoreError, type TenantId } from '../domain/index.js';
import { rescore, type ModelSource } from '../scoring/rescore.js';
import { currentSettings } from '../settings/index.js';
import { clearSyncCursors, getConnection, getSyncCursors, listConnections, saveSyncCursor, setConnectionStatus, type Database } from '../store/index.js';
import { importFromSource, type StreamName } from '../sync/index.js';
import { recordHubSpotUsage } from './api-usage.js';
import { hubspotApi } from './hubspot-connect.js';
import type { SalesforceSyncReport } from './salesforce-sync.js';
import { sweepDeletedContacts } from './hubspot-deletions.js';
import { withHubspotStatus } from './hubspot-lifecycle.js';

/** A Salesforce org's report, plus portals that uninstalled the app; `deleted`: contacts the daily sweep found deleted in HubSpot. */
export type HubSpotSyncReport = Omit<SalesforceSyncReport, 'status'> & { status: SalesforceSyncReport['status'] | 'uninstalled' };

/**
 * Sync every active HubSpot connection of a tenant: read from the stored cursors (or from the
 * beginning with `full`), store each batch and its cursor, then rescore the open leads that
 * changed. A revoked grant marks the connection as needing a reconnect; other connections go on.
 */
export async function syncHubspot(
  db: Database,
  vault: Vault,
  app: HubSpotApp,
  models: ModelSource,
  tenant: TenantId,
  options: { full?: boolean; apiOptions?: HubSpotApiOptions; deletionSweepEveryMs?: number } = {},
): Promise<HubSpotSyncReport[]> {
  const reports: HubSpotSyncReport[] = [];
  for (const connection of await listConnections(db, tenant, 'hubspot')) {
    if (connection.status === 'uninstalled') {
      reports.push({ connectionId: connection.id, status: 'uninstalled', error: 'the app was uninstalled from this portal; nothing is read until it is installed again' });
      continue;
    }
    if (connection.status !== 'active') {
      reports.push({ connectionId: connection.id, status: 'needs_reconnect', error: `the connection is ${connection.status.replace('_', ' ')}` });
      continue;
    }
    const opened: { api?: HubSpotApi } = {};
    try {
      const result = await withHubspotStatus(db, tenant, connection.id, async () => {
        const api = (opened.api = await hubspotApi(db, vault, app, tenant, connection.id, options.apiOptions));
        if (options.full) await clearSyncCursors(db, tenant, connection.id);
        const cursors = await getSyncCursors(db, tenant, connection.id);
        const mapping = (await currentSettings(db, tenant)).settings.hubspot;
        const source = new HubSpotSource(api, { activityTypes: mapping.activityTypes, disqualifiedStatuses: mapping.disqualifiedStatuses });
        const imported = await importFromSource(db, tenant, source, {
          cursors,
          sourceKind: 'hubspot',
          onCursor: (stream, cursor) => saveSyncCursor(db, tenant, connection.id, stream, cursor),
        });
        const deleted = await sweepDeletedContacts(db, tenant, connection, api, options.deletionSweepEveryMs === undefined ? {} : { everyMs: options.deletionSweepEveryMs });
        crmCalls.inc({ tenant, connection: connection.id, operation: 'sync', outcome: 'ok' });
        return { ...imported, deleted };
      });
      const done = await rescore(db, models, tenant, { ids: [...result.changedLeadIds] });
      // Records HubSpot holds that Leadscore could not take (a contact without a creation date, a
      // stream without its scope) are named on the connection, where RevOps look.
      const problems = result.rejections.slice(0, 10).map((r) => `${r.file}${r.column ? ` ${r.column}` : ''}: ${r.reason}`);
      // Streams the portal does not grant (web analytics below Enterprise, a scope left out) are skipped, and said so.
      const skippedStreams = result.rejections.filter((r) => r.reason.startsWith('not read: ')).map((r) => `${r.file}: ${r.reason.slice('not read: '.length)}`);
      await setConnectionStatus(db, tenant, connection.id, 'active', { backfill: 'done', lastSyncAt: new Date().toISOString(), lastSyncRejections: { count: result.rejections.length + result.rejectionsNotListed, first: problems }, skippedStreams });
      const counts = (s: StreamName) => ({ inserted: result.streams[s].inserted, updated: result.streams[s].updated, unchanged: result.streams[s].unchanged, rejected: result.streams[s].rejected });
      reports.push({
        connectionId: connection.id,
        status: 'synced',
        streams: { leads: counts('leads'), activities: counts('activities'), outcomes: counts('outcomes') },
        rejections: result.rejections.length + result.rejectionsNotListed,
        ...(result.deleted === null ? {} : { deleted: result.deleted }),
        rescored: { leads: done.leads, changed: done.changed, writes: done.writes },
      });
    } catch (err) {
      crmCalls.inc({ tenant, connection: connection.id, operation: 'sync', outcome: 'error' });
      if (!isLeadscoreError(err) || !err.code.startsWith('CRM_')) throw err;
      const revoked = err.code === 'CRM_AUTH_REVOKED';
      const status = revoked ? ((await getConnection(db, tenant, connection.id))?.status === 'uninstalled' ? 'uninstalled' : 'needs_reconnect') : 'failed';
      reports.push({ connectionId: connection.id, status, error: err.message });
      if (!revoked) await setConnectionStatus(db, tenant, connection.id, 'active', { lastError: err.message, lastErrorAt: new Date().toISOString() });
    } finally {
      await recordHubSpotUsage(db, tenant, connection.id, opened.api ?? null);
    }
  }
  return reports;
}
