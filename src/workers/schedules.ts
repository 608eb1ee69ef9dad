import { schedule as cronSchedule, type ScheduledTask } from 'node-cron';
import type { Logger } from '../config/log.js';
import type { TenantId } from '../domain/index.js';
import { currentSettings, type Settings } from '../settings/index.js';
import { claimScheduledRun, pruneScheduledRuns, recordScheduledJob, settingsVersionsOfTenants, type Database } from '../store/index.js';
import type { QueueName } from './queues.js';

/** Which settings schedule sends which job. */
export const SCHEDULED_JOBS: ReadonlyArray<{ schedule: Exclude<keyof Settings['schedules'], 'timezone'>; queue: QueueName }> = [
  { schedule: 'sync', queue: 'sync' },
  { schedule: 'rescore', queue: 'score' },
  { schedule: 'retrain', queue: 'retrain' },
  { schedule: 'monitor', queue: 'monitor' },
];

type Enqueue = (queue: QueueName, tenant: TenantId, reason: string) => Promise<string | null>;

interface TenantTasks {
  settingsVersion: number;
  tasks: Array<{ schedule: string; pattern: string; timezone: string; task: ScheduledTask }>;
}

/**
 * Each tenant's schedules (settings.schedules, in its time zone) as node-cron tasks that send
 * jobs. Every worker process keeps them; a fire is claimed in Postgres by its nominal time, so
 * only one process sends its job however many see it, and the job queues' per-tenant singleton
 * keeps a run from overlapping the last one. Settings saved elsewhere are picked up within a minute.
 */
export class TenantSchedules {
  private readonly tenants = new Map<TenantId, TenantTasks>();
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly enqueue: Enqueue,
    private readonly log: Logger,
    private readonly holder: string,
    private readonly jobs: ReadonlyArray<{ schedule: Exclude<keyof Settings['schedules'], 'timezone'>; queue: QueueName }> = SCHEDULED_JOBS,
  ) {}

  async start(checkEveryMs = 60_000): Promise<void> {
    await this.refreshAll();
    this.timer = setInterval(() => {
      this.refreshing = this.refreshAll().catch((error: unknown) => this.log.error('schedules could not be refreshed', { error }));
    }, checkEveryMs);
    this.timer.unref();
  }

  /** Follow every tenant's settings in force: new tenants, changed patterns, removed tenants. */
  async refreshAll(): Promise<void> {
    const versions = await settingsVersionsOfTenants(this.db);
    for (const [tenant, version] of versions) {
      if (this.tenants.get(tenant)?.settingsVersion !== version) await this.refresh(tenant);
    }
    for (const tenant of [...this.tenants.keys()]) if (!versions.has(tenant)) await this.drop(tenant);
    if (Math.random() < 0.02) await pruneScheduledRuns(this.db);
  }

  /** (Re)schedule one tenant from its settings in force, e.g. right after they were saved here. */
  async refresh(tenant: TenantId): Promise<void> {
    const { version, settings } = await currentSettings(this.db, tenant);
    const current = this.tenants.get(tenant);
    const next: TenantTasks = { settingsVersion: version, tasks: [] };
    for (const { schedule, queue } of this.jobs) {
      const pattern = settings.schedules[schedule];
      const timezone = settings.schedules.timezone;
      const same = current?.tasks.find((t) => t.schedule === schedule && t.pattern === pattern && t.timezone === timezone);
      if (same) {
        next.tasks.push(same);
        continue;
      }
      const task = cronSchedule(pattern, (context) => this.fire(tenant, schedule, queue, context.date), { name: `${schedule}:${tenant}`, timezone, noOverlap: true });
      next.tasks.push({ schedule, pattern, timezone, task });
      this.log.debug('schedule set', { tenant, schedule, pattern, timezone, next: task.getNextRun()?.toISOString() });
    }
    for (const old of current?.tasks ?? []) if (!next.tasks.includes(old)) await old.task.destroy();
    this.tenants.set(tenant, next);
  }

  /**
   * One fire of a schedule: claim it by its nominal time (minute precision, so processes whose
   * clocks differ by seconds agree), then send the job. Answers whether this process sent it.
   */
  async fire(tenant: TenantId, schedule: string, queue: QueueName, at: Date): Promise<boolean> {
    const slot = new Date(Math.floor(at.getTime() / 60_000) * 60_000);
    try {
      if (!(await claimScheduledRun(this.db, tenant, schedule, slot, this.holder))) return false;
      const jobId = await this.enqueue(queue, tenant, 'schedule');
      await recordScheduledJob(this.db, tenant, schedule, slot, jobId);
      return true;
    } catch (error) {
      this.log.error('a scheduled job could not be sent', { tenant, schedule, error });
      return false;
    }
  }

  /** When a tenant's schedule next fires here, or null without one. */
  nextRun(tenant: TenantId, schedule: string): Date | null {
    return this.tenants.get(tenant)?.tasks.find((t) => t.schedule === schedule)?.task.getNextRun() ?? null;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.refreshing;
    for (const tenant of [...this.tenants.keys()]) await this.drop(tenant);
  }

  private async drop(tenant: TenantId): Promise<void> {
    for (const t of this.tenants.get(tenant)?.tasks ?? []) await t.task.destroy();
    this.tenants.delete(tenant);
  }
}
