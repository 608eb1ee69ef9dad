import type { SalesforceSession } from './session.js';

/** The org's daily API use, as Salesforce reported it on the latest answer. */
export interface SalesforceApiUsage {
  used: number;
  limit: number;
}

/**
 * What the last answer's Sforce-Limit-Info header said (api-usage=used/max, which jsforce keeps
 * in `limitInfo`); null before any answer carried it. The count is the org's, all integrations together.
 */
export function apiUsageOf(session: Pick<SalesforceSession, 'connection'>): SalesforceApiUsage | null {
  const usage = (session.connection.limitInfo as { apiUsage?: { used: number; limit: number } } | undefined)?.apiUsage;
  return usage && Number.isFinite(usage.used) && Number.isFinite(usage.limit) ? { used: usage.used, limit: usage.limit } : null;
}
