import { archivedContactIds, type HubSpotApi } from '../../connectors/hubspot/index.js';
import type { TenantId } from '../domain/index.js';
import { deleteLeadsAndPendingWrites, leadIdsFromSource, setConnectionStatus, type Database } from '../store/index.js';

/** How often the deleted-contact sweep runs per portal (HubSpot lists deleted contacts for 90 days). */
export const DELETION_SWEEP_EVERY_MS = 86_400_000;

/**
 * Contacts deleted in HubSpot while their webhook was missed (an outage, a portal without the
 * subscription): the portal's deleted contacts are listed page by page, and those still stored
 * here are removed with their pending writes. Runs at most once per `everyMs` per connection; a
 * first backfill starts the clock, since it read only contacts that were not deleted.
 */
export async function sweepDeletedContacts(
  db: Database,
  tenant: TenantId,
  connection: { id: string; settings: Record<string, unknown> },
  api: HubSpotApi,
  options: { now?: Date; everyMs?: number } = {},
): Promise<number | null> {
  const now = options.now ?? new Date();
  const last = typeof connection.settings.lastDeletionSweepAt === 'string' ? Date.parse(connection.settings.lastDeletionSweepAt) : NaN;
  if (!Number.isNaN(last) && now.getTime() - last < (options.everyMs ?? DELETION_SWEEP_EVERY_MS)) return null;
  let deleted = 0;
  if (!Number.isNaN(last)) {
    for await (const ids of archivedContactIds(api)) {
      const held = await leadIdsFromSource(db, tenant, ids, 'hubspot');
      if (held.size) deleted += await deleteLeadsAndPendingWrites(db, tenant, [...held], 'hubspot');
    }
  }
  await setConnectionStatus(db, tenant, connection.id, 'active', { lastDeletionSweepAt: now.toISOString(), lastDeletionSweepRemoved: deleted });
  return deleted;
}
