import { createHash } from 'node:crypto';
import { LeadscoreError, type FieldUpdate, type LeadSink, type OwnerChange, type TaskResult, type TaskToCreate, type WriteResult } from '../../src/domain/index.js';
import { CsvReader } from '../shared/csv.js';
import { SALESFORCE_API_VERSION } from './options.js';
import { translate, type SalesforceSession } from './session.js';
import { SalesforceSink } from './sink.js';

/** Where the ingest jobs already made for a batch are kept, so a retry reads a job's results instead of writing again. */
export interface BulkJobRegistry {
  find(batchKey: string): Promise<string | null>;
  save(batchKey: string, job: { id: string; sobject: string; records: number }): Promise<void>;
  forget(batchKey: string): Promise<void>;
}

export interface SalesforceBulkSinkOptions {
  /** Records per ingest job (Salesforce takes up to 150 MB of CSV a job). */
  batchSize?: number;
  pollInterval?: number;
  pollTimeout?: number;
  jobs: BulkJobRegistry;
}

interface JobInfo {
  id: string;
  state: 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';
  errorMessage?: string;
  numberRecordsProcessed?: number;
  numberRecordsFailed?: number;
}

const DONE = new Set(['JobComplete', 'Failed', 'Aborted']);
const RETRYABLE = new Set(['UNABLE_TO_LOCK_ROW', 'REQUEST_RUNNING_TOO_LONG', 'SERVER_UNAVAILABLE']);
const objectOf = (id: string) => (id.startsWith('003') ? 'Contact' : 'Lead');

/**
 * Writes Leadscore's fields with Bulk API 2.0 ingest jobs, for runs too large for collections of
 * 200: per object, create an update job, upload the records as CSV, close it, poll until it is
 * done, then settle each record from the job's successfulResults and failedResults (a record in
 * neither goes again later). A job is recorded under a key of the records and score versions it
 * carries before anything is uploaded, so a retry of the same batch (a timeout, a crash) finds it
 * and reads its results rather than making a second job. Owner changes and tasks go through the
 * collections sink.
 */
export class SalesforceBulkSink implements LeadSink {
  readonly maxBatchSize: number;
  private readonly rest: SalesforceSink;
  private readonly base = `/services/data/v${SALESFORCE_API_VERSION}/jobs/ingest`;

  constructor(
    private readonly session: SalesforceSession,
    private readonly options: SalesforceBulkSinkOptions,
    rest?: SalesforceSink,
  ) {
    this.maxBatchSize = options.batchSize ?? 10_000;
    this.rest = rest ?? new SalesforceSink(session);
  }

  changeOwners(changes: OwnerChange[]): Promise<WriteResult[]> {
    return this.rest.changeOwners(changes);
  }

  createTasks(tasks: TaskToCreate[]): Promise<TaskResult[]> {
    return this.rest.createTasks(tasks);
  }

  async writeFieldUpdates(updates: FieldUpdate[]): Promise<WriteResult[]> {
    const { records, results } = await this.rest.prepare(updates);
    const versions = new Map(updates.map((u) => [u.leadId, u.scoreVersion]));
    for (const object of ['Lead', 'Contact']) {
      const mine = records.filter((r) => objectOf(String(r.id)) === object);
      if (mine.length > 0) await this.runJob(object, mine, versions, results);
    }
    return updates.map((u) => results.get(u.leadId)!);
  }

  private async runJob(object: string, records: Array<Record<string, unknown>>, versions: Map<string, number>, results: Map<string, WriteResult>): Promise<void> {
    const key = createHash('sha256')
      .update(object)
      .update(records.map((r) => `${String(r.id)}:${versions.get(String(r.id))}`).sort().join(','))
      .digest('hex');
    let jobId = await this.options.jobs.find(key);
    let info = jobId ? await this.info(jobId) : null;
    // A job left Open may hold part of an upload, and one that failed as a whole did nothing: start again.
    if (info && (info.state === 'Open' || info.state === 'Failed' || info.state === 'Aborted')) {
      if (info.state === 'Open') await this.session.send('PATCH', `/jobs/ingest/${info.id}`, { state: 'Aborted' }).catch(() => undefined);
      await this.options.jobs.forget(key);
      info = null;
    }
    if (!info) {
      const created = await this.session.send<JobInfo>('POST', '/jobs/ingest', { object, operation: 'update', contentType: 'CSV', lineEnding: 'LF', columnDelimiter: 'COMMA' });
      if (!created?.id) throw new LeadscoreError('CRM_REQUEST_FAILED', `Salesforce answered the Bulk API ${object} job creation without a job id`);
      jobId = created.id;
      await this.options.jobs.save(key, { id: jobId, sobject: object, records: records.length });
      await this.upload(jobId, toCsv(records));
      info = await this.session.send<JobInfo>('PATCH', `/jobs/ingest/${jobId}`, { state: 'UploadComplete' });
    }
    if (!DONE.has(info.state)) info = await this.waitFor(info.id ?? jobId!);
    if (info.state !== 'JobComplete') {
      await this.options.jobs.forget(key);
      throw new LeadscoreError('CRM_REQUEST_FAILED', `Salesforce Bulk API ${object} job ${info.id} ended ${info.state}: ${info.errorMessage ?? 'no reason given'}`);
    }
    const answered = new Set<string>();
    for (const row of await this.results(info.id, 'successfulResults')) {
      const id = row.Id || row.sf__Id || '';
      answered.add(id);
    }
    for (const row of await this.results(info.id, 'failedResults')) {
      const id = row.Id || row.sf__Id || '';
      answered.add(id);
      const { code, message } = parseError(row.sf__Error ?? '');
      const previous = results.get(id);
      results.set(id, { leadId: id, ok: false, error: { code, message: `${id}: ${message}`, retryable: RETRYABLE.has(code) }, ...(previous?.warnings ? { warnings: previous.warnings } : {}) });
    }
    for (const r of records) {
      const id = String(r.id);
      if (answered.has(id)) continue;
      results.set(id, { leadId: id, ok: false, error: { code: 'NO_RESULT', message: `${id}: the Bulk API job ${info.id} gave no result for this record (unprocessed); it is sent again later`, retryable: true } });
    }
  }

  private async info(jobId: string): Promise<JobInfo> {
    const info = await this.session.get<JobInfo>(`/jobs/ingest/${jobId}`);
    if (!info?.state) throw new LeadscoreError('CRM_REQUEST_FAILED', `Salesforce answered the Bulk API job ${jobId} status without a state`);
    return { ...info, id: info.id ?? jobId };
  }

  private async waitFor(jobId: string): Promise<JobInfo> {
    const deadline = Date.now() + (this.options.pollTimeout ?? 30 * 60_000);
    for (;;) {
      const info = await this.info(jobId);
      if (DONE.has(info.state)) return info;
      // The job stays recorded: the next try waits for the same job instead of making another.
      if (Date.now() > deadline) throw new LeadscoreError('CRM_REQUEST_FAILED', `the Salesforce Bulk API job ${jobId} is still ${info.state}; its results are read on the next run`);
      await new Promise((r) => setTimeout(r, this.options.pollInterval ?? 5000));
    }
  }

  private async upload(jobId: string, csv: string): Promise<void> {
    try {
      await this.session.connection.request({ method: 'PUT', url: `${this.base}/${jobId}/batches`, body: csv, headers: { 'content-type': 'text/csv' } });
    } catch (err) {
      throw translate(err, `Bulk API upload to job ${jobId}`);
    }
  }

  /** A job's result CSV as rows keyed by the header (sf__Id, sf__Created or sf__Error, then the uploaded columns). */
  private async results(jobId: string, kind: 'successfulResults' | 'failedResults'): Promise<Array<Record<string, string>>> {
    const connection = this.session.connection;
    const res = await fetch(`${connection.instanceUrl}${this.base}/${jobId}/${kind}/`, { headers: { Authorization: `Bearer ${connection.accessToken}`, Accept: 'text/csv' } });
    const body = await res.text();
    if (!res.ok) throw new LeadscoreError('CRM_REQUEST_FAILED', `Salesforce Bulk API ${kind} of job ${jobId}: HTTP ${res.status} ${body.slice(0, 300)}`);
    const csv = new CsvReader();
    const rows: Array<Record<string, string>> = [];
    let header: string[] | null = null;
    for (const item of [...csv.push(body), ...csv.end()]) {
      if (item.kind === 'problem') throw new LeadscoreError('CRM_REQUEST_FAILED', `Salesforce Bulk API ${kind} of job ${jobId}: line ${item.line}: ${item.reason}`);
      if (!header) header = item.fields;
      else rows.push(Object.fromEntries(header.map((name, i) => [name, item.fields[i] ?? ''])));
    }
    return rows;
  }
}

/** Records as Bulk API CSV: every column quoted; null is "#N/A" (an empty value would leave the field as it is). */
export function toCsv(records: Array<Record<string, unknown>>): string {
  const columns = ['Id', ...new Set(records.flatMap((r) => Object.keys(r).filter((k) => k !== 'id' && k !== 'attributes')))];
  const cell = (v: unknown) => `"${(v === null ? '#N/A' : v === undefined ? '' : String(v)).replace(/"/g, '""')}"`;
  const lines = [columns.join(','), ...records.map((r) => columns.map((c) => cell(c === 'Id' ? r.id : r[c])).join(','))];
  return `${lines.join('\n')}\n`;
}

/** sf__Error is "STATUS_CODE:message:fields --". */
function parseError(raw: string): { code: string; message: string } {
  const m = /^([A-Z_]+):(.*)$/s.exec(raw.trim());
  if (!m) return { code: 'UNKNOWN', message: raw || 'Salesforce gave no reason' };
  const message = m[2]!.replace(/:([^:]*)--$/, (_all, fields: string) => (fields.trim() ? ` (fields: ${fields.trim()})` : '')).trim();
  return { code: m[1]!, message };
}
