import { HubSpotGrantRevokedError } from '../../connectors/hubspot/index.js';
import { isLeadscoreError, type TenantId } from '../domain/index.js';
import { currentSettings } from '../settings/index.js';
import { getConnection, listConnections, recordAudit, setConnectionStatus, type Database } from '../store/index.js';

const DAY_MS = 86_400_000;

/**
 * The app left the portal (the uninstall event, or HubSpot refusing the refresh token): the
 * connection is marked uninstalled, which stops its sync, writeback and webhook work, and its data
 * is kept for the tenant's retention period in case the app is installed again. Marking twice
 * keeps the first time, so the retention period is not pushed back by a late redelivery.
 */
export async function markHubspotUninstalled(db: Database, tenant: TenantId, connectionId: string, cause: string, now = new Date()): Promise<boolean> {
  const connection = await getConnection(db, tenant, connectionId);
  if (!connection || connection.kind !== 'hubspot' || connection.status === 'uninstalled') return false;
  const { settings } = await currentSettings(db, tenant);
  const deleteAfter = new Date(now.getTime() + settings.hubspot.retentionDays * DAY_MS);
  await setConnectionStatus(db, tenant, connectionId, 'uninstalled', { uninstalledAt: now.toISOString(), uninstallCause: cause, dataDeletedAt: null });
  await recordAudit(db, tenant, [
    { action: 'connection_uninstalled', recordId: connectionId, connectionId, before: { status: connection.status }, after: { status: 'uninstalled', retentionDays: settings.hubspot.retentionDays, deleteAfter: deleteAfter.toISOString() }, cause, outcome: 'uninstalled' },
  ]);
  return true;
}

/**
 * Run HubSpot work for a connection: a refresh token HubSpot refused marks it uninstalled; an
 * access token refused on its own (401 after renewal) marks it as needing a reconnect.
 */
export async function withHubspotStatus<T>(db: Database, tenant: TenantId, connectionId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof HubSpotGrantRevokedError) await markHubspotUninstalled(db, tenant, connectionId, `refresh token refused: ${err.message}`);
    else if (isLeadscoreError(err, 'CRM_AUTH_REVOKED')) await setConnectionStatus(db, tenant, connectionId, 'needs_reconnect', { lastError: err.message, lastErrorAt: new Date().toISOString() });
    throw err;
  }
}

export interface PortalDataDeletion {
  connectionId: string;
  leads: number;
  outbox: number;
  webhookEvents: number;
  auditEntries: number;
}

/**
 * The daily retention job: the data of every HubSpot portal uninstalled longer ago than the
 * tenant's retention period is deleted (leads with their activities, outcomes, scores, history,
 * assignments and feedback; their writes and audit entries; the portal's webhook events, sync
 * cursors and sealed tokens). The deletion is audited with counts only, never a contact's data.
 */
export async function deleteExpiredHubspotData(db: Database, tenant: TenantId, now = new Date()): Promise<PortalDataDeletion[]> {
  const { settings } = await currentSettings(db, tenant);
  const done: PortalDataDeletion[] = [];
  for (const c of await listConnections(db, tenant, 'hubspot')) {
    const since = typeof c.settings.uninstalledAt === 'string' ? Date.parse(c.settings.uninstalledAt) : NaN;
    if (c.status !== 'uninstalled' || c.settings.dataDeletedAt || Number.isNaN(since)) continue;
    if (now.getTime() - since < settings.hubspot.retentionDays * DAY_MS) continue;
    // Leads carry their CRM, not their portal: while another portal of the tenant is still in use, its leads stay.
    const othersInUse = (await listConnections(db, tenant, 'hubspot')).some((o) => o.id !== c.id && o.status !== 'uninstalled' && o.status !== 'disconnected');
    done.push(await deletePortalData(db, tenant, c.id, settings.hubspot.retentionDays, now, !othersInUse));
  }
  return done;
}

async function deletePortalData(db: Database, tenant: TenantId, connectionId: string, retentionDays: number, now: Date, withLeads: boolean): Promise<PortalDataDeletion> {
  return db.transaction(async (tx) => {
    const leadIds = `SELECT lead_id FROM leads WHERE tenant_id = $1 AND source = 'hubspot' AND $2::boolean`;
    const outbox = (await tx.query(`DELETE FROM outbox WHERE tenant_id = $1 AND lead_id IN (${leadIds}) RETURNING outbox_id`, [tenant, withLeads])).length;
    const auditEntries = (await tx.query(`DELETE FROM audit_log WHERE tenant_id = $1 AND record_id IN (${leadIds}) RETURNING audit_id`, [tenant, withLeads])).length;
    // Activities, outcomes, scores, history, assignments and feedback go with their leads (ON DELETE CASCADE).
    const leads = (await tx.query(`DELETE FROM leads WHERE tenant_id = $1 AND source = 'hubspot' AND $2::boolean RETURNING lead_id`, [tenant, withLeads])).length;
    const webhookEvents = (await tx.query(`DELETE FROM webhook_events WHERE tenant_id = $1 AND connection_id = $2 RETURNING event_id`, [tenant, connectionId])).length;
    await tx.query(`DELETE FROM sync_cursors WHERE tenant_id = $1 AND connection_id = $2`, [tenant, connectionId]);
    await tx.query(`UPDATE connections SET credentials_encrypted = NULL, settings = settings || $3::jsonb, updated_at = now() WHERE tenant_id = $1 AND connection_id = $2`, [
      tenant,
      connectionId,
      JSON.stringify({ dataDeletedAt: now.toISOString() }),
    ]);
    const counts = { connectionId, leads, outbox, webhookEvents, auditEntries };
    await recordAudit(tx, tenant, [{ action: 'portal_data_deletion', recordId: connectionId, connectionId, before: null, after: { ...counts, retentionDays }, cause: `retention: uninstalled more than ${retentionDays} days ago`, outcome: 'deleted' }]);
    return counts;
  });
}
