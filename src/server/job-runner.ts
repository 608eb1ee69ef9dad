import type { Logger } from '../config/log.js';
import { queueDepth, scoresComputed } from '../config/metrics.js';
import type { TenantId } from '../domain/index.js';
import { rescore, type ModelSource } from '../scoring/rescore.js';
import { countJobs, createJob, queuedBatchRescore, unfinishedJobs, updateJob, type Database, type Job } from '../store/index.js';

export type RescoreRequest = { all: true } | { leads: string[] };

/** Sends a tenant's batch rescore to the job queue (the `score` queue of the workers). */
export type SendBatchRescore = (tenant: TenantId) => Promise<unknown>;

/**
 * Rescoring jobs, recorded in the jobs table so their progress and result can be asked for.
 * A batch (every open lead) goes to the job queue once it is connected, where a worker process
 * runs it and answers every batch row of the tenant that waits; until then, and for rescoring
 * listed leads (small, real time), jobs run here, one at a time. Rescoring is idempotent, so
 * jobs a stopped process left are simply run again.
 */
export class JobRunner {
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private sendBatch: SendBatchRescore | null = null;

  constructor(
    private readonly db: Database,
    private readonly models: ModelSource,
    private readonly log: Logger,
    /** Called after a rescore here that put writes in the outbox (to start a writeback). */
    private readonly afterRescore: ((tenant: TenantId) => Promise<unknown>) | null = null,
  ) {}

  /** From now on batches go to the job queue. */
  useQueue(send: SendBatchRescore): void {
    this.sendBatch = send;
  }

  async enqueueRescore(tenant: TenantId, request: RescoreRequest): Promise<Job> {
    if ('all' in request && this.sendBatch) {
      // A batch already waiting covers this request too.
      const waiting = await queuedBatchRescore(this.db, tenant);
      if (waiting) return waiting;
      const job = await createJob(this.db, tenant, 'rescore', request);
      await this.sendBatch(tenant);
      return job;
    }
    const job = await createJob(this.db, tenant, 'rescore', request);
    this.schedule(job);
    return job;
  }

  /** Pick up jobs an earlier process did not finish: listed leads here, batches through the queue. */
  async resume(): Promise<number> {
    const jobs = await unfinishedJobs(this.db);
    const batchTenants = new Set<TenantId>();
    for (const job of jobs) {
      if ('all' in job.request && this.sendBatch) batchTenants.add(job.tenant);
      else this.schedule(job);
    }
    for (const tenant of batchTenants) await this.sendBatch!(tenant);
    return jobs.length;
  }

  /** Resolves when every job asked for so far, here or in the queue, has finished. */
  async idle(pollMs = 100): Promise<void> {
    await this.chain;
    while ((await countJobs(this.db, 'queued')) + (await countJobs(this.db, 'running')) > 0) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      await this.chain;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.chain;
  }

  private schedule(job: Job): void {
    this.chain = this.chain.then(() => this.run(job));
  }

  private async run(job: Job): Promise<void> {
    if (this.stopped) return;
    const log = this.log.child({ jobId: job.id, tenant: job.tenant });
    try {
      await updateJob(this.db, job.tenant, job.id, { status: 'running' });
      const request = job.request as RescoreRequest;
      let lastReport = 0;
      const result = await rescore(this.db, this.models, job.tenant, 'all' in request ? { all: true } : { ids: request.leads }, {
        onProgress: (done) => {
          // Progress is for people watching: a write every couple of seconds is plenty.
          if (Date.now() - lastReport < 2000) return;
          lastReport = Date.now();
          void updateJob(this.db, job.tenant, job.id, { progress: { leads: done.leads, changed: done.changed, writes: done.writes } });
        },
      });
      scoresComputed.inc({ path: 'all' in request ? 'batch' : 'realtime' }, result.leads);
      const summary = { ...result, unknownIds: result.unknownIds.slice(0, 100), unknownIdCount: result.unknownIds.length };
      await updateJob(this.db, job.tenant, job.id, { status: 'succeeded', result: summary, progress: { leads: result.leads, changed: result.changed, writes: result.writes } });
      log.info('rescore finished', { leads: result.leads, changed: result.changed, writes: result.writes });
      if (result.writes > 0 && this.afterRescore) await this.afterRescore(job.tenant);
    } catch (err) {
      log.error('job failed', { error: err });
      await updateJob(this.db, job.tenant, job.id, { status: 'failed', error: (err as Error).message }).catch(() => undefined);
    }
  }

  /** Refresh the queue depth gauge (called when /metrics is read). */
  async measure(): Promise<void> {
    queueDepth.set({ queue: 'jobs' }, (await countJobs(this.db, 'queued')) + (await countJobs(this.db, 'running')));
  }
}
