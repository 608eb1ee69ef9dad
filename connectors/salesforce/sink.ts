import type { FieldUpdate, FieldValue, LeadSink, OwnerChange, TaskResult, TaskToCreate, WriteResult } from '../../src/domain/index.js';
import { LeadscoreError } from '../../src/domain/index.js';
import type { SalesforceSession } from './session.js';

/** sObject Collections take at most 200 records a call. */
export const COLLECTION_LIMIT = 200;

/** The external id field on Task (Activity) that keys Leadscore's follow-up tasks (the managed package creates it). */
export const TASK_KEY_FIELD = 'Leadscore_Task_Key__c';

interface CollectionResult {
  id: string | null;
  created?: boolean;
  success: boolean;
  errors: Array<{ statusCode: string; message: string; fields?: string[] }>;
}

interface FieldInfo {
  type: string;
  length: number;
  updateable: boolean;
}

export interface SalesforceSinkOptions {
  /** Attempts for records Salesforce could not lock (another process was editing them). */
  lockRetries?: number;
  /** Wait before retrying locked records, in ms (doubled each attempt). */
  retryDelayMs?: number;
}

/** Salesforce record id prefixes: 00Q Lead, 003 Contact. */
const objectOf = (id: string) => (id.startsWith('003') ? 'Contact' : 'Lead');
const RETRYABLE = new Set(['UNABLE_TO_LOCK_ROW', 'REQUEST_RUNNING_TOO_LONG', 'SERVER_UNAVAILABLE']);

/**
 * Writes Leadscore's fields to Leads and Contacts with sObject Collections (200 records a call,
 * allOrNone=false, so one record's failure never blocks the others). Each record gets its own
 * result; records Salesforce could not lock are retried; fields the org no longer has are left
 * out (and said so), and text longer than its field is cut to fit.
 */
export class SalesforceSink implements LeadSink {
  readonly maxBatchSize = COLLECTION_LIMIT;
  private readonly described = new Map<string, Promise<Map<string, FieldInfo>>>();
  private readonly lockRetries: number;
  private readonly retryDelayMs: number;

  constructor(
    private readonly session: SalesforceSession,
    options: SalesforceSinkOptions = {},
  ) {
    this.lockRetries = options.lockRetries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 500;
  }

  async writeFieldUpdates(updates: FieldUpdate[]): Promise<WriteResult[]> {
    const { records, results } = await this.prepare(updates);
    for (let i = 0; i < records.length; i += COLLECTION_LIMIT) {
      await this.patch(records.slice(i, i + COLLECTION_LIMIT), results);
    }
    return updates.map((u) => results.get(u.leadId)!);
  }

  /**
   * Each update as a record of its object with only the fields the org has and may be written
   * (text cut to the field's length), and a result per lead carrying the warnings: ok until the
   * CRM says otherwise. Shared with the Bulk API writer.
   */
  async prepare(updates: FieldUpdate[]): Promise<{ records: Array<Record<string, unknown>>; results: Map<string, WriteResult> }> {
    const results = new Map<string, WriteResult>();
    const records: Array<Record<string, unknown>> = [];
    for (const update of updates) {
      const object = objectOf(update.leadId);
      const fields = await this.fields(object);
      const warnings: string[] = [];
      const record: Record<string, unknown> = { attributes: { type: object }, id: update.leadId };
      for (const [name, value] of Object.entries(update.fields)) {
        const info = fields.get(name.toLowerCase());
        if (!info || !info.updateable) {
          warnings.push(`${object}.${name} ${info ? 'is not writable' : 'does not exist'} in this org; left out`);
          continue;
        }
        record[name] = this.fit(value, info, `${object}.${name}`, warnings);
      }
      results.set(update.leadId, { leadId: update.leadId, ok: true, ...(warnings.length ? { warnings } : {}) });
      records.push(record);
    }
    return { records, results };
  }

  async changeOwners(changes: OwnerChange[]): Promise<WriteResult[]> {
    const results = new Map<string, WriteResult>(changes.map((c) => [c.leadId, { leadId: c.leadId, ok: true }]));
    const records = changes.map((c) => ({ attributes: { type: objectOf(c.leadId) }, id: c.leadId, OwnerId: c.ownerId }));
    for (let i = 0; i < records.length; i += COLLECTION_LIMIT) await this.patch(records.slice(i, i + COLLECTION_LIMIT), results);
    return changes.map((c) => results.get(c.leadId)!);
  }

  /**
   * Follow-up tasks, upserted by their key (sObject Collections upsert on an external id, 200 a
   * call): a repeat after a crash updates the task made before instead of making a second.
   */
  async createTasks(tasks: TaskToCreate[]): Promise<TaskResult[]> {
    const fields = await this.fields('Task');
    if (!fields.has(TASK_KEY_FIELD.toLowerCase())) {
      const message = `Task.${TASK_KEY_FIELD} does not exist in this org (the Leadscore package creates it); follow-up tasks are not created without it`;
      return tasks.map((t) => ({ leadId: t.leadId, ok: false, error: { code: 'FIELD_MISSING', message, retryable: false } }));
    }
    const results = new Map<string, TaskResult>();
    for (let i = 0; i < tasks.length; i += COLLECTION_LIMIT) {
      const batch = tasks.slice(i, i + COLLECTION_LIMIT);
      const records = batch.map((t) => ({
        attributes: { type: 'Task' },
        [TASK_KEY_FIELD]: t.key,
        WhoId: t.leadId,
        OwnerId: t.ownerId,
        Subject: t.subject.slice(0, 255),
        Description: t.description.slice(0, 32_000),
        Priority: t.priority === 'high' ? 'High' : 'Normal',
        Status: 'Not Started',
        ...(t.dueAt ? { ActivityDate: t.dueAt.toISOString().slice(0, 10), IsReminderSet: true, ReminderDateTime: t.dueAt.toISOString() } : {}),
      }));
      const answer = await this.session.send<CollectionResult[]>('PATCH', `/composite/sobjects/Task/${TASK_KEY_FIELD}`, { allOrNone: false, records });
      answer.forEach((r, k) => {
        const leadId = batch[k]!.leadId;
        if (r.success) {
          results.set(leadId, { leadId, ok: true, taskId: r.id! });
          return;
        }
        const error = r.errors[0] ?? { statusCode: 'UNKNOWN', message: 'Salesforce gave no reason' };
        results.set(leadId, { leadId, ok: false, error: { code: error.statusCode, message: `task for ${leadId}: ${error.message}`, retryable: RETRYABLE.has(error.statusCode) } });
      });
    }
    return tasks.map((t) => results.get(t.leadId)!);
  }

  /** One collection call; locked records are sent again, alone, after a pause. */
  private async patch(records: Array<Record<string, unknown>>, results: Map<string, WriteResult>): Promise<void> {
    let pending = records;
    for (let attempt = 0; pending.length > 0; attempt++) {
      let answer: CollectionResult[];
      try {
        answer = await this.session.send<CollectionResult[]>('PATCH', '/composite/sobjects', { allOrNone: false, records: pending });
      } catch (err) {
        // A field deleted by an admin since it was described fails the whole call: describe again on the next try.
        if (/INVALID_FIELD|No such column/.test((err as Error).message)) this.described.clear();
        throw err;
      }
      if (!Array.isArray(answer)) throw new LeadscoreError('CRM_REQUEST_FAILED', `Salesforce answered the collection update of ${pending.length} records without a result list`);
      // A partial answer: the records it says nothing about are not known to be written; they go again later.
      for (const record of pending.slice(answer.length)) {
        const id = String(record.id);
        results.set(id, { leadId: id, ok: false, error: { code: 'NO_RESULT', message: `${id}: Salesforce's answer had no result for this record; it is sent again later`, retryable: true } });
      }
      const retry: Array<Record<string, unknown>> = [];
      answer.forEach((r, i) => {
        const id = String(pending[i]!.id);
        if (r.success) return;
        const error = r.errors[0] ?? { statusCode: 'UNKNOWN', message: 'Salesforce gave no reason' };
        const retryable = RETRYABLE.has(error.statusCode);
        if (retryable && attempt < this.lockRetries) {
          retry.push(pending[i]!);
          return;
        }
        const previous = results.get(id);
        results.set(id, {
          leadId: id,
          ok: false,
          error: { code: error.statusCode, message: `${id}: ${error.message}${error.fields?.length ? ` (fields: ${error.fields.join(', ')})` : ''}`, retryable },
          ...(previous?.warnings ? { warnings: previous.warnings } : {}),
        });
      });
      pending = retry;
      if (pending.length) await new Promise((r) => setTimeout(r, this.retryDelayMs * 2 ** attempt));
    }
  }

  private fields(object: string): Promise<Map<string, FieldInfo>> {
    let entry = this.described.get(object);
    if (!entry) {
      entry = this.session
        .get<{ fields: Array<{ name: string; type: string; length: number; updateable: boolean }> }>(`/sobjects/${object}/describe`)
        .then((d) => new Map(d.fields.map((f) => [f.name.toLowerCase(), { type: f.type, length: f.length, updateable: f.updateable }])));
      entry.catch(() => this.described.delete(object));
      this.described.set(object, entry);
    }
    return entry;
  }

  /** A value in the form its field takes: dates as ISO text, text cut to the field's length. */
  private fit(value: FieldValue, info: FieldInfo, name: string, warnings: string[]): unknown {
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'string' && ['string', 'textarea', 'picklist', 'url'].includes(info.type) && info.length > 0 && value.length > info.length) {
      warnings.push(`${name}: ${value.length} characters cut to the field's ${info.length}`);
      return `${value.slice(0, info.length - 1)}…`;
    }
    return value;
  }
}
