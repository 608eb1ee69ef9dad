import { schedule, type ScheduledTask } from 'node-cron';
import type { Logger } from '../config/log.js';
import type { TenantId } from '../domain/index.js';
import { currentSettings } from '../settings/index.js';
import type { Database } from '../store/index.js';
import type { JobRunner } from './job-runner.js';

/**
 * Batch rescoring on each tenant's schedule (settings.schedules.rescore, in its time zone):
 * engagement decays, so scores move without new activity. A tenant whose batch is still queued
 * or running is not given a second one.
 */
export class RescoreScheduler {
  private readonly tasks = new Map<TenantId, { pattern: string; timezone: string; task: ScheduledTask }>();
  private readonly syncTasks = new Map<TenantId, { pattern: string; timezone: string; task: ScheduledTask }>();

  /** `sync`, when given, runs on each tenant's sync schedule (CRM sync, then writeback). */
  constructor(
    private readonly db: Database,
    private readonly jobs: JobRunner,
    private readonly log: Logger,
    private readonly sync: ((tenant: TenantId) => Promise<void>) | null = null,
  ) {}

  /** Schedule every tenant. */
  async start(): Promise<void> {
    const tenants = await this.db.query<{ tenant_id: TenantId }>(`SELECT tenant_id FROM tenants ORDER BY tenant_id`);
    for (const { tenant_id } of tenants) await this.refresh(tenant_id);
  }

  /** (Re)schedule one tenant from its settings in force, e.g. after they were saved. */
  async refresh(tenant: TenantId): Promise<void> {
    const { rescore: pattern, sync: syncPattern, timezone } = (await currentSettings(this.db, tenant)).settings.schedules;
    const sync = this.sync;
    if (sync) {
      const current = this.syncTasks.get(tenant);
      if (!current || current.pattern !== syncPattern || current.timezone !== timezone) {
        await current?.task.destroy();
        const task = schedule(
          syncPattern,
          () =>
            sync(tenant).catch((err: unknown) => {
              this.log.error('scheduled sync failed', { tenant, error: err });
            }),
          { name: `sync:${tenant}`, timezone, noOverlap: true },
        );
        this.syncTasks.set(tenant, { pattern: syncPattern, timezone, task });
      }
    }
    const existing = this.tasks.get(tenant);
    if (existing && existing.pattern === pattern && existing.timezone === timezone) return;
    await existing?.task.destroy();
    const task = schedule(pattern, () => this.run(tenant), { name: `rescore:${tenant}`, timezone, noOverlap: true });
    this.tasks.set(tenant, { pattern, timezone, task });
    this.log.debug('rescoring scheduled', { tenant, pattern, timezone, next: task.getNextRun()?.toISOString() });
  }

  /** When the tenant's next scheduled batch runs, or null if it has none. */
  nextRun(tenant: TenantId): Date | null {
    return this.tasks.get(tenant)?.task.getNextRun() ?? null;
  }

  /** When the tenant's next scheduled sync runs, or null without one. */
  nextSync(tenant: TenantId): Date | null {
    return this.syncTasks.get(tenant)?.task.getNextRun() ?? null;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.tasks.values(), ...this.syncTasks.values()].map((t) => t.task.destroy()));
    this.tasks.clear();
    this.syncTasks.clear();
  }

  private async run(tenant: TenantId): Promise<void> {
    try {
      const pending = await this.db.query(
        `SELECT 1 FROM jobs WHERE tenant_id = $1 AND kind = 'rescore' AND status IN ('queued', 'running') AND request = '{"all": true}'::jsonb LIMIT 1`,
        [tenant],
      );
      if (pending.length) return;
      await this.jobs.enqueueRescore(tenant, { all: true });
    } catch (err) {
      this.log.error('scheduled rescoring could not start', { tenant, error: err });
    }
  }
}
