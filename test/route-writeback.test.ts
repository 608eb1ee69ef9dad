import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tenantId } from '../src/domain/index.js';
import { saveSettings } from '../src/settings/index.js';
import { ensureTenant, markTasksAttempted, pendingTasks, queryAudit, storeScoreChanges, unwrittenAssignments, upsertLeads, type Database } from '../src/store/index.js';
import { writebackFiles } from '../src/workers/file-writeback.js';
import { routeTenant } from '../src/crm/route.js';
import { openTestDatabase } from './helpers/db.js';
import { routingLead, scoreOf, withRouting } from './helpers/routing.js';

const acme = tenantId('acme');
let db: Database;
let out: string;

beforeEach(async () => {
  db = await openTestDatabase();
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'route-out-'));
  await ensureTenant(db, acme, 'Acme');
  await upsertLeads(db, acme, ['L1', 'L2', 'L3', 'L4'].map((id) => routingLead(id)), 'file');
  await storeScoreChanges(db, acme, ['L1', 'L2', 'L3'].map((id) => ({ score: scoreOf(id, 'Hot', 85), write: null })));
});

afterEach(async () => {
  await db.close();
  fs.rmSync(out, { recursive: true, force: true });
});

describe('the route job and owner writes', () => {
  it('does nothing without rules', async () => {
    expect(await routeTenant(db, acme)).toEqual({ considered: 0, assigned: 0, fallback: 0, unassigned: 0, noRule: 0 });
  });

  it("assigns the scored open leads by the rules in force, writes each owner once to the CSV tenant's out/ folder, and audits it", async () => {
    await saveSettings(db, acme, withRouting({ rules: [{ name: 'Everyone', assign: { type: 'round_robin', owners: ['ana', 'ben'] } }] }), 'test');
    expect(await routeTenant(db, acme)).toMatchObject({ considered: 3, assigned: 3 });
    // L4 has no score yet: it waits. A second run assigns nothing twice.
    expect(await routeTenant(db, acme)).toMatchObject({ considered: 0 });
    expect(await unwrittenAssignments(db, acme)).toHaveLength(3);

    await writebackFiles(db, acme, out);
    const lines = fs.readFileSync(path.join(out, 'acme', 'owner-changes.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('lead_id,owner_id,rule,written_at');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(expect.arrayContaining([expect.stringMatching(/^L1,\S+,Everyone$/), expect.stringMatching(/^L2,\S+,Everyone$/), expect.stringMatching(/^L3,\S+,Everyone$/)]));
    expect(await unwrittenAssignments(db, acme)).toEqual([]);
    const written = await queryAudit(db, acme, { action: 'assignment', outcome: 'written' });
    expect(written.map((e) => e.recordId).sort()).toEqual(['L1', 'L2', 'L3']);

    await writebackFiles(db, acme, out);
    expect(fs.readFileSync(path.join(out, 'acme', 'owner-changes.csv'), 'utf8').trim().split('\n')).toHaveLength(4);
  });

  it("creates each routed lead's follow-up task once, after its owner, even when a crash left tasks half sent", async () => {
    await saveSettings(db, acme, withRouting({ rules: [{ name: 'Everyone', assign: { type: 'round_robin', owners: ['ana', 'ben'] } }] }), 'test');
    await routeTenant(db, acme);
    // Tasks wait for their owner to be written.
    expect(await pendingTasks(db, acme)).toEqual([]);
    await writebackFiles(db, acme, out);
    const tasksFile = path.join(out, 'acme', 'tasks.csv');
    const lines = fs.readFileSync(tasksFile, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('task_key,lead_id,owner_id,subject,description,due_at,priority,rule,written_at');
    expect(lines.filter((l) => /^L\d@\d+,L\d,005[AB],Call within 1 hour: Ana Ruiz \(Acme\),/.test(l))).toHaveLength(3);
    const audit = await queryAudit(db, acme, { action: 'follow_up_task', outcome: 'written' });
    expect(audit.map((e) => e.recordId).sort()).toEqual(['L1', 'L2', 'L3']);
    expect(audit[0]!.after).toMatchObject({ subject: 'Call within 1 hour: Ana Ruiz (Acme)', dueAt: expect.any(String) });
    expect(await pendingTasks(db, acme)).toEqual([]);

    // A crash after the file was written but before the tasks were settled: the next run finds them.
    await db.query(`UPDATE routing_assignments SET task_written_at = NULL WHERE tenant_id = 'acme' AND lead_id = 'L2'`);
    await markTasksAttempted(db, acme, ['L2']);
    expect(await pendingTasks(db, acme)).toEqual([expect.objectContaining({ leadId: 'L2', triedBefore: true })]);
    await writebackFiles(db, acme, out);
    const keys = fs.readFileSync(tasksFile, 'utf8').split('\n').filter((l) => /^L\d@\d+,/.test(l)).map((l) => l.split(',')[1]);
    expect(keys.sort()).toEqual(['L1', 'L2', 'L3']);
    expect(await pendingTasks(db, acme)).toEqual([]);
  });
});
