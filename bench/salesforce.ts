/**
 * Salesforce against nock with a realistic latency per call (`npm run bench -- salesforce
 * [--leads N]`): a first backfill of N leads (Bulk API 2.0, results in pages of 50,000), scoring,
 * and the writeback of every changed score. Reports API calls, time and peak RSS; the reference is
 * the floor of calls the APIs allow (results pages, collections of 200).
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import nock from 'nock';
import { createVault } from '../src/config/secrets.js';
import { tenantId } from '../src/domain/index.js';
import { FolderModelSource, SHIPPED_DEFAULT_MODEL } from '../src/scoring/model-source.js';
import { syncSalesforce } from '../src/server/salesforce-sync.js';
import { writebackSalesforce } from '../src/server/salesforce-writeback.js';
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
  api.post(`${V}/jobs/query`).delay(LATENCY_MS).reply(200, () => (count('bulk job'), { ...info, state: 'UploadComplete' }));
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
  api.patch(`${V}/composite/sobjects`).delay(LATENCY_MS).reply(200, (_uri, body) => {
    count('collection PATCH');
    return (body as { records: Array<{ id: string }> }).records.map((r) => ({ id: r.id, success: true, errors: [] }));
  });
  try {
    let t = performance.now();
    const [sync] = await syncSalesforce(db, vault, app, models, tenant);
    const syncSeconds = (performance.now() - t) / 1000;
    const syncCalls = Object.values(calls).reduce((a, b) => a + b, 0);
    console.log(`backfill + scoring of ${leads} leads: ${syncSeconds.toFixed(1)} s, ${syncCalls} API calls (${JSON.stringify(calls)}); stored ${sync!.streams?.leads.inserted}, scored ${sync!.rescored?.leads}`);
    const floor = Math.ceil(leads / PAGE) + 2 + 5; // results pages, job + poll, count + 3 activity streams + outcomes + getDeleted ~
    for (const k of Object.keys(calls)) delete calls[k];
    t = performance.now();
    const written = (await writebackSalesforce(db, vault, app, tenant, { maxRecords: leads }))!;
    const writeSeconds = (performance.now() - t) / 1000;
    const patches = calls['collection PATCH'] ?? 0;
    console.log(`writeback: ${written.sent} scores written in ${writeSeconds.toFixed(1)} s with ${patches} collection calls + ${calls.describe ?? 0} describe = ${((1000 * (patches + (calls.describe ?? 0))) / Math.max(1, written.sent)).toFixed(2)} calls per 1,000 changed scores (floor with collections of 200: 5)`);
    console.log(`peak RSS ${(peak / 2 ** 20).toFixed(0)} MB; ${LATENCY_MS} ms latency per call`);
    return { leads, syncSeconds, syncCalls, floorCallsApprox: floor, written: written.sent, writeSeconds, collectionCalls: patches, callsPer1000: (1000 * (patches + (calls.describe ?? 0))) / Math.max(1, written.sent), peakRssMB: peak / 2 ** 20 };
  } finally {
    clearInterval(sample);
    nock.cleanAll();
    nock.enableNetConnect();
    await models.close();
    await db.close();
  }
}
