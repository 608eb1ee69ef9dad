import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tenantId } from '../src/domain/index.js';
import { saveSettings } from '../src/settings/index.js';
import { ensureTenant, queryAudit, storeScoreChanges, unwrittenAssignments, upsertLeads, type Database } from '../src/store/index.js';
import { writebackFiles } from '../src/workers/file-writeback.js';
import { routeTenant } from '../src/workers/route.js';
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
});
