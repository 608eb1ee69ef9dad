import { randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { SalesforceApp } from '../../connectors/salesforce/index.js';
import type { Logger } from '../config/log.js';
import type { Vault } from '../config/secrets.js';
import type { TenantId } from '../domain/index.js';
import { scoresComputed } from '../config/metrics.js';
import { monitorTenant } from '../monitoring/index.js';
import { rescore, type ModelSource } from '../scoring/rescore.js';
import { deleteExpiredHubspotData } from '../crm/hubspot-lifecycle.js';
import { syncHubspot } from '../crm/hubspot-sync.js';
import { syncSalesforce } from '../crm/salesforce-sync.js';
import { writebackSalesforce } from '../crm/salesforce-writeback.js';
import { writebackHubspot } from '../crm/hubspot-writeback.js';
import type { HubSpotApp } from '../../connectors/hubspot/index.js';
import { adoptBatchRescores, nextWriteDue, updateJob, type Database } from '../store/index.js';
import { writebackFiles } from './file-writeback.js';
import { routeTenant } from '../crm/route.js';
import { ChampionModelSource } from '../learning/model-source.js';
import { retrainTenant } from '../learning/retrain.js';
import { JobDataSchema, QUEUES, type JobData, type QueueName } from './queues.js';
import { TenantSchedules } from './schedules.js';
import { SalesforceRealtime } from './salesforce-realtime.js';

export interface WorkerDeps {
  db: Database;
  models: ModelSource;
  log: Logger;
  vault: Vault;
  salesforceApp: SalesforceApp | null;
  /** HubSpot's public app or private token settings, when configured. */
  hubspotApp?: HubSpotApp | null;
  /** Where the writes of CSV-bundle tenants go (`<outDir>/<tenant>/field-updates.csv`). */
  outDir: string;
}

export interface WorkerOptions {
  /** False: only send jobs (a web process next to separate worker processes). Default true. */
  work?: boolean;
  /**
   * Seconds between polls for new jobs (pg-boss's minimum is 0.5). Jobs this process sends, and
   * the next job after one finishes, are looked for at once whatever the interval; polls find
   * the jobs of other processes and failed jobs whose retry falls due.
   */
  pollSeconds?: number;
  /** How long a writeback lease lasts; a killed worker's rows are taken over after it. */
  leaseMs?: number;
  /** Keep the tenants' schedules (sync, rescoring) here; default: when this process works. */
  schedules?: boolean;
  /** Subscribe to Salesforce change events (one worker per org holds each subscription); default off. */
  realtime?: boolean;
}

/** First wait before a failed job is tried again; it doubles with each try. */
const RETRY_DELAY_SECONDS = 5;

/**
 * The background jobs: sync, score and writeback, in Postgres through pg-boss, so any number of
 * worker processes share them (SKIP LOCKED) and a job a killed worker held is run again.
 * Embedded, the server runs them in its own process over the same PGlite.
 */
export class Workers {
  private readonly stopping = new AbortController();
  /** Identifies this process's writeback leases. */
  readonly holder = `worker-${process.pid}-${randomUUID().slice(0, 8)}`;
  /** pg-boss worker ids of the queues this process works. */
  private readonly workerIds = new Map<QueueName, string>();

  /** The tenants' schedules, when this process keeps them. */
  schedules: TenantSchedules | null = null;
  /** Salesforce change event subscriptions, when this process keeps them. */
  realtime: SalesforceRealtime | null = null;

  private constructor(
    private readonly boss: PgBoss,
    private readonly deps: WorkerDeps,
    private readonly options: WorkerOptions,
  ) {}

  static async start(deps: WorkerDeps, options: WorkerOptions = {}): Promise<Workers> {
    const boss = new PgBoss({ db: { executeSql: (sql, values) => deps.db.executeSql(sql, values) }, schema: 'pgboss', schedule: false, supervise: true });
    boss.on('error', (error) => deps.log.error('job queue error', { error }));
    await boss.start();
    const workers = new Workers(boss, deps, options);
    for (const name of QUEUES) {
      // A failed job is tried again a few times with backoff; its data is small, its work idempotent.
      // Sync and score must not overlap for a tenant ("stately": one running, one waiting); a job
      // a killed worker held counts as running until it expires. Writeback may overlap, since
      // its leases keep two runs off the same rows ("short": one waiting), so a killed worker's
      // job never holds the tenant's writes back.
      const policy = name === 'writeback' ? 'short' : 'stately';
      // A retrain of a large tenant reads and trains for minutes; it is not retried (a failed run is recorded with its reason).
      const retrain = name === 'retrain';
      await boss.createQueue(name, { name, policy, retryLimit: retrain ? 0 : 5, retryDelay: RETRY_DELAY_SECONDS, retryBackoff: true, expireInSeconds: retrain ? 2 * 60 * 60 : 15 * 60 });
      if (options.work === false) continue;
      const id = await boss.work<JobData>(name, { pollingIntervalSeconds: options.pollSeconds ?? 2, batchSize: 1, includeMetadata: true }, async ([job]) => {
        try {
          const data = JobDataSchema.parse(job!.data);
          await workers.run(name, data, { lastTry: job!.retryCount >= job!.retryLimit });
        } catch (error) {
          // pg-boss offers a failed job again after RETRY_DELAY_SECONDS x 2^tries, up to twice that: look then.
          if (job!.retryCount < job!.retryLimit) setTimeout(() => workers.wake(name), 2000 * RETRY_DELAY_SECONDS * 2 ** job!.retryCount + 500).unref();
          throw error;
        } finally {
          // Another job may be waiting behind this one: look at once, not after a poll interval.
          workers.wake(name);
        }
      });
      workers.workerIds.set(name, id);
    }
    if (options.schedules ?? options.work !== false) {
      workers.schedules = new TenantSchedules(deps.db, (queue, tenant, reason) => workers.enqueue(queue, tenant, reason), deps.log, workers.holder);
      await workers.schedules.start();
    }
    if (options.realtime && options.work !== false && deps.salesforceApp) {
      const { db, vault, models, log } = deps;
      workers.realtime = new SalesforceRealtime({ db, vault, models, log, app: deps.salesforceApp, enqueue: (queue, tenant, reason) => workers.enqueue(queue, tenant, reason) }, { holder: workers.holder });
      await workers.realtime.start();
    }
    return workers;
  }

  /** Ask for a job; answers its id, or null when one for this tenant is already waiting. */
  async enqueue(name: QueueName, tenant: TenantId, reason: string, startAfterSeconds = 0): Promise<string | null> {
    const id = await this.boss.send(name, { tenant, reason } satisfies JobData, { singletonKey: tenant, ...(startAfterSeconds > 0 ? { startAfter: startAfterSeconds } : {}) });
    // This process's worker takes it now (or when it falls due), without waiting for a poll.
    if (startAfterSeconds > 0) setTimeout(() => this.wake(name), startAfterSeconds * 1000 + 100).unref();
    else this.wake(name);
    return id;
  }

  /** Has this process's worker of the queue look for a job now (nothing when it does not work the queue). */
  private wake(name: QueueName): void {
    const id = this.workerIds.get(name);
    if (id && !this.stopping.signal.aborted) this.boss.notifyWorker(id);
  }

  /** Finish the jobs in hand (a writeback finishes the batch in flight), take no new ones. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.schedules?.stop();
    await this.realtime?.stop();
    await this.boss.stop({ graceful: true, wait: true, timeout: 60_000, close: false });
  }

  private async run(name: QueueName, data: JobData, attempt: { lastTry: boolean }): Promise<void> {
    const { db, models, log, vault, salesforceApp } = this.deps;
    const started = performance.now();
    const jobLog = log.child({ job: name, tenant: data.tenant, reason: data.reason });
    switch (name) {
      case 'score': {
        // Batch rows the API recorded for this tenant are answered by this run.
        const rows = await adoptBatchRescores(db, data.tenant);
        let lastReport = 0;
        const progress = (p: { leads: number; changed: number; writes: number }) => Promise.all(rows.map((id) => updateJob(db, data.tenant, id, { progress: p })));
        let result;
        try {
          result = await rescore(db, models, data.tenant, { all: true }, {
            onProgress: (done) => {
              if (rows.length === 0 || Date.now() - lastReport < 2000) return;
              lastReport = Date.now();
              void progress({ leads: done.leads, changed: done.changed, writes: done.writes });
            },
          });
        } catch (err) {
          // The queue tries again with backoff; the rows say failed only after the last try.
          const message = (err as Error).message;
          await Promise.all(rows.map((id) => updateJob(db, data.tenant, id, attempt.lastTry ? { status: 'failed', error: message } : { status: 'queued', error: `${message} (will try again)` })));
          throw err;
        }
        scoresComputed.inc({ path: 'batch' }, result.leads);
        const summary = { ...result, unknownIds: [], unknownIdCount: 0 };
        await Promise.all(rows.map((id) => updateJob(db, data.tenant, id, { status: 'succeeded', result: summary, progress: { leads: result.leads, changed: result.changed, writes: result.writes } })));
        jobLog.info('rescored', { leads: result.leads, changed: result.changed, writes: result.writes, ms: Math.round(performance.now() - started) });
        await this.enqueue('route', data.tenant, 'after score');
        if (result.writes > 0) await this.enqueue('writeback', data.tenant, 'after score');
        return;
      }
      case 'route': {
        const routed = await routeTenant(db, data.tenant);
        if (routed.considered > 0) jobLog.info('routed', { ...routed, ms: Math.round(performance.now() - started) });
        if (routed.assigned + routed.fallback > 0) await this.enqueue('writeback', data.tenant, 'after route');
        return;
      }
      case 'sync': {
        // Each CRM the tenant connected, then its writes (the sync rescored what changed).
        const synced = [];
        if (salesforceApp) synced.push(...(await syncSalesforce(db, vault, salesforceApp, models, data.tenant)));
        if (this.deps.hubspotApp) synced.push(...(await syncHubspot(db, vault, this.deps.hubspotApp, models, data.tenant)));
        if (synced.length === 0) return;
        jobLog.info('synced', { connections: synced.map((r) => ({ id: r.connectionId, status: r.status })) });
        await this.enqueue('writeback', data.tenant, 'after sync');
        return;
      }
      case 'retrain': {
        if (!(models instanceof ChampionModelSource)) throw new Error('retraining needs the models from the database (ChampionModelSource)');
        const result = await retrainTenant(db, models, data.tenant, { actor: data.reason });
        jobLog.info('retrained', { status: result.status, version: result.version, reason: result.reason, tierChanges: result.tierChanges, ms: result.timings });
        if (result.status === 'promoted') await this.enqueue('score', data.tenant, 'after promotion');
        return;
      }
      case 'monitor': {
        // The daily fire also sends the retention job (data of uninstalled portals past their retention period).
        await this.enqueue('retention', data.tenant, 'daily');
        // Daily model monitoring; the Slack URL stays out of the log (only the delivery status).
        const { report, alerts, slack } = await monitorTenant(db, models, data.tenant);
        jobLog.info('monitored', {
          day: report.day,
          accuracy: report.accuracy.status,
          drift: report.drift.status,
          alerts: alerts.length,
          slack: slack.status,
          ...(slack.error ? { slackError: slack.error } : {}),
          ms: Math.round(performance.now() - started),
        });
        return;
      }
      case 'retention': {
        const deleted = await deleteExpiredHubspotData(db, data.tenant);
        for (const d of deleted) jobLog.info('hubspot portal data deleted after its retention period', { ...d });
        return;
      }
      case 'writeback': {
        // A bounded share per job, so a job's run stays well inside its expiry; the rest gets a follow-up job.
        const drain = { holder: this.holder, signal: this.stopping.signal, maxRecords: 50_000, ...(this.options.leaseMs ? { leaseMs: this.options.leaseMs } : {}) };
        const reports = [await writebackFiles(db, data.tenant, this.deps.outDir, drain)];
        if (salesforceApp) reports.push((await writebackSalesforce(db, vault, salesforceApp, data.tenant, drain)) ?? reports[0]!);
        if (this.deps.hubspotApp) reports.push((await writebackHubspot(db, vault, this.deps.hubspotApp, data.tenant, drain)) ?? reports[0]!);
        for (const report of new Set(reports)) {
          if (report.sent + report.failed + report.retryLater > 0) jobLog.info('written back', { ...report, errors: report.errors.slice(0, 5), ms: Math.round(performance.now() - started) });
        }
        // Writes still waiting (a retry after a CRM outage or a locked record, rows a killed
        // worker leased) get another run when the first of them is due.
        const due = await nextWriteDue(db, data.tenant);
        if (due && !this.stopping.signal.aborted) await this.enqueue('writeback', data.tenant, 'retry', Math.min(300, Math.max(1, Math.ceil((due.getTime() - Date.now()) / 1000))));
        return;
      }
    }
  }
}
