import { SalesforceSource, type ChangeEvent, type SalesforceSession } from '../../connectors/salesforce/index.js';
import type { TenantId } from '../domain/index.js';
import { rescore, type ModelSource } from '../scoring/rescore.js';
import { currentSettings, salesforceReadMapping } from '../settings/index.js';
import { deleteLeads, getReplayId, saveReplayId, type Database } from '../store/index.js';
import { importFromSource } from '../sync/index.js';
import { retractReopened } from '../crm/salesforce-sync.js';

/** Ids per re-read query: 18-character ids keep the SOQL text far below its 100,000-character limit. */
const IDS_PER_QUERY = 300;

export interface ChangeBatchReport {
  /** Events at or before the stored replay id: delivered again, so skipped. */
  skipped: number;
  /** UPDATE events that changed only ignored fields (Leadscore's own writes coming back). */
  ignored: number;
  /** Leads read again because an event named them (created, updated, undeleted, or a gap event). */
  reread: number;
  deleted: number;
  rejected: number;
  /** Rescored leads whose score changed, and the CRM writes that queued. */
  changed: number;
  writes: number;
  /** Stored outcomes of leads Salesforce now shows open again (un-converted or reopened): removed, audited, rescored. */
  retracted: number;
  /** An overflow event (no record ids) or a change to an object the sync reads (Contact): run the incremental sync. */
  needsSync: boolean;
  /** The replay id stored after this batch. */
  replayId: number | null;
}

export interface ChangeTarget {
  tenant: TenantId;
  connectionId: string;
  /** The leads.source of this org's leads ('salesforce:<org id>'). */
  source: string;
  channel: string;
  /**
   * Fields whose change alone is no reason to read a lead again: Leadscore's own written fields
   * (every writeback comes back as an UPDATE event) and system stamps. Compared ignoring case.
   */
  ignoredFields?: readonly string[];
}

const SYSTEM_FIELDS = ['LastModifiedDate', 'LastModifiedById', 'SystemModstamp', 'LastReferencedDate', 'LastViewedDate'];

/**
 * Apply a channel's change events, in delivery order, through the same path as the sync: the
 * named leads are read again from Salesforce (an UPDATE event carries only the changed fields,
 * a gap event none) and upserted, deleted leads removed, and the leads that changed rescored.
 * The replay id is stored last, so a crash means the events come again; an event at or before
 * the stored id is skipped, and a re-read of unchanged data changes and writes nothing.
 */
export async function applyChangeEvents(
  db: Database,
  models: ModelSource,
  session: SalesforceSession,
  target: ChangeTarget,
  events: readonly ChangeEvent[],
): Promise<ChangeBatchReport> {
  const { tenant, connectionId, source, channel } = target;
  const stored = await getReplayId(db, tenant, connectionId, channel);
  const fresh = stored === null ? [...events] : events.filter((e) => e.replayId > stored);
  const report: ChangeBatchReport = { skipped: events.length - fresh.length, ignored: 0, reread: 0, deleted: 0, rejected: 0, retracted: 0, changed: 0, writes: 0, needsSync: false, replayId: stored };
  if (fresh.length === 0) return report;

  // The last event about a record decides: deleted then undeleted is read again, and so on.
  const ignored = new Set([...SYSTEM_FIELDS, ...(target.ignoredFields ?? [])].map((f) => f.toLowerCase()));
  const action = new Map<string, 'read' | 'delete'>();
  for (const event of fresh) {
    if (event.changeType === 'UPDATE' && event.changedFields.length > 0 && event.changedFields.every((f) => ignored.has(f.toLowerCase()))) {
      report.ignored++;
      continue;
    }
    if (event.entity !== 'Lead' || event.changeType === 'GAP_OVERFLOW') {
      report.needsSync = true;
      continue;
    }
    const kind = event.changeType === 'DELETE' || event.changeType === 'GAP_DELETE' ? 'delete' : 'read';
    for (const id of event.recordIds) {
      action.delete(id);
      action.set(id, kind);
    }
  }
  const toRead = [...action].filter(([, a]) => a === 'read').map(([id]) => id);
  const toDelete = [...action].filter(([, a]) => a === 'delete').map(([id]) => id);

  const changed = new Set<string>();
  if (toRead.length) {
    const [{ started }] = (await db.query<{ started: Date }>('SELECT now() AS started')) as [{ started: Date }];
    const { settings } = await currentSettings(db, tenant);
    const mapping = settings.salesforce;
    // The org's own read mapping where it has one (source is 'salesforce:<org id>').
    const { leadFields } = salesforceReadMapping(settings, source.split(':')[1] ?? null);
    for (let i = 0; i < toRead.length; i += IDS_PER_QUERY) {
      const onlyIds = toRead.slice(i, i + IDS_PER_QUERY);
      const reader = new SalesforceSource(session, { disqualifiedStatuses: mapping.disqualifiedStatuses, taskTypes: mapping.taskTypes, campaignTypes: mapping.campaignTypes, leadFields, onlyIds });
      const imported = await importFromSource(db, tenant, reader, { sourceKind: source });
      report.reread += imported.streams.leads.inserted + imported.streams.leads.updated + imported.streams.leads.unchanged;
      report.rejected += imported.streams.leads.rejected + imported.streams.outcomes.rejected;
      for (const id of imported.changedLeadIds) changed.add(id);
      // An admin un-converted or reopened a lead: its stored outcome goes, as in the sync.
      const retracted = await retractReopened(db, tenant, connectionId, source, [...reader.openLeadIds], new Date(started));
      report.retracted += retracted.length;
      for (const id of retracted) changed.add(id);
    }
  }
  if (toDelete.length) report.deleted = await deleteLeads(db, tenant, toDelete, source);
  if (changed.size) {
    const done = await rescore(db, models, tenant, { ids: [...changed] });
    report.changed = done.changed;
    report.writes = done.writes;
  }
  report.replayId = Math.max(...fresh.map((e) => e.replayId));
  await saveReplayId(db, tenant, connectionId, channel, report.replayId);
  return report;
}
