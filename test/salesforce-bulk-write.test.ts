import { randomBytes } from 'node:crypto';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVault } from '../src/config/secrets.js';
import { tenantId, type Lead } from '../src/domain/index.js';
import { writebackSalesforce } from '../src/crm/salesforce-writeback.js';
import { currentSettings, saveSettings, SettingsSchema } from '../src/settings/index.js';
import { ensureTenant, getConnection, pendingOutbox, saveConnection, upsertLeads, type Database } from '../src/store/index.js';
import { DEFAULT_RETRY } from '../src/writeback/retry.js';
import { openTestDatabase } from './helpers/db.js';
import { INSTANCE, LOGIN, ORG, tokens, V } from './helpers/salesforce.js';

// Writeback through Bulk API 2.0 ingest when a run is larger than salesforce.bulkWriteThreshold.
// Bodies follow the documented Create Job, Upload Job Data (201, no body), Upload Complete, Get Job
// Info and successfulResults / failedResults (CSV with sf__Id, sf__Created or sf__Error first) answers.

const ID = `salesforce-${ORG}`;
const app = { loginUrl: LOGIN, clientId: '3MVG9test', clientSecret: 'secret' };
const vault = createVault(randomBytes(32));
const bulkco = tenantId('bulkco');
const LEADS = Array.from({ length: 250 }, (_, i) => `00Q5e00000B${String(i).padStart(4, '0')}AA1`);
const CONTACT = '0035e00000C0001AA1';
const FIELDS = ['Leadscore_Score__c', 'Leadscore_Fit__c', 'Leadscore_Engagement__c', 'Leadscore_Grade__c', 'Leadscore_Tier__c', 'Leadscore_Reasons__c', 'Leadscore_Next_Action__c', 'Leadscore_Scored_At__c', 'Leadscore_Model_Version__c'];
const describeFor = (object: string) => ({ name: object, fields: [{ name: 'Id', type: 'id', length: 18, updateable: false }, ...FIELDS.map((name) => ({ name, type: name.endsWith('Reasons__c') ? 'textarea' : 'string', length: 1000, updateable: true }))] });
const person = (id: string): Lead => ({ id, createdAt: new Date('2026-10-01T00:00:00Z'), email: null, firstName: null, lastName: null, title: null, company: 'Acme', industry: null, employees: null, annualRevenue: null, country: null, leadSource: null, attributes: {} });
const jobInfo = (id: string, object: string, state: string, extra: Record<string, unknown> = {}) => ({
  id,
  operation: 'update',
  object,
  createdById: '0055e000001XyZaAAB',
  createdDate: '2026-11-25T17:00:00.000+0000',
  systemModstamp: '2026-11-25T17:00:01.000+0000',
  state,
  concurrencyMode: 'Parallel',
  contentType: 'CSV',
  apiVersion: 62.0,
  contentUrl: `services/data/v62.0/jobs/ingest/${id}/batches`,
  lineEnding: 'LF',
  columnDelimiter: 'COMMA',
  ...extra,
});

let db: Database;
beforeAll(async () => {
  nock.disableNetConnect();
  db = await openTestDatabase();
  await ensureTenant(db, bulkco, 'BulkCo');
  const settings = structuredClone((await currentSettings(db, bulkco)).settings);
  settings.salesforce.bulkWriteThreshold = 200;
  await saveSettings(db, bulkco, SettingsSchema.parse(settings), 'test');
  await saveConnection(db, bulkco, { id: ID, kind: 'salesforce', externalAccountId: ORG, status: 'active', settings: {}, credentials: vault.seal({ ...tokens, refreshToken: 'refresh' }) });
  await upsertLeads(db, bulkco, [...LEADS, CONTACT].map(person), `salesforce:${ORG}`);
  await db.query(
    `INSERT INTO outbox (tenant_id, lead_id, kind, payload)
     SELECT $1, id, 'score', jsonb_build_object('status', 'scored', 'composite', 70, 'fit', 60, 'engagement', 50, 'grade', 'B2', 'tier', 'Warm',
       'reasons', '+ VP title, "quoted"', 'nextAction', 'Follow up', 'scoredAt', '2026-11-25T16:00:00.000Z', 'modelVersion', NULL)
     FROM jsonb_array_elements_text($2::jsonb) AS id`,
    [bulkco, JSON.stringify([...LEADS, CONTACT])],
  );
});
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(async () => {
  nock.enableNetConnect();
  await db.close();
});

/** Parse the uploaded CSV back into rows (every value quoted by the writer). */
function rowsOf(csv: string): Array<Record<string, string>> {
  const [header, ...lines] = csv.trim().split('\n');
  const cells = (line: string) => [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1]!.replace(/""/g, '"'));
  const names = header!.split(',');
  return lines.map((l) => Object.fromEntries(cells(l).map((v, i) => [names[i]!, v])));
}

describe('Salesforce writeback through Bulk API 2.0 ingest', () => {
  it('writes a large run with one job per object, settles each record from the job results, and a retry reads the same job instead of making another', async () => {
    let uploaded = '';
    let creates = 0;
    nock(INSTANCE)
      .get(`${V}/sobjects/Lead/describe`)
      .reply(200, describeFor('Lead'))
      .get(`${V}/sobjects/Contact/describe`)
      .reply(200, describeFor('Contact'))
      .post(`${V}/jobs/ingest`, (b: Record<string, string>) => b.object === 'Lead' && b.operation === 'update' && b.contentType === 'CSV' && b.lineEnding === 'LF' && ++creates > 0)
      .reply(200, jobInfo('7505e00000LeadJAAQ', 'Lead', 'Open'))
      .put(`${V}/jobs/ingest/7505e00000LeadJAAQ/batches`, (body: string) => Boolean((uploaded = body)))
      .matchHeader('content-type', /text\/csv/)
      .reply(201)
      .patch(`${V}/jobs/ingest/7505e00000LeadJAAQ`, { state: 'UploadComplete' })
      .reply(200, jobInfo('7505e00000LeadJAAQ', 'Lead', 'UploadComplete'))
      .get(`${V}/jobs/ingest/7505e00000LeadJAAQ`)
      .reply(200, jobInfo('7505e00000LeadJAAQ', 'Lead', 'InProgress', { numberRecordsProcessed: 0, numberRecordsFailed: 0 }));
    // The job is still running when this run gives up waiting: every record waits for the next run.
    const first = await writebackSalesforce(db, vault, app, bulkco, { bulk: { pollInterval: 1, pollTimeout: 0 }, retry: { ...DEFAULT_RETRY, callTries: 1 } });
    expect(first).toMatchObject({ sent: 0, retryLater: 251, calls: 1 });
    expect(first!.errors[0]).toMatch(/the call failed: the Salesforce Bulk API job 7505e00000LeadJAAQ is still InProgress/);

    const rows = rowsOf(uploaded);
    expect(rows).toHaveLength(250);
    expect(uploaded.split('\n')[0]!.split(',').sort()).toEqual(['Id', ...FIELDS].sort());
    // A null is "#N/A" (an empty value would leave the field as it was); quotes inside values are doubled.
    expect(rows[0]).toMatchObject({ Id: LEADS[0], Leadscore_Score__c: '70', Leadscore_Tier__c: 'Warm', Leadscore_Model_Version__c: '#N/A', Leadscore_Reasons__c: '+ VP title, "quoted"', Leadscore_Scored_At__c: '2026-11-25T16:00:00.000Z' });

    await db.query(`UPDATE outbox SET next_attempt_at = now() WHERE tenant_id = $1`, [bulkco]);
    const [locked, refused, unprocessed] = [LEADS[3]!, LEADS[7]!, LEADS[249]!];
    // Salesforce echoes the uploaded columns after its own, in any order.
    const [header, ...lines] = uploaded.trim().split('\n');
    const skipped = new Set([locked, refused, unprocessed].map((id) => `"${id}",`));
    const success = [`"sf__Id","sf__Created",${header}`, ...lines.reverse().filter((l) => ![...skipped].some((p) => l.startsWith(p))).map((l) => `${l.slice(0, l.indexOf(','))},"false",${l}`)].join('\n');
    const failed = [
      '"sf__Id","sf__Error",Id,Leadscore_Score__c',
      `"${locked}","UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--","${locked}","70"`,
      `"${refused}","FIELD_CUSTOM_VALIDATION_EXCEPTION:Owner must be set first:Leadscore_Tier__c --","${refused}","70"`,
    ].join('\n');
    nock(INSTANCE)
      .get(`${V}/sobjects/Lead/describe`)
      .reply(200, describeFor('Lead'))
      .get(`${V}/sobjects/Contact/describe`)
      .reply(200, describeFor('Contact'))
      .get(`${V}/jobs/ingest/7505e00000LeadJAAQ`)
      .reply(200, jobInfo('7505e00000LeadJAAQ', 'Lead', 'JobComplete', { numberRecordsProcessed: 249, numberRecordsFailed: 2 }))
      .get(`${V}/jobs/ingest/7505e00000LeadJAAQ/successfulResults/`)
      .reply(200, success, { 'content-type': 'text/csv' })
      .get(`${V}/jobs/ingest/7505e00000LeadJAAQ/failedResults/`)
      .reply(200, failed, { 'content-type': 'text/csv' })
      .post(`${V}/jobs/ingest`, { object: 'Contact', operation: 'update', contentType: 'CSV', lineEnding: 'LF', columnDelimiter: 'COMMA' })
      .reply(200, jobInfo('7505e00000ContJAAQ', 'Contact', 'Open'))
      .put(`${V}/jobs/ingest/7505e00000ContJAAQ/batches`, (body: string) => body.includes(`"${CONTACT}"`))
      .reply(201)
      .patch(`${V}/jobs/ingest/7505e00000ContJAAQ`, { state: 'UploadComplete' })
      .reply(200, jobInfo('7505e00000ContJAAQ', 'Contact', 'UploadComplete'))
      .get(`${V}/jobs/ingest/7505e00000ContJAAQ`)
      .reply(200, jobInfo('7505e00000ContJAAQ', 'Contact', 'JobComplete', { numberRecordsProcessed: 1, numberRecordsFailed: 0 }))
      .get(`${V}/jobs/ingest/7505e00000ContJAAQ/successfulResults/`)
      .reply(200, `"sf__Id","sf__Created",Id\n"${CONTACT}","false","${CONTACT}"\n`, { 'content-type': 'text/csv' })
      .get(`${V}/jobs/ingest/7505e00000ContJAAQ/failedResults/`)
      .reply(200, '"sf__Id","sf__Error",Id\n', { 'content-type': 'text/csv' });
    const second = await writebackSalesforce(db, vault, app, bulkco, { bulk: { pollInterval: 1, pollTimeout: 60_000 } });
    // One Lead job for both runs: the retry read its results rather than uploading the records again.
    expect(creates).toBe(1);
    expect(second).toMatchObject({ sent: 248, failed: 1, retryLater: 2 });
    const errors = second!.errors.join('\n');
    expect(errors).toMatch(new RegExp(`${refused}: FIELD_CUSTOM_VALIDATION_EXCEPTION: ${refused}: Owner must be set first \\(fields: Leadscore_Tier__c\\)`));
    expect(errors).toMatch(new RegExp(`${locked}: UNABLE_TO_LOCK_ROW`));
    expect(errors).toMatch(new RegExp(`${unprocessed}: NO_RESULT: .*gave no result`));
    expect((await pendingOutbox(db, bulkco, 1000, `salesforce:${ORG}`)).map((e) => e.leadId).sort()).toEqual([locked, unprocessed].sort());
    expect((await getConnection(db, bulkco, ID))!.settings.lastWriteback).toMatchObject({ sent: 248, failed: 1, retryLater: 2 });
  });

  it('stays with collections of 200 below the threshold', async () => {
    await db.query(`UPDATE outbox SET next_attempt_at = now() WHERE tenant_id = $1`, [bulkco]);
    nock(INSTANCE)
      .get(`${V}/sobjects/Lead/describe`)
      .reply(200, describeFor('Lead'))
      .patch(`${V}/composite/sobjects`, (b: { records: unknown[] }) => b.records.length === 2)
      .reply(200, (_u, body) => (body as { records: Array<{ id: string }> }).records.map((r) => ({ id: r.id, success: true, errors: [] })));
    expect(await writebackSalesforce(db, vault, app, bulkco)).toMatchObject({ sent: 2, calls: 1 });
  });
});
