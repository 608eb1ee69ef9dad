import { apiUsageOf, type SalesforceSession } from '../../connectors/salesforce/index.js';
import type { HubSpotApi } from '../../connectors/hubspot/index.js';
import type { TenantId } from '../domain/index.js';
import { recordApiUsage, type Database } from '../store/index.js';

/**
 * After a sync or a writeback, put what the CRM said about API use on the connection, for its
 * health on the connections page. Never fails the work it follows: a note lost is only a note.
 */
export async function recordSalesforceUsage(db: Database, tenant: TenantId, connectionId: string, session: Pick<SalesforceSession, 'connection'> | null, now = new Date()): Promise<void> {
  const usage = session ? apiUsageOf(session) : null;
  if (!usage) return;
  await recordApiUsage(db, tenant, connectionId, { calls: 0, note: { source: 'Sforce-Limit-Info', used: usage.used, limit: usage.limit, at: now.toISOString() }, now }).catch(() => undefined);
}

export async function recordHubSpotUsage(db: Database, tenant: TenantId, connectionId: string, api: Pick<HubSpotApi, 'usage'> | null, now = new Date()): Promise<void> {
  if (!api) return;
  const daily = api.usage.daily;
  const note = daily ? { source: 'X-HubSpot-RateLimit-Daily' as const, limit: daily.daily, remaining: daily.dailyRemaining, at: now.toISOString() } : null;
  await recordApiUsage(db, tenant, connectionId, { calls: api.usage.takeCalls(), note, now }).catch(() => undefined);
}
