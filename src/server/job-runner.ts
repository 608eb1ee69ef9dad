import type { Logger } from '../config/log.js';
import { queueDepth, scoresComputed } from '../config/metrics.js';
import type { TenantId } from '../domain/index.js';
import { rescore, type ModelSource } from '../scoring/rescore.js';
import { countJobs, createJob, unfinishedJobs, updateJob, type Database, type Job } from '../store/index.js';

export type RescoreRequest = { all: true } | { leads: string[] };

/**
 * Runs rescoring jobs in this process, one at a time, recorded in the jobs table so their
 * progress and result can be asked for. Rescoring is idempotent, so jobs a stopped process left
 * queued or running are simply run again at the next start.
 */
export class JobRunner {
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly models: ModelSource,
    private readonly log: Logger,
    /** Called after a rescore that put writes in the outbox (to start a writeback). */
    private readonly afterRescore: ((tenant: TenantId) => Promise<unknown>) | null = null,
  ) {}

  async enqueueRescore(tenant: TenantId, request: RescoreRequest): Promise<Job> {
    const job = await createJob(this.db, tenant, 'rescore', request);
    this.schedule(job);
    return job;
  }

  /** Pick up jobs an earlier process did not finish. */
  async resume(): Promise<number> {
    const jobs = await unfinishedJobs(this.db);
    for (const job of jobs) this.schedule(job);
    return jobs.length;
  }

  /** Resolves when every job scheduled so far has finished. */
  idle(): Promise<void> {
    return this.chain;
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
