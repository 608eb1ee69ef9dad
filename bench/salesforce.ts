/**
 * Salesforce against nock with a realistic latency per call (`npm run bench -- salesforce
 * [--leads N]`): a first backfill of N leads (Bulk API 2.0, results in pages of 50,000), scoring,
 * and the writeback of every changed score: the first half with collections of 200 (the threshold
 * set above the run), the rest through Bulk API 2.0 ingest jobs of 10,000. Reports API calls, time
 * and peak RSS; the reference is the floor of calls the APIs allow (results pages, collections of 200).
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import nock from 'nock';
import { createVault } from '../src/config/secrets.js';
import { tenantId } from '../src/domain/index.js';
import { FolderModelSource, SHIPPED_DEFAULT_MODEL } from '../src/scoring/model-source.js';
import { syncSalesforce } from '../src/crm/salesforce-sync.js';
import { writebackSalesforce } from '../src/crm/salesforce-writeback.js';
import { currentSettings, saveSettings } from '../src/settings/index.js';
import { ensureTenant, migrate, pgliteDatabase, saveConnection } from '../src/store/index.js';

const INSTANCE = 'https://bench.my.salesforce.com';
const LOGIN = 'https://login.salesforce.com';
const V = '/services/data/v62.0';
const LATENCY_MS = 80;
const PAGE = 50_000;

function leadsCsv(from: number, to: number): string {
  const rows = ['Id,CreatedDate,Email,FirstName,LastName,Title,Company,Industry,NumberOfEmployees,AnnualRevenue,Country,LeadSource,SystemModstamp'];
  const titles = ['VP Sales', 'Marketing Manager', 'CTO', 'Student', 'Head of Operations', 'Analyst'];
  for (let i = from; i < to; i++) {
    const id = `00Q5e${String(i).padStart(10, '0')}A`;
    const day = String(1 + (i % 28)).padStart(2, '0');
    rows.push(`${id},2026-10-${day}T09:00:00.000Z,p${i}@company${i % 5000}.com,Ann,Lee,${titles[i % titles.length]},Company ${i % 5000},Software,${[12, 80, 400, 2500][i % 4]},,US,Web,2026-11-${day}T10:00:00.000Z`);
  }
  return rows.join('\n');
}

export async function benchSalesforce(leads: number): Promise<Record<string, unknown>> {
  const db = pgliteDatabase(await PGlite.create(), 'memory');
  await migrate(db);
  const tenant = tenantId('bench');
  await ensureTenant(db, tenant, 'Bench');
  const vault = createVault(randomBytes(32));
  await saveConnection(db, tenant, {
    id: 'salesforce-bench',
    kind: 'salesforce',
    externalAccountId: '00D5e000000AbCdEAF',
    status: 'active',
    settings: {},
    credentials: vault.seal({ accessToken: 'tok', refreshToken: 'r', instanceUrl: INSTANCE, loginUrl: LOGIN, orgId: '00D5e000000AbCdEAF', userId: '0055e000001XyZaAAB', issuedAt: '0' }),
  });
  const app = { loginUrl: LOGIN, clientId: 'bench' };
  const models = new FolderModelSource({ defaultDir: SHIPPED_DEFAULT_MODEL, tenantsDir: null });
  const calls: Record<string, number> = {};
  const count = (what: string) => (calls[what] = (calls[what] ?? 0) + 1);
  let peak = 0;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  nock.disableNetConnect();
  const job = '750R0000000zlh9IAA';
  const info = { id: job, operation: 'query', object: 'Lead', state: 'JobComplete', contentType: 'CSV', apiVersion: 62.0, lineEnding: 'LF', columnDelimiter: 'COMMA' };
  const api = nock(INSTANCE).persist();
  api.get(`${V}/query`).query(true).delay(LATENCY_MS).reply(200, (uri) => {
    count(uri.includes('COUNT') ? 'count query' : 'REST query');
    return uri.includes('COUNT') ? { totalSize: leads, done: true, records: [] } : { totalSize: 0, done: true, records: [] };
  });
  // The Lead query job answers the generated leads; the activity and outcome jobs of the backfill answer none.
  const empty = '750R0000000emptyIAA';
  api.post(`${V}/jobs/query`).delay(LATENCY_MS).reply(200, (_uri, body) => (count('bulk job'), { ...info, id: / FROM Lead ORDER BY /.test((body as { query: string }).query) ? job : empty, state: 'UploadComplete' }));
  api.get(`${V}/jobs/query/${empty}`).delay(LATENCY_MS).reply(200, () => (count('bulk poll'), { ...info, id: empty }));
  api.get(`${V}/jobs/query/${empty}/results`).query(true).delay(LATENCY_MS).reply(() => (count('bulk results page'), [200, 'Id,SystemModstamp\n', { 'Content-Type': 'text/csv', 'Sforce-Locator': 'null' }]));
  api.get(`${V}/jobs/query/${job}`).delay(LATENCY_MS).reply(200, () => (count('bulk poll'), info));
  api.get(`${V}/jobs/query/${job}/results`).query(true).delay(LATENCY_MS).reply((uri) => {
    count('bulk results page');
    const page = Number(new URL(uri, INSTANCE).searchParams.get('locator') ?? 0);
    const from = page * PAGE;
    const to = Math.min(leads, from + PAGE);
    return [200, leadsCsv(from, to), { 'Content-Type': 'text/csv', 'Sforce-Locator': to < leads ? String(page + 1) : 'null', 'Sforce-NumberOfRecords': String(to - from) }];
  });
  api.get(/\/sobjects\/Lead\/deleted\//).delay(LATENCY_MS).reply(200, () => (count('getDeleted'), { deletedRecords: [], latestDateCovered: new Date().toISOString() }));
  api.get(`${V}/sobjects/Lead/describe`).delay(LATENCY_MS).reply(200, () => {
    count('describe');
    return { name: 'Lead', fields: ['Id', 'Leadscore_Score__c', 'Leadscore_Fit__c', 'Leadscore_Engagement__c', 'Leadscore_Grade__c', 'Leadscore_Tier__c', 'Leadscore_Reasons__c', 'Leadscore_Next_Action__c', 'Leadscore_Scored_At__c', 'Leadscore_Model_Version__c'].map((name) => ({ name, type: 'string', length: 1000, updateable: name !== 'Id' })) };
  });
  // Bulk API 2.0 ingest: each job answers every uploaded record as written.
  const uploads = new Map<string, string[]>();
  let jobs = 0;
  api.post(`${V}/jobs/ingest`).delay(LATENCY_MS).reply(200, () => (count('ingest job'), { id: `7505e0000${String(++jobs).padStart(9, '0')}`, object: 'Lead', operation: 'update', state: 'Open', contentType: 'CSV', lineEnding: 'LF', columnDelimiter: 'COMMA' }));
  api.put(/\/jobs\/ingest\/\w+\/batches/).delay(LATENCY_MS).reply(201, (uri, body) => {
    count('ingest upload');
    uploads.set(uri.split('/')[6]!, String(body).trim().split('\n').slice(1).map((l) => l.slice(1, l.indexOf('"', 1))));
    return '';
  });
  api.patch(/\/jobs\/ingest\/\w+$/).delay(LATENCY_MS).reply(200, (uri) => (count('ingest close'), { id: uri.split('/')[6], state: 'UploadComplete' }));
  api.get(/\/jobs\/ingest\/\w+$/).delay(LATENCY_MS).reply(200, (uri) => (count('ingest poll'), { id: uri.split('/')[6], state: 'JobComplete' }));
  api.get(/\/jobs\/ingest\/\w+\/successfulResults\/$/).delay(LATENCY_MS).reply((uri) => {
    count('ingest results');
    const ids = uploads.get(uri.split('/')[6]!) ?? [];
    return [200, ['"sf__Id","sf__Created",Id', ...ids.map((id) => `"${id}","false","${id}"`)].join('\n'), { 'Content-Type': 'text/csv' }];
  });
  api.get(/\/jobs\/ingest\/\w+\/failedResults\/$/).delay(LATENCY_MS).reply(200, () => (count('ingest results'), '"sf__Id","sf__Error",Id\n'), { 'Content-Type': 'text/csv' });
  api.patch(`${V}/composite/sobjects`).delay(LATENCY_MS).reply(200, (_uri, body) => {
    count('collection PATCH');
    return (body as { records: Array<{ id: string }> }).records.map((r) => ({ id: r.id, success: true, errors: [] }));
  });
  try {
    const t = performance.now();
    const [sync] = await syncSalesforce(db, vault, app, models, tenant);
    const syncSeconds = (performance.now() - t) / 1000;
    const syncCalls = Object.values(calls).reduce((a, b) => a + b, 0);
    console.log(`backfill + scoring of ${leads} leads: ${syncSeconds.toFixed(1)} s, ${syncCalls} API calls (${JSON.stringify(calls)}); stored ${sync!.streams?.leads.inserted}, scored ${sync!.rescored?.leads}`);
    const floor = Math.ceil(leads / PAGE) + 2 + 5; // results pages, job + poll, count + 3 activity streams + outcomes + getDeleted ~
    const threshold = async (n: number) => {
      const { settings } = await currentSettings(db, tenant);
      await saveSettings(db, tenant, { ...settings, salesforce: { ...settings.salesforce, bulkWriteThreshold: n } }, 'bench');
    };
    const writeWith = async (label: string, maxRecords: number) => {
      for (const k of Object.keys(calls)) delete calls[k];
      const started = performance.now();
      const written = (await writebackSalesforce(db, vault, app, tenant, { maxRecords, bulk: { pollInterval: 10 } }))!;
      const seconds = (performance.now() - started) / 1000;
      const used = Object.values(calls).reduce((a, b) => a + b, 0);
      const per1000 = (1000 * used) / Math.max(1, written.sent);
      console.log(`writeback (${label}): ${written.sent} scores written in ${seconds.toFixed(1)} s with ${used} calls (${JSON.stringify(calls)}) = ${per1000.toFixed(2)} calls per 1,000 changed scores`);
      return { written: written.sent, seconds, calls: used, per1000 };
    };
    // First half: collections of 200 (threshold above the run). Then the rest through Bulk API 2.0 ingest.
    await threshold(100_000_000);
    const collections = await writeWith('sObject Collections of 200; floor 5', Math.floor(leads / 2));
    await threshold(10_000);
    const bulk = await writeWith('Bulk API 2.0 ingest, jobs of 10,000; floor 0.6', leads);
    console.log(`peak RSS ${(peak / 2 ** 20).toFixed(0)} MB; ${LATENCY_MS} ms latency per call`);
    return { leads, syncSeconds, syncCalls, floorCallsApprox: floor, collections, bulk, callsPer1000: collections.per1000, bulkCallsPer1000: bulk.per1000, peakRssMB: peak / 2 ** 20 };
  } finally {
    clearInterval(sample);
    nock.cleanAll();
    nock.enableNetConnect();
    await models.close();
    await db.close();
  }
}
