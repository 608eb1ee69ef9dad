import { randomBytes } from 'node:crypto';
import { missingReadFields, openSession, provisionLeadscoreFields, type FieldCheck, type FieldProvision, type SalesforceApp, type SalesforceTokens } from '../../connectors/salesforce/index.js';
import type { Vault } from '../config/secrets.js';
import { LeadscoreError, isLeadscoreError, type TenantId } from '../domain/index.js';
import { currentSettings, salesforceReadMapping } from '../settings/index.js';
import { ensureTenant, getConnection, saveConnection, setConnectionStatus, updateCredentials, type Database } from '../store/index.js';

export interface SalesforceConnectResult {
  connectionId: string;
  orgId: string;
  instanceUrl: string;
  fields: FieldCheck[];
  /** Fields Leadscore writes that the org still lacks (not created), as "Lead.Leadscore_Score__c". */
  missingFields: string[];
  /** Per written field: present, created (and its field-level security), failed or skipped, with why. */
  provisioning: FieldProvision[];
  /** Fields the read mapping (settings.salesforce.leadFields, contactFields) names that the org lacks. */
  unmappedFields: string[];
}

/**
 * Store a newly authorized org for a tenant (tokens sealed), then check that the fields Leadscore
 * writes exist on Lead and Contact and record exactly which are missing.
 */
export async function connectSalesforce(db: Database, vault: Vault, app: SalesforceApp, tenant: TenantId, tokens: SalesforceTokens): Promise<SalesforceConnectResult> {
  await ensureTenant(db, tenant, tenant);
  const connectionId = `salesforce-${tokens.orgId}`;
  await saveConnection(db, tenant, {
    id: connectionId,
    kind: 'salesforce',
    externalAccountId: tokens.orgId,
    status: 'active',
    settings: { instanceUrl: tokens.instanceUrl, loginUrl: tokens.loginUrl, connectedAt: new Date().toISOString(), backfill: 'pending' },
    credentials: vault.seal(tokens),
  });
  const session = await salesforceSession(db, vault, app, tenant, connectionId);
  const { settings } = await currentSettings(db, tenant);
  const sf = settings.salesforce;
  const read = salesforceReadMapping(settings, tokens.orgId);
  const { fields: provisioning, checks } = await withConnectionStatus(db, tenant, connectionId, () =>
    provisionLeadscoreFields(session, settings.fieldMappings.salesforce, { create: sf.createMissingFields }),
  );
  const missingFields = provisioning.filter((p) => p.status === 'failed' || p.status === 'skipped').map((p) => p.field);
  const fields = checks.map(({ object, present, missing }) => ({ object, present, missing }));
  const readPaths = (m: typeof sf.leadFields) => [...Object.values(m.fields), ...Object.values(m.attributes)].filter((p): p is string => typeof p === 'string');
  const unmappedFields = checks.flatMap((check) => {
    if (check.object === 'Contact' && !sf.syncContacts) return [];
    return missingReadFields(check, readPaths(check.object === 'Lead' ? read.leadFields : read.contactFields)).map((p) => `${check.object}.${p}`);
  });
  await setConnectionStatus(db, tenant, connectionId, 'active', { missingFields, fieldProvisioning: provisioning, unmappedFields, fieldsCheckedAt: new Date().toISOString() });
  return { connectionId, orgId: tokens.orgId, instanceUrl: tokens.instanceUrl, fields, missingFields, provisioning, unmappedFields };
}

/** An API session for a stored connection; renewed tokens are sealed and stored again. */
export async function salesforceSession(db: Database, vault: Vault, app: SalesforceApp, tenant: TenantId, connectionId: string) {
  const connection = await getConnection(db, tenant, connectionId);
  if (!connection?.credentials) throw new LeadscoreError('NOT_FOUND', `no Salesforce connection "${connectionId}" for tenant "${tenant}"`);
  if (connection.status === 'needs_reconnect') throw new LeadscoreError('CRM_AUTH_REVOKED', `the Salesforce connection "${connectionId}" needs to be connected again`);
  const tokens = vault.open<SalesforceTokens>(connection.credentials);
  return openSession(app, tokens, (renewed) => updateCredentials(db, tenant, connectionId, vault.seal(renewed)));
}

/** Run a call; a revoked refresh token marks the connection as needing a reconnect instead of failing forever. */
export async function withConnectionStatus<T>(db: Database, tenant: TenantId, connectionId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isLeadscoreError(err, 'CRM_AUTH_REVOKED')) {
      await setConnectionStatus(db, tenant, connectionId, 'needs_reconnect', { lastError: err.message, lastErrorAt: new Date().toISOString() });
    }
    throw err;
  }
}

/** OAuth state: which tenant and login host a consent belongs to, signed and valid for 10 minutes. */
export function signState(vault: Vault, tenant: TenantId, loginUrl: string, now = Date.now()): string {
  const payload = Buffer.from(JSON.stringify({ t: tenant, l: loginUrl, n: randomBytes(8).toString('hex'), e: now + 600_000 })).toString('base64url');
  return `${payload}.${vault.sign(payload)}`;
}

export function verifyState(vault: Vault, state: string, now = Date.now()): { tenant: TenantId; loginUrl: string } {
  const [payload, signature] = state.split('.');
  if (!payload || !signature || !vault.verify(payload, signature)) throw new LeadscoreError('INPUT_INVALID', 'the OAuth state is not one this server issued');
  const { t, l, e } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { t: TenantId; l: string; e: number };
  if (e < now) throw new LeadscoreError('INPUT_INVALID', 'the OAuth consent took longer than 10 minutes; start again');
  return { tenant: t, loginUrl: l };
}
