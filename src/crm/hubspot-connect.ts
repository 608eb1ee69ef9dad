import { HubSpotApi, provisionProperties, type HubSpotApiOptions, type HubSpotApp, type HubSpotTokens, type ProvisionResult } from '../../connectors/hubspot/index.js';
import type { Vault } from '../config/secrets.js';
import { LeadscoreError, type TenantId } from '../domain/index.js';
import { currentSettings } from '../settings/index.js';
import { connectionsForAccount, ensureTenant, getConnection, saveConnection, setConnectionStatus, updateCredentials, type Database } from '../store/index.js';
import { withHubspotStatus } from './hubspot-lifecycle.js';

export interface HubSpotConnectResult {
  connectionId: string;
  hubId: string;
  hubDomain: string | null;
  mode: HubSpotTokens['mode'];
  properties: ProvisionResult;
}

/** The tier a lead that cannot be scored gets in the CRM (the writeback payload names it so). */
export const NOT_SCORED_TIER = 'Not scored';

/**
 * Store a newly authorized portal for a tenant (tokens sealed, one connection per hub id), then
 * provision the `leadscore` property group and properties the tenant's mapping writes. A portal
 * is owned by one tenant: webhooks name the portal, and must find exactly one owner.
 */
export async function connectHubspot(db: Database, vault: Vault, app: HubSpotApp, tenant: TenantId, tokens: HubSpotTokens): Promise<HubSpotConnectResult> {
  const owners = (await connectionsForAccount(db, 'hubspot', tokens.hubId)).filter((c) => c.tenantId !== tenant);
  if (owners.length > 0) {
    throw new LeadscoreError('INPUT_INVALID', `HubSpot portal ${tokens.hubId} is already connected to another tenant; disconnect it there first`);
  }
  await ensureTenant(db, tenant, tenant);
  const connectionId = `hubspot-${tokens.hubId}`;
  // Installed again within the retention period: the kept data and sync positions are used again.
  const before = await getConnection(db, tenant, connectionId);
  const reinstalled = before?.status === 'uninstalled' ? { reinstalledAt: new Date().toISOString(), uninstalledAt: null, uninstallCause: null, dataKept: !before.settings.dataDeletedAt } : {};
  await saveConnection(db, tenant, {
    id: connectionId,
    kind: 'hubspot',
    externalAccountId: tokens.hubId,
    status: 'active',
    settings: { mode: tokens.mode, hubDomain: tokens.hubDomain, connectedAt: new Date().toISOString(), backfill: 'pending', ...reinstalled },
    credentials: vault.seal(tokens),
  });
  const api = await hubspotApi(db, vault, app, tenant, connectionId);
  const { settings } = await currentSettings(db, tenant);
  const tierNames = [...settings.tiers.levels.map((l) => l.name), NOT_SCORED_TIER];
  const properties = await withHubspotStatus(db, tenant, connectionId, () => provisionProperties(api, settings.fieldMappings.hubspot, tierNames));
  await setConnectionStatus(db, tenant, connectionId, 'active', { properties, propertiesCheckedAt: new Date().toISOString() });
  return { connectionId, hubId: tokens.hubId, hubDomain: tokens.hubDomain, mode: tokens.mode, properties };
}

/** An API session for a stored connection; renewed tokens are sealed and stored again. `options`: a limiter or call counter (benchmarks). */
export async function hubspotApi(db: Database, vault: Vault, app: HubSpotApp, tenant: TenantId, connectionId: string, options: HubSpotApiOptions = {}): Promise<HubSpotApi> {
  const connection = await getConnection(db, tenant, connectionId);
  if (!connection?.credentials || connection.kind !== 'hubspot') throw new LeadscoreError('NOT_FOUND', `no HubSpot connection "${connectionId}" for tenant "${tenant}"`);
  if (connection.status !== 'active') throw new LeadscoreError('CRM_AUTH_REVOKED', `the HubSpot connection "${connectionId}" is ${connection.status.replace('_', ' ')}; connect the portal again`);
  const tokens = vault.open<HubSpotTokens>(connection.credentials);
  return new HubSpotApi(app, tokens, (renewed) => updateCredentials(db, tenant, connectionId, vault.seal(renewed)), options);
}
