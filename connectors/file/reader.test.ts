import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReadBatch, Rejection } from '../../src/domain/index.js';
import { FileBundleSource } from './reader.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function bundle(files: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-test-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

async function collect<T>(batches: AsyncIterable<ReadBatch<T>>) {
  const records: Array<{ value: T; line: number }> = [];
  const rejections: Rejection[] = [];
  let duplicates = 0;
  for await (const b of batches) {
    records.push(...b.records.map((r) => ({ value: r.value, line: r.position!.line })));
    rejections.push(...b.rejections);
    duplicates += b.duplicatesSkipped;
  }
  return { records, rejections, duplicates };
}

const HEADER = 'id,created_at,email,first_name,last_name,title,company,industry,employees,annual_revenue,country,lead_source';

describe('FileBundleSource: leads.csv', () => {
  it('turns good rows into leads and keeps extra columns as attributes', async () => {
    const dir = bundle({
      'leads.csv': `${HEADER},State,utm_campaign\nL1,2024-03-05T10:00:00Z, Ana@Example.COM ,Ana,Silva,VP Sales,"Acme, Inc.",Software,"1,200",1.2M,US,Web,CA,\n`,
    });
    const source = new FileBundleSource({ dir });
    const { records, rejections } = await collect(source.readLeads());
    expect(rejections).toEqual([]);
    expect(records).toEqual([
      {
        line: 2,
        value: {
          id: 'L1',
          createdAt: new Date('2024-03-05T10:00:00Z'),
          email: 'ana@example.com',
          firstName: 'Ana',
          lastName: 'Silva',
          title: 'VP Sales',
          company: 'Acme, Inc.',
          industry: 'Software',
          employees: 1200,
          annualRevenue: 1_200_000,
          country: 'US',
          leadSource: 'Web',
          attributes: { State: 'CA' },
        },
      },
    ]);
    expect(source.headers).toEqual([{ file: 'leads.csv', missingOptional: [], ignored: [], attributes: ['State', 'utm_campaign'] }]);
  });

  it('reports each bad row with its line, column and reason, and keeps every good row', async () => {
    const dir = bundle({
      'leads.csv': [
        HEADER,
        'L1,2024-03-05,,,,,,,,,,',
        'L2,05/03/2024,,,,,,,,,,',
        ',2024-03-05,,,,,,,,,,',
        'L4,2024-03-05,,,,,,,51-200,,,',
        'L5,2024-03-05,,,,,,,,lots,,',
        'L6,2024-03-05,,,,,,,,',
        'L7,2024-03-05,a,b,c,d,e,f,1,2,g,h,extra',
        'L8,2024-03-05,,,,,"Acme,Inc,,,,,',
        'L9,2024-03-06T08:00:00Z,,,,,,,,,,',
      ].join('\n'),
    });
    const { records, rejections } = await collect(new FileBundleSource({ dir }).readLeads());
    expect(records.map((r) => [r.line, r.value.id])).toEqual([
      [2, 'L1'],
      [10, 'L9'],
    ]);
    expect(rejections.map((r) => [r.line, r.column])).toEqual([
      [3, 'created_at'],
      [4, 'id'],
      [5, 'employees'],
      [6, 'annual_revenue'],
      [7, null],
      [8, null],
      [9, 'company'],
    ]);
    expect(rejections.every((r) => r.file === 'leads.csv')).toBe(true);
    expect(rejections[0]!.reason).toBe('created_at "05/03/2024" is not an ISO 8601 date (e.g. 2024-03-05 or 2024-03-05T14:30:00Z)');
    expect(rejections[2]!.reason).toBe('employees "51-200" is not a whole number (e.g. 250 or 1,200)');
    expect(rejections[4]!.reason).toBe('the row has 10 values but the header has 12 columns');
    expect(rejections[5]!.reason).toMatch(/13 values but the header has 12 columns \(a value with a comma must be in double quotes\)/);
    expect(rejections[6]!.reason).toMatch(/closing quote is missing/);
  });

  it('drops an exact repeat of a row and rejects a row that reuses an id with other values', async () => {
    const dir = bundle({
      'leads.csv': `${HEADER}\nL1,2024-03-05,a@x.com,,,,,,,,,\nL1,2024-03-05,a@x.com,,,,,,,,,\nL1,2024-03-05,b@x.com,,,,,,,,,\n`,
    });
    const { records, rejections, duplicates } = await collect(new FileBundleSource({ dir }).readLeads());
    expect(records.map((r) => r.line)).toEqual([2]);
    expect(duplicates).toBe(1);
    expect(rejections).toEqual([
      { file: 'leads.csv', line: 4, column: 'id', reason: 'id "L1" is already on line 2 with different values; keep one row per id' },
    ]);
  });

  it('accepts headers in other spellings and treats absent optional columns as blank', async () => {
    const dir = bundle({ 'leads.csv': 'ID,Created At,Email\nL1,2024-03-05,x@y.com\n' });
    const source = new FileBundleSource({ dir });
    const { records, rejections } = await collect(source.readLeads());
    expect(rejections).toEqual([]);
    expect(records[0]!.value).toMatchObject({ id: 'L1', email: 'x@y.com', title: null, employees: null });
    expect(source.headers[0]!.missingOptional).toContain('annual_revenue');
  });
});

describe('FileBundleSource: whole-file problems', () => {
  const cases: Array<[string, string | Buffer, RegExp, string | null]> = [
    ['an empty file', '', /the file is empty/, null],
    ['a file of blank lines', '\n\n\n', /no header row/, null],
    ['a missing required column', 'id,email\nL1,a@b.c\n', /lacks the required column "created_at"; no row of leads.csv was read/, 'created_at'],
    ['semicolons', 'id;created_at;email\nL1;2024-01-01;a@b.c\n', /separated by semicolons, not commas/, null],
    ['tabs', 'id\tcreated_at\nL1\t2024-01-01\n', /separated by tabs/, null],
    ['a repeated column', 'id,created_at,email,Email\n', /"email" appears twice in the header \(columns 3 and 4\)/, 'email'],
    ['UTF-16 text', Buffer.from('\uFEFFid,created_at\nL1,2024-01-01\n', 'utf16le'), /not UTF-8/, null],
  ];
  it.each(cases)('reports %s at line 1 and reads no row', async (_name, content, reason, column) => {
    const dir = bundle({ 'leads.csv': content });
    const { records, rejections } = await collect(new FileBundleSource({ dir }).readLeads());
    expect(records).toEqual([]);
    expect(rejections).toHaveLength(1);
    expect(rejections[0]).toMatchObject({ file: 'leads.csv', line: 1, column });
    expect(rejections[0]!.reason).toMatch(reason);
  });

  it('reads nothing, and says nothing, for a file the bundle does not have', async () => {
    const dir = bundle({ 'leads.csv': `${HEADER}\n` });
    const source = new FileBundleSource({ dir });
    expect(source.presentFiles().map((f) => f.file)).toEqual(['leads.csv']);
    expect(await collect(source.readOutcomes())).toEqual({ records: [], rejections: [], duplicates: 0 });
  });
});

describe('FileBundleSource: activities.csv and outcomes.csv', () => {
  it('normalises activity types and keeps unknown ones', async () => {
    const dir = bundle({
      'activities.csv': 'lead_id,type,occurred_at,channel,detail,ignored\nL1,Pricing Page View,2024-03-05T10:00:00Z,web,/pricing,x\nL1,chat-started,2024-03-05T11:00:00Z,,,\nL1,!!,2024-03-05T11:00:00Z,,,\n',
    });
    const source = new FileBundleSource({ dir });
    const { records, rejections } = await collect(source.readActivities());
    expect(records.map((r) => r.value.type)).toEqual(['pricing_page_view', 'chat_started']);
    expect(records[1]!.value).toMatchObject({ channel: null, detail: null });
    expect(rejections).toEqual([expect.objectContaining({ line: 4, column: 'type' })]);
    expect(source.headers[0]!.ignored).toEqual(['ignored']);
  });

  it('reads outcome flags as 1/0 or true/false and rejects anything else', async () => {
    const dir = bundle({
      'outcomes.csv': 'lead_id,converted,outcome_at,amount\nL1,1,2024-04-01,5000\nL2,false,2024-04-02,\nL3,maybe,2024-04-03,\n',
    });
    const { records, rejections } = await collect(new FileBundleSource({ dir }).readOutcomes());
    expect(records.map((r) => [r.value.leadId, r.value.converted, r.value.amount])).toEqual([
      ['L1', true, 5000],
      ['L2', false, null],
    ]);
    expect(rejections).toEqual([
      { file: 'outcomes.csv', line: 4, column: 'converted', reason: 'converted "maybe" is not 1/0 or true/false' },
    ]);
  });

  it('hands out records in batches of the configured size', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `L1,page_view,2024-03-05T10:00:${String(i).padStart(2, '0')}Z,,`);
    const dir = bundle({ 'activities.csv': `lead_id,type,occurred_at,channel,detail\n${rows.join('\n')}\n` });
    const sizes: number[] = [];
    for await (const b of new FileBundleSource({ dir, batchSize: 10 }).readActivities()) sizes.push(b.records.length);
    expect(sizes).toEqual([10, 10, 5]);
  });
});
