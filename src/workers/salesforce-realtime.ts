import {
  CHANGE_CHANNELS,
  REPLAY_ALL_RETAINED,
  REPLAY_NEW_ONLY,
  StreamFailure,
  cometdClient,
  parseChangeEvent,
  type ChangeEvent,
  type ChangeStreamClient,
  type ChangeSubscription,
  type SalesforceApp,
  type SalesforceSession,
} from '../../connectors/salesforce/index.js';
import type { Logger } from '../config/log.js';
import type { Vault } from '../config/secrets.js';
import { connectionSource, isLeadscoreError, type TenantId } from '../domain/index.js';
import type { ModelSource } from '../scoring/rescore.js';
import { salesforceSession, withConnectionStatus } from '../crm/salesforce-connect.js';
import { currentSettings } from '../settings/index.js';
import { activeConnectionsOfKind, claimRealtimeLease, clearReplayId, getReplayId, noteConnection, releaseRealtimeLease, type Database } from '../store/index.js';
import type { QueueName } from './queues.js';
import { applyChangeEvents } from './salesforce-changes.js';

/** What the connection's status says about real time (connection settings `realtime`). */
export interface RealtimeStatus {
  /** cdc: change events arrive as they happen; polling: CDC is not enabled, the sync runs every few minutes; reconnecting: a lost stream waits for its next try. */
  mode: 'cdc' | 'polling' | 'reconnecting';
  since: string;
  channels?: string[];
  reason?: string;
  pollEveryMinutes?: number;
  retryAt?: string;
}

export interface RealtimeDeps {
  db: Database;
  vault: Vault;
  app: SalesforceApp;
  models: ModelSource;
  log: Logger;
  enqueue: (queue: QueueName, tenant: TenantId, reason: string) => Promise<unknown>;
  /** The streaming client for a session (default: CometD through jsforce); tests put a fake here. */
  clientFor?: (session: SalesforceSession) => ChangeStreamClient;
  /** Waits between tries; tests make it immediate and note the delays asked for. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface RealtimeOptions {
  /** Who holds the leases: one process. */
  holder: string;
  /** A subscription's lease; renewed every `checkEveryMs`, taken over by another worker after it lapses. */
  leaseMs?: number;
  checkEveryMs?: number;
  /** Where CDC is not enabled: how often the incremental sync runs instead, and how often CDC is tried again. */
  pollEveryMs?: number;
  retryCdcEveryMs?: number;
  /** Reconnect backoff after a lost stream: doubles from `initial` up to `max`. */
  backoffMs?: { initial: number; max: number };
  /** Events handled in one batch (one re-read query, one rescore). */
  batchSize?: number;
}

/** The channels of a tenant: Lead always, Contact when the tenant syncs contacts. */
export async function channelsFor(db: Database, tenant: TenantId): Promise<string[]> {
  const { salesforce } = (await currentSettings(db, tenant)).settings;
  return salesforce.syncContacts ? [CHANGE_CHANNELS.Lead, CHANGE_CHANNELS.Contact] : [CHANGE_CHANNELS.Lead];
}

const defaultSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * Real time for every tenant's Salesforce orgs, in the worker process: one change event
 * subscription per connection, held by the worker with the connection's lease, so however many
 * workers run, one subscribes. A worker that stops releases its leases; one that dies loses
 * them when they lapse, and another worker takes over from the stored replay ids.
 */
export class SalesforceRealtime {
  private readonly streams = new Map<string, ConnectionStream>();
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> = Promise.resolve();
  readonly options: Required<RealtimeOptions>;

  constructor(
    readonly deps: RealtimeDeps,
    options: RealtimeOptions,
  ) {
    this.options = {
      leaseMs: 60_000,
      checkEveryMs: 20_000,
      pollEveryMs: 5 * 60_000,
      retryCdcEveryMs: 60 * 60_000,
      backoffMs: { initial: 1000, max: 5 * 60_000 },
      batchSize: 200,
      ...options,
    };
  }

  async start(): Promise<void> {
    // A database hiccup at start must not keep the worker's jobs from running; the next check tries again.
    await this.check().catch((error: unknown) => this.deps.log.error('real-time subscriptions could not be checked', { error }));
    this.timer = setInterval(() => {
      this.checking = this.check().catch((error: unknown) => this.deps.log.error('real-time subscriptions could not be checked', { error }));
    }, this.options.checkEveryMs);
    this.timer.unref();
  }

  /** Take or renew the lease of every active connection; start what this worker now holds, stop what it lost. */
  async check(): Promise<void> {
    const { db } = this.deps;
    const active = new Set<string>();
    for (const c of await activeConnectionsOfKind(db, 'salesforce')) {
      const key = `${c.tenant}/${c.connectionId}`;
      active.add(key);
      const mine = await claimRealtimeLease(db, c.tenant, c.connectionId, this.options.holder, this.options.leaseMs);
      const running = this.streams.get(key);
      // A stream that ended by itself (its grant was revoked, then the org was connected again) starts afresh.
      if (mine && (!running || running.ended)) this.streams.set(key, new ConnectionStream(this, c.tenant, c.connectionId, connectionSource('salesforce', c.externalAccountId)));
      if (!mine && running) {
        this.streams.delete(key);
        await running.stop();
      }
    }
    for (const [key, stream] of this.streams) {
      if (active.has(key)) continue;
      this.streams.delete(key);
      await stream.stop();
      await releaseRealtimeLease(db, stream.tenant, stream.connectionId, this.options.holder);
    }
  }

  /** Connections this worker subscribes for, as "tenant/connection". */
  running(): string[] {
    return [...this.streams.keys()];
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.checking;
    for (const [key, stream] of this.streams) {
      this.streams.delete(key);
      await stream.stop();
      await releaseRealtimeLease(this.deps.db, stream.tenant, stream.connectionId, this.options.holder);
    }
  }
}

/** One connection's subscriptions: subscribe, handle events in order, reconnect with backoff, or poll where CDC is off. */
class ConnectionStream {
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;
  /** True once the stream stopped by itself (not by stop()). */
  ended = false;

  constructor(
    private readonly rt: SalesforceRealtime,
    readonly tenant: TenantId,
    readonly connectionId: string,
    private readonly source: string,
  ) {
    this.done = this.run()
      .catch((error: unknown) => this.log.error('real-time stream stopped', { error }))
      .finally(() => (this.ended = true));
  }

  private get log() {
    return this.rt.deps.log.child({ tenant: this.tenant, connection: this.connectionId, part: 'salesforce-cdc' });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }

  private status(status: Omit<RealtimeStatus, 'since'>) {
    return noteConnection(this.rt.deps.db, this.tenant, this.connectionId, { realtime: { ...status, since: new Date().toISOString() } });
  }

  private sleep(ms: number) {
    return (this.rt.deps.sleep ?? defaultSleep)(ms, this.abort.signal);
  }

  private async run(): Promise<void> {
    const { db, vault, app } = this.rt.deps;
    const { backoffMs } = this.rt.options;
    let failures = 0;
    while (!this.abort.signal.aborted) {
      const subscriptions: ChangeSubscription[] = [];
      try {
        // An expired token fails the handshake: a REST call renews it (jsforce refreshes on 401) before
        // trying again; a revoked grant marks the connection as needing a reconnect.
        const session = await withConnectionStatus(db, this.tenant, this.connectionId, async () => {
          const opened = await salesforceSession(db, vault, app, this.tenant, this.connectionId);
          if (failures > 0) await opened.get('/limits');
          return opened;
        });
        const client = (this.rt.deps.clientFor ?? cometdClient)(session);
        const channels = await channelsFor(db, this.tenant);
        this.failed = false;
        const lostByHandling = new Promise<StreamFailure>((resolve) => (this.failHandling = resolve));
        for (const channel of channels) subscriptions.push(await this.subscribe(client, session, channel));
        await this.status({ mode: 'cdc', channels });
        this.log.info('change events subscribed', { channels });
        failures = 0;
        const stopped = new Promise<null>((resolve) => {
          if (this.abort.signal.aborted) resolve(null);
          this.abort.signal.addEventListener('abort', () => resolve(null), { once: true });
        });
        const failure = await Promise.race([...subscriptions.map((s) => s.lost), lostByHandling, stopped]);
        await Promise.all(subscriptions.map((s) => s.close()));
        await this.handling;
        if (failure) throw failure;
      } catch (err) {
        await Promise.all(subscriptions.map((s) => s.close()));
        if (this.abort.signal.aborted) return;
        if (isLeadscoreError(err, 'CRM_AUTH_REVOKED') || isLeadscoreError(err, 'NOT_FOUND')) {
          // The grant is gone: the sync marks the connection, and a reconnect makes it active again.
          this.log.warn('change events stopped: the connection needs to be connected again', { error: err });
          return;
        }
        if (err instanceof StreamFailure && err.kind === 'not_enabled') {
          await this.poll(err.message);
          continue;
        }
        failures++;
        const delay = Math.min(backoffMs.max, backoffMs.initial * 2 ** (failures - 1));
        const reason = (err as Error).message;
        this.log.warn('change event stream lost; reconnecting', { reason, inMs: delay, failures });
        await this.status({ mode: 'reconnecting', reason, retryAt: new Date(Date.now() + delay).toISOString() });
        await this.sleep(delay);
      }
    }
  }

  /** Subscribe from the stored replay id; all retained events when none is stored; new events only when Salesforce no longer keeps it. */
  private async subscribe(client: ChangeStreamClient, session: SalesforceSession, channel: string): Promise<ChangeSubscription> {
    const { db } = this.rt.deps;
    const stored = await getReplayId(db, this.tenant, this.connectionId, channel);
    const onEvent = (data: unknown) => this.receive(session, channel, data);
    try {
      return await client.subscribe(channel, stored ?? REPLAY_ALL_RETAINED, onEvent);
    } catch (err) {
      if (!(err instanceof StreamFailure) || err.kind !== 'replay_invalid') throw err;
      // Events between the stored id and now are gone from the event bus: the sync reads what changed meanwhile.
      this.log.warn('stored replay id no longer valid; subscribing from new events and syncing the gap', { channel, replayId: stored });
      await clearReplayId(db, this.tenant, this.connectionId, channel);
      await this.rt.deps.enqueue('sync', this.tenant, 'change events resumed after a gap');
      return client.subscribe(channel, REPLAY_NEW_ONLY, onEvent);
    }
  }

  /** CDC is not enabled for the org's objects: the incremental sync every few minutes, and CDC tried again now and then. */
  private async poll(reason: string): Promise<void> {
    const { pollEveryMs, retryCdcEveryMs } = this.rt.options;
    this.log.info('change events not available; polling with the incremental sync', { reason, everyMs: pollEveryMs });
    await this.status({ mode: 'polling', reason, pollEveryMinutes: Math.round((pollEveryMs / 60_000) * 10) / 10, retryAt: new Date(Date.now() + retryCdcEveryMs).toISOString() });
    for (let waited = 0; waited < retryCdcEveryMs && !this.abort.signal.aborted; waited += pollEveryMs) {
      await this.rt.deps.enqueue('sync', this.tenant, 'polling (change data capture not enabled)');
      await this.sleep(pollEveryMs);
    }
  }

  // Events are handled one batch at a time, in delivery order; a failed batch ends the stream,
  // which subscribes again from the last stored replay id (so the failed events come again).
  private queue = new Map<string, unknown[]>();
  private handling: Promise<void> = Promise.resolve();
  private failed = false;
  private failHandling: (f: StreamFailure) => void = () => undefined;

  private receive(session: SalesforceSession, channel: string, data: unknown): void {
    const pending = this.queue.get(channel) ?? [];
    pending.push(data);
    this.queue.set(channel, pending);
    this.handling = this.handling
      .then(() => this.handle(session, channel))
      .catch((error: unknown) => {
        this.failed = true;
        this.queue.clear();
        this.failHandling(new StreamFailure('other', `change events of ${channel} could not be handled: ${(error as Error).message}`));
      });
  }

  private async handle(session: SalesforceSession, channel: string): Promise<void> {
    const pending = this.queue.get(channel) ?? [];
    if (pending.length === 0 || this.failed || this.abort.signal.aborted) return;
    const batch = pending.splice(0, this.rt.options.batchSize);
    const events: ChangeEvent[] = [];
    const { db, models, enqueue } = this.rt.deps;
    for (const data of batch) {
      const parsed = parseChangeEvent(data);
      if (!('error' in parsed)) {
        events.push(parsed);
        continue;
      }
      // A malformed event is reported on the connection and passed over; the others are handled.
      this.log.error('malformed change event skipped', { channel, replayId: parsed.replayId, error: parsed.error });
      await noteConnection(db, this.tenant, this.connectionId, { lastError: `${channel} event ${parsed.replayId ?? '(no replay id)'}: ${parsed.error}`, lastErrorAt: new Date().toISOString() });
      if (parsed.replayId !== null) events.push({ replayId: parsed.replayId, entity: 'Lead', changeType: 'UPDATE', recordIds: [], changedFields: [], committedAt: null });
    }
    try {
      // Leadscore's own writes come back as UPDATE events: they alone are no reason to read a lead again.
      const written = Object.values((await currentSettings(db, this.tenant)).settings.fieldMappings.salesforce).filter((f): f is string => typeof f === 'string');
      const report = await applyChangeEvents(db, models, session, { tenant: this.tenant, connectionId: this.connectionId, source: this.source, channel, ignoredFields: written }, events);
      if (report.writes > 0) await enqueue('writeback', this.tenant, 'after change events');
      if (report.needsSync) await enqueue('sync', this.tenant, 'change events the sync reads');
      if (report.reread + report.deleted > 0) this.log.info('change events applied', { channel, ...report });
    } catch (error) {
      this.failed = true;
      this.queue.clear();
      this.failHandling(new StreamFailure('other', `change events of ${channel} could not be applied: ${(error as Error).message}`));
    }
  }
}
