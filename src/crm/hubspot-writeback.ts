import { HubSpotSink, type HubSpotApiOptions, type HubSpotApp } from '../../connectors/hubspot/index.js';
import type { Vault } from '../config/secrets.js';
import { crmCalls } from '../config/metrics.js';
import type { TenantId } from '../domain/index.js';
import { currentSettings } from '../settings/index.js';
import { leadIdsFromSource, listConnections, setConnectionStatus, type Database } from '../store/index.js';
import { drainOutbox, mappedFields, type DrainOptions, type RateLimit, type WritebackReport, type WritebackTarget } from '../writeback/index.js';
import { writeOwners } from './route.js';
import { recordHubSpotUsage } from './api-usage.js';
import { hubspotApi } from './hubspot-connect.js';
import { withHubspotStatus } from './hubspot-lifecycle.js';

/** HubSpot's public-app limit: 110 calls in any 10 seconds per portal (the calls are paced by the portal limiter; this sets the concurrency). */
export const HUBSPOT_RATE_LIMIT: RateLimit = { calls: 110, perMs: 10_000, concurrency: 4 };

/**
 * Send a tenant's pending score writes for HubSpot contacts through drainOutbox: the newest per
 * contact, 100 a call within the portal's rate limit, each settled on its own (sent with any
 * property left out named, dead-lettered, or retried later). Warnings (a deleted tier option, a
 * missing property) also go on the connection's status.
 */
export async function writebackHubspot(
  db: Database,
  vault: Vault,
  app: HubSpotApp,
  tenant: TenantId,
  options: Partial<DrainOptions> & { apiOptions?: HubSpotApiOptions; rateLimit?: RateLimit } = {},
): Promise<WritebackReport | null> {
  const connections = (await listConnections(db, tenant, 'hubspot')).filter((c) => c.status === 'active');
  if (connections.length === 0) return null;
  if (connections.length > 1) throw new Error(`tenant "${tenant}" has ${connections.length} active HubSpot portals; writing back to several is not supported yet`);
  const connectionId = connections[0]!.id;
  const api = await hubspotApi(db, vault, app, tenant, connectionId, options.apiOptions);
  const sink = new HubSpotSink(api);
  // One limiter per portal: every HTTP call the sink makes (property read, batch updates, their
  // splits, tasks) waits in the portal's limiter, which sync and webhook work share, and a 429 pauses it.
  const gate = options.gate ?? { take: async () => undefined, pause: (ms: number) => api.rateLimiter.pauseFor(ms) };
  const { settings } = await currentSettings(db, tenant);
  const warnings = new Set<string>();
  const write = sink.writeFieldUpdates.bind(sink);
  const target: WritebackTarget = {
    connectionId,
    source: 'hubspot',
    sink: {
      maxBatchSize: sink.maxBatchSize,
      changeOwners: (changes) => sink.changeOwners(changes),
      writeFieldUpdates: async (updates) => {
        const results = await write(updates);
        for (const r of results) for (const w of r.warnings ?? []) warnings.add(w);
        return results;
      },
    },
    fieldsFor: (payload) => mappedFields(payload, settings.fieldMappings.hubspot),
    rateLimit: options.rateLimit ?? HUBSPOT_RATE_LIMIT,
  };
  let callsBefore = 0;
  let report: WritebackReport;
  try {
    await withHubspotStatus(db, tenant, connectionId, () => writeOwners(db, tenant, target.sink, (ids) => leadIdsFromSource(db, tenant, ids, 'hubspot'), connectionId));
    callsBefore = sink.calls;
    report = await withHubspotStatus(db, tenant, connectionId, () => drainOutbox(db, tenant, target, { holder: options.holder ?? `pid-${process.pid}`, ...options, gate }));
  } finally {
    await recordHubSpotUsage(db, tenant, connectionId, api);
  }
  report.calls = sink.calls - callsBefore;
  crmCalls.inc({ tenant, connection: connectionId, operation: 'writeback', outcome: report.failed + report.retryLater ? 'error' : 'ok' }, report.calls);
  await setConnectionStatus(db, tenant, connectionId, 'active', { writebackWarnings: [...warnings].slice(0, 20), lastWritebackAt: new Date().toISOString() });
  return report;
}
