import { actionFor, CONTACT_PROPERTIES, readContacts, toLead, type HubSpotApp, type WebhookEvent } from '../../connectors/hubspot/index.js';
import type { Logger } from '../config/log.js';
import type { Vault } from '../config/secrets.js';
import type { Lead, TenantId } from '../domain/index.js';
import { rescore, type ModelSource } from '../scoring/rescore.js';
import {
  deleteLeadsAndPendingWrites,
  eraseLead,
  getConnection,
  pendingWebhookEvents,
  recordAudit,
  setConnectionStatus,
  settleWebhookEvents,
  tenantsWithPendingWebhookEvents,
  upsertLeads,
  type Database,
  type StoredWebhookEvent,
} from '../store/index.js';
import { hubspotApi } from '../crm/hubspot-connect.js';
import { markHubspotUninstalled } from '../crm/hubspot-lifecycle.js';
import { withHubspotStatus } from '../crm/hubspot-lifecycle.js';

type Settled = { accountId: string; eventId: string; outcome: string };

const eventOf = (e: StoredWebhookEvent): WebhookEvent => ({ ...(e.payload as Omit<WebhookEvent, 'eventId' | 'portalId'>), eventId: e.eventId, portalId: e.accountId });

/**
 * Processes stored HubSpot webhook events in the background, one tenant at a time in this
 * process: contacts created, changed or restored are read again and rescored; deleted ones are
 * removed; a privacy deletion removes every trace and records that it did (without the id).
 * Events it cannot act on are settled with the reason, which also goes on the connection.
 */
export class HubSpotWebhookProcessor {
  private chain: Promise<void> = Promise.resolve();
  private readonly queued = new Set<TenantId>();
  private stopped = false;

  constructor(
    private readonly deps: { db: Database; vault: Vault; app: HubSpotApp; models: ModelSource; log: Logger },
  ) {}

  /** Process a tenant's pending events soon (at most one run queued per tenant). */
  kick(tenant: TenantId): void {
    if (this.stopped || this.queued.has(tenant)) return;
    this.queued.add(tenant);
    this.chain = this.chain.then(async () => {
      this.queued.delete(tenant);
      if (this.stopped) return;
      try {
        await this.process(tenant);
      } catch (err) {
        this.deps.log.error('hubspot webhook events failed; they stay pending for the next run', { tenant, error: err });
      }
    });
  }

  /** Events an earlier process left pending. */
  async resume(): Promise<number> {
    const tenants = await tenantsWithPendingWebhookEvents(this.deps.db);
    for (const t of tenants) this.kick(t);
    return tenants.length;
  }

  idle(): Promise<void> {
    return this.chain;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.chain;
  }

  async process(tenant: TenantId): Promise<void> {
    for (;;) {
      const events = await pendingWebhookEvents(this.deps.db, tenant, 500);
      if (events.length === 0) return;
      const byConnection = new Map<string, StoredWebhookEvent[]>();
      for (const e of events) byConnection.set(e.connectionId, [...(byConnection.get(e.connectionId) ?? []), e]);
      for (const [connectionId, list] of byConnection) {
        const settled = await withHubspotStatus(this.deps.db, tenant, connectionId, () => this.apply(tenant, connectionId, list));
        await settleWebhookEvents(this.deps.db, tenant, settled);
      }
    }
  }

  private async apply(tenant: TenantId, connectionId: string, events: StoredWebhookEvent[]): Promise<Settled[]> {
    const { db, vault, app, models } = this.deps;
    // A portal that uninstalled the app: its events are acknowledged and not acted on, except a
    // privacy deletion, which needs no call to HubSpot and is owed whatever the app's state.
    const uninstall = events.find((e) => actionFor(eventOf(e)).action === 'uninstall');
    if (uninstall || (await getConnection(db, tenant, connectionId))?.status === 'uninstalled') {
      if (uninstall) await markHubspotUninstalled(db, tenant, connectionId, `app uninstalled in HubSpot (event ${uninstall.eventId})`, new Date(uninstall.occurredAt));
      const out: Settled[] = [];
      for (const e of events) {
        const action = actionFor(eventOf(e));
        if (action.action === 'privacy_delete') for (const id of action.contactIds) await this.erase(tenant, connectionId, e, id);
        const outcome = action.action === 'privacy_delete' ? 'erased' : e === uninstall ? 'uninstalled' : 'ignored: the app is uninstalled from this portal';
        out.push({ accountId: e.accountId, eventId: e.eventId, outcome });
      }
      return out;
    }
    const settled: Settled[] = [];
    const refresh = new Set<string>();
    const remove = new Set<string>();
    const erased = new Set<string>();
    const problems: string[] = [];
    for (const e of events) {
      const done = (outcome: string) => settled.push({ accountId: e.accountId, eventId: e.eventId, outcome });
      const action = actionFor(eventOf(e));
      switch (action.action) {
        case 'refresh':
          action.contactIds.forEach((id) => refresh.add(id));
          done('refreshed');
          break;
        case 'merge':
          refresh.add(action.keep);
          action.removed.forEach((id) => remove.add(id));
          done(`refreshed: merged into ${action.keep}`);
          break;
        case 'delete':
          action.contactIds.forEach((id) => remove.add(id));
          done('deleted');
          break;
        case 'privacy_delete':
          for (const id of action.contactIds) {
            erased.add(id);
            await this.erase(tenant, connectionId, e, id);
          }
          done('erased');
          break;
        case 'ignore':
          done(`ignored: ${action.why}`);
          break;
        case 'uninstall':
          done('uninstalled');
          break;
        case 'unknown':
          problems.push(action.why);
          done(`not handled: ${action.why}`);
          break;
      }
    }
    for (const id of [...remove, ...erased]) refresh.delete(id);
    for (const id of erased) remove.delete(id);
    await deleteLeadsAndPendingWrites(db, tenant, [...remove], 'hubspot');
    if (refresh.size) {
      try {
        const api = await hubspotApi(db, vault, app, tenant, connectionId);
        const leads: Lead[] = [];
        for (const c of await readContacts(api, [...refresh], CONTACT_PROPERTIES)) {
          const lead = toLead(c);
          if ('reason' in lead) problems.push(`contact ${c.id}: ${lead.column ? `${lead.column}: ` : ''}${lead.reason}`);
          else leads.push(lead);
        }
        const counts = await upsertLeads(db, tenant, leads, 'hubspot');
        if (counts.changedLeadIds?.length) await rescore(db, models, tenant, { ids: counts.changedLeadIds });
      } catch (err) {
        // What did not need HubSpot is done; the contacts to read again stay pending.
        await settleWebhookEvents(db, tenant, settled.filter((s) => !s.outcome.startsWith('refreshed')));
        throw err;
      }
    }
    if (problems.length) {
      this.deps.log.warn('hubspot webhook events not handled', { tenant, connectionId, problems: problems.slice(0, 10) });
      await setConnectionStatus(db, tenant, connectionId, 'active', { webhookProblems: problems.slice(0, 20), webhookProblemsAt: new Date().toISOString() });
    }
    return settled;
  }

  /** Every trace of one contact; the audit names it only by a keyed hash, proving the removal without keeping the id. */
  private async erase(tenant: TenantId, connectionId: string, e: StoredWebhookEvent, id: string): Promise<void> {
    const removed = await eraseLead(this.deps.db, tenant, id, { accountId: e.accountId, eventId: e.eventId });
    await recordAudit(this.deps.db, tenant, [{ action: 'privacy_deletion', recordId: this.deps.vault.sign(`${tenant}:hubspot:${id}`), connectionId, before: null, after: { eventId: e.eventId, removed }, cause: `hubspot:${e.accountId}`, outcome: 'removed' }]);
  }
}
