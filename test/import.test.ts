import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileBundleSource } from '../connectors/file/index.js';
import { tenantId } from '../src/domain/index.js';
import { countTenantData, ensureTenant, getLead, latestImportRun, type Database } from '../src/store/index.js';
import { importFromSource, recordedImport } from '../src/sync/index.js';
import { generateBundle, type GenerateSummary } from '../src/synthetic/index.js';
import { openTestDatabase } from './helpers/db.js';

const tenant = tenantId('acme');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'import-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let db: Database;
beforeEach(async () => {
  db = await openTestDatabase();
  await ensureTenant(db, tenant, 'Acme');
});
afterEach(async () => {
  await db.close();
});

/** Everything the tenant has, as one fingerprint: equal means nothing at all changed. */
async function fingerprint(): Promise<string> {
  const rows = await db.query<{ f: string }>(
    `SELECT concat_ws('|',
       (SELECT md5(coalesce(string_agg(l::text, ',' ORDER BY lead_id), '')) FROM leads l WHERE tenant_id = $1),
       (SELECT md5(coalesce(string_agg(a::text, ',' ORDER BY lead_id, occurred_at, type, detail_key), '')) FROM activities a WHERE tenant_id = $1),
       (SELECT md5(coalesce(string_agg(o::text, ',' ORDER BY lead_id), '')) FROM outcomes o WHERE tenant_id = $1)) AS f`,
    [tenant],
  );
  return rows[0]!.f;
}

describe('importing a generated bundle', () => {
  let summary: GenerateSummary;
  const dir = path.join(root, 'generated');
  beforeAll(async () => {
    summary = await generateBundle({ leads: 1500, seed: 5, outDir: dir });
  });

  it('imports every row, stores each repeated delivery once, and changes nothing on a second run', async () => {
    const first = await importFromSource(db, tenant, new FileBundleSource({ dir, batchSize: 500 }));
    expect(first.rejections).toEqual([]);
    expect(first.streams.leads).toEqual({ inserted: summary.leads, updated: 0, unchanged: summary.leadRows - summary.leads, rejected: 0 });
    expect(first.streams.activities).toEqual({
      inserted: summary.activities,
      updated: 0,
      unchanged: summary.activityRows - summary.activities,
      rejected: 0,
    });
    expect(first.streams.outcomes).toEqual({ inserted: summary.outcomes, updated: 0, unchanged: 0, rejected: 0 });
    expect(await countTenantData(db, tenant)).toEqual({
      leads: summary.leads,
      openLeads: summary.open,
      activities: summary.activities,
      outcomes: summary.outcomes,
      converted: summary.converted,
    });

    const before = await fingerprint();
    const second = await importFromSource(db, tenant, new FileBundleSource({ dir }));
    expect(second.streams.leads).toEqual({ inserted: 0, updated: 0, unchanged: summary.leadRows, rejected: 0 });
    expect(second.streams.activities).toEqual({ inserted: 0, updated: 0, unchanged: summary.activityRows, rejected: 0 });
    expect(second.streams.outcomes).toEqual({ inserted: 0, updated: 0, unchanged: summary.outcomes, rejected: 0 });
    expect(await fingerprint()).toBe(before);
  });

  it('updates just the lead whose row changed when an edited export comes in', async () => {
    await importFromSource(db, tenant, new FileBundleSource({ dir }));
    const edited = path.join(root, 'edited');
    fs.mkdirSync(edited, { recursive: true });
    const lines = fs.readFileSync(path.join(dir, 'leads.csv'), 'utf8').split('\n');
    const id = lines[1]!.split(',')[0]!;
    lines[1] = lines[1]!.replace(/^([^,]*,[^,]*,)[^,]*/, '$1changed@example.com');
    fs.writeFileSync(path.join(edited, 'leads.csv'), lines.join('\n'));
    const result = await importFromSource(db, tenant, new FileBundleSource({ dir: edited }));
    expect(result.streams.leads).toMatchObject({ inserted: 0, updated: 1, rejected: 0 });
    expect((await getLead(db, tenant, id))?.email).toBe('changed@example.com');
  });
});

describe('importing a bundle with mistakes', () => {
  const dir = path.join(root, 'mistakes');
  beforeAll(() => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'leads.csv'),
      'id,created_at,email\nL1,2024-03-01T09:00:00Z,a@x.com\nL2,not a date,b@x.com\nL3,2024-03-05T09:00:00Z,c@x.com\n',
    );
    fs.writeFileSync(
      path.join(dir, 'activities.csv'),
      [
        'lead_id,type,occurred_at,channel,detail',
        'L1,page_view,2024-03-02T10:00:00Z,web,/',
        'L2,page_view,2024-03-02T10:00:00Z,web,/', // its lead was rejected
        'GHOST,call,2024-03-02T10:00:00Z,,', // never a lead
        'L3,demo_request,2024-03-06T10:00:00Z,web,',
        'L3,demo_request,2024-03-06T10:00:00Z,web,', // repeated delivery
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(dir, 'outcomes.csv'),
      'lead_id,converted,outcome_at,amount\nL1,1,2024-04-01T00:00:00Z,900\nL3,0,2024-03-01T00:00:00Z,\nGHOST,1,2024-04-01T00:00:00Z,\n',
    );
  });

  it('reports every bad row where it is and imports every good one', async () => {
    const result = await recordedImport(db, tenant, dir, new FileBundleSource({ dir }));
    expect(result.rejections).toEqual([
      { file: 'leads.csv', line: 3, column: 'created_at', reason: expect.stringContaining('"not a date" is not an ISO 8601 date') },
      { file: 'activities.csv', line: 3, column: 'lead_id', reason: expect.stringContaining('lead_id "L2" is not a lead of this tenant') },
      { file: 'activities.csv', line: 4, column: 'lead_id', reason: expect.stringContaining('lead_id "GHOST"') },
      {
        file: 'outcomes.csv',
        line: 3,
        column: 'outcome_at',
        reason: 'outcome_at 2024-03-01T00:00:00.000Z is before the lead was created (2024-03-05T09:00:00.000Z)',
      },
      { file: 'outcomes.csv', line: 4, column: 'lead_id', reason: expect.stringContaining('lead_id "GHOST"') },
    ]);
    expect(result.streams).toEqual({
      leads: { inserted: 2, updated: 0, unchanged: 0, rejected: 1 },
      activities: { inserted: 2, updated: 0, unchanged: 1, rejected: 2 },
      outcomes: { inserted: 1, updated: 0, unchanged: 0, rejected: 2 },
    });
    expect(await countTenantData(db, tenant)).toMatchObject({ leads: 2, activities: 2, outcomes: 1 });
    const run = await latestImportRun(db, tenant);
    expect(run).toMatchObject({ id: result.importId, status: 'rejected_rows', source: dir });
    expect((run!.report as { rejections: unknown[] }).rejections).toHaveLength(5);
  });

  it('lists rejections up to a limit and counts the rest', async () => {
    const result = await importFromSource(db, tenant, new FileBundleSource({ dir }), { maxListedRejections: 2 });
    expect(result.rejections).toHaveLength(2);
    expect(result.rejectionsNotListed).toBe(3);
  });
});
