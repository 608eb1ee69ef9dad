import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../config/log.js';
import { tenantId, type TenantId } from '../domain/index.js';
import { DEFAULT_SETTINGS, saveSettings } from '../settings/index.js';
import { ensureTenant, recentScheduledRuns, type Database } from '../store/index.js';
import { openTestDatabase } from '../../test/helpers/db.js';
import type { QueueName } from './queues.js';
import { TenantSchedules } from './schedules.js';

const log = createLogger('error', () => undefined);
const acme = tenantId('acme');
const globex = tenantId('globex');
let db: Database;
let running: TenantSchedules[] = [];

/** A process's schedules, with the jobs it sent. */
function processSchedules(holder: string) {
  const sent: Array<{ queue: QueueName; tenant: TenantId; reason: string }> = [];
  const schedules = new TenantSchedules(db, async (queue, tenant, reason) => {
    sent.push({ queue, tenant, reason });
    return `job-${sent.length}`;
  }, log, holder);
  running.push(schedules);
  return { schedules, sent };
}

beforeEach(async () => {
  db = await openTestDatabase();
  await ensureTenant(db, acme, 'Acme');
  await ensureTenant(db, globex, 'Globex');
});
afterEach(async () => {
  for (const s of running) await s.stop();
  running = [];
  await db.close();
});

describe('tenant schedules', () => {
  it('sends each fire of a schedule once, however many processes see it and whatever their clock skew', async () => {
    const a = processSchedules('worker-a');
    const b = processSchedules('worker-b');
    await a.schedules.start();
    await b.schedules.start();
    const nominal = new Date('2026-11-25T02:00:00.000Z');
    const results = await Promise.all([
      a.schedules.fire(acme, 'rescore', 'score', nominal),
      b.schedules.fire(acme, 'rescore', 'score', new Date(nominal.getTime() + 900)),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect([...a.sent, ...b.sent]).toEqual([{ queue: 'score', tenant: acme, reason: 'schedule' }]);
    // Another schedule, tenant or minute is another fire.
    expect(await b.schedules.fire(acme, 'sync', 'sync', nominal)).toBe(true);
    expect(await b.schedules.fire(globex, 'rescore', 'score', nominal)).toBe(true);
    expect(await a.schedules.fire(acme, 'rescore', 'score', new Date('2026-11-25T03:00:00Z'))).toBe(true);
    const runs = await recentScheduledRuns(db, acme);
    expect(runs.map((r) => [r.schedule, r.slot.toISOString()])).toEqual([
      ['rescore', '2026-11-25T03:00:00.000Z'],
      ['rescore', '2026-11-25T02:00:00.000Z'],
      ['sync', '2026-11-25T02:00:00.000Z'],
    ]);
    expect(runs.every((r) => r.jobId !== null)).toBe(true);
    // A tenant sees only its own fires.
    expect((await recentScheduledRuns(db, globex)).map((r) => r.schedule)).toEqual(['rescore']);
  });

  it("follows each tenant's patterns and time zone, and picks up settings saved by another process", async () => {
    const a = processSchedules('worker-a');
    await a.schedules.start();
    const hourly = a.schedules.nextRun(acme, 'rescore')!;
    expect(hourly.getUTCMinutes()).toBe(0);
    expect(a.schedules.nextRun(acme, 'sync')!.getUTCMinutes() % 15).toBe(0);
    // Saved elsewhere (no in-process refresh): seen at the next check.
    const morning = structuredClone(DEFAULT_SETTINGS);
    morning.schedules = { ...morning.schedules, rescore: '30 6 * * *', timezone: 'America/New_York' };
    await saveSettings(db, acme, morning, 'test');
    expect(a.schedules.nextRun(acme, 'rescore')).toEqual(hourly);
    await a.schedules.refreshAll();
    const next = a.schedules.nextRun(acme, 'rescore')!;
    const local = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', minute: 'numeric', hour12: false }).format(next);
    expect(local).toBe('06:30');
    // The other tenant's schedule is untouched; a new tenant is scheduled at the next check.
    expect(a.schedules.nextRun(globex, 'rescore')!.getUTCMinutes()).toBe(0);
    const initech = tenantId('initech');
    expect(a.schedules.nextRun(initech, 'rescore')).toBeNull();
    await ensureTenant(db, initech, 'Initech');
    await a.schedules.refreshAll();
    expect(a.schedules.nextRun(initech, 'rescore')).not.toBeNull();
  });

  it('reports a fire whose job could not be sent, and lets no error escape the timer', async () => {
    const failing = new TenantSchedules(db, async () => {
      throw new Error('queue down');
    }, log, 'worker-c');
    running.push(failing);
    await expect(failing.fire(acme, 'rescore', 'score', new Date('2026-11-25T05:00:00Z'))).resolves.toBe(false);
  });
});
