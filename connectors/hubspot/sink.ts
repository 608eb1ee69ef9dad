import { isLeadscoreError, type FieldUpdate, type FieldValue, type LeadSink, type OwnerChange, type TaskResult, type TaskToCreate, type WriteResult } from '../../src/domain/index.js';
import type { HubSpotApi } from './api.js';
import { BATCH_LIMIT } from './contacts.js';
import { HubSpotRequestError } from './errors.js';
import { contactProperties, type PropertyDefinition } from './properties.js';
import { createHubSpotTasks } from './tasks.js';

/** HubSpot keeps at most 65,536 characters in a text property. */
const TEXT_LIMIT = 65_536;

interface BatchAnswer {
  status?: string;
  errors?: Array<{ category?: string; message?: string; context?: { ids?: string[] } }>;
}

type Input = { id: string; properties: Record<string, string> };

/**
 * Writes Leadscore's properties and owners to contacts with the batch update endpoint (100
 * contacts a call). Each contact gets its own result: properties the portal lacks, values an
 * enumeration no longer offers and read-only properties are left out with a warning; contacts
 * HubSpot reports as missing fail on their own; a batch HubSpot rejects as a whole for one bad
 * value is split until the bad record is found, so the others are still written.
 */
export class HubSpotSink implements LeadSink {
  readonly maxBatchSize = BATCH_LIMIT;
  private definitions: Promise<Map<string, PropertyDefinition>> | null = null;
  /** Calls made to the batch endpoint, for the writeback report. */
  calls = 0;

  constructor(private readonly api: HubSpotApi) {}

  async writeFieldUpdates(updates: FieldUpdate[]): Promise<WriteResult[]> {
    const defs = await this.properties();
    const results = new Map<string, WriteResult>();
    const inputs: Input[] = [];
    for (const update of updates) {
      const warnings: string[] = [];
      const properties: Record<string, string> = {};
      for (const [name, value] of Object.entries(update.fields)) {
        const fitted = fit(name, value, defs.get(name), warnings);
        if (fitted !== undefined) properties[name] = fitted;
      }
      results.set(update.leadId, { leadId: update.leadId, ok: true, ...(warnings.length ? { warnings } : {}) });
      inputs.push({ id: update.leadId, properties });
    }
    await this.write(inputs, results);
    return updates.map((u) => results.get(u.leadId)!);
  }

  async changeOwners(changes: OwnerChange[]): Promise<WriteResult[]> {
    const results = new Map<string, WriteResult>(changes.map((c) => [c.leadId, { leadId: c.leadId, ok: true }]));
    await this.write(changes.map((c) => ({ id: c.leadId, properties: { hubspot_owner_id: c.ownerId } })), results);
    return changes.map((c) => results.get(c.leadId)!);
  }

  /** Follow-up tasks on the contacts (see tasks.ts: a task tried before is looked up first). */
  createTasks(tasks: TaskToCreate[]): Promise<TaskResult[]> {
    return createHubSpotTasks(this.api, tasks, BATCH_LIMIT, () => this.calls++);
  }

  /** The portal's contact properties, read once per sink (a writeback run). */
  private properties(): Promise<Map<string, PropertyDefinition>> {
    this.definitions ??= contactProperties(this.api);
    this.definitions.catch(() => (this.definitions = null));
    return this.definitions;
  }

  private async write(inputs: Input[], results: Map<string, WriteResult>): Promise<void> {
    for (let i = 0; i < inputs.length; i += BATCH_LIMIT) {
      const batch = inputs.slice(i, i + BATCH_LIMIT);
      try {
        await this.update(batch, results);
      } catch (err) {
        // Rate limit or outage after the retries: this and the later batches wait for the next run.
        if (!isLeadscoreError(err) || err.code === 'CRM_AUTH_REVOKED' || err.code === 'CRM_AUTH_FAILED') throw err;
        for (const input of inputs.slice(i)) fail(results, input.id, err.code, err.message, true);
        return;
      }
    }
  }

  /** One batch update; a whole-batch validation error is bisected down to the records at fault. */
  private async update(batch: Input[], results: Map<string, WriteResult>): Promise<void> {
    let answer: BatchAnswer;
    try {
      this.calls++;
      answer = (await this.api.send('the contact batch update', { method: 'POST', path: '/crm/v3/objects/contacts/batch/update', body: { inputs: batch } })) as BatchAnswer;
    } catch (err) {
      if (!(err instanceof HubSpotRequestError) || err.status !== 400) throw err;
      if (batch.length === 1) {
        fail(results, batch[0]!.id, err.category ?? 'VALIDATION_ERROR', err.body?.message ?? err.message, false);
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await this.update(batch.slice(0, half), results);
      await this.update(batch.slice(half), results);
      return;
    }
    // 207: some records failed, named by id in each error's context.
    for (const error of answer?.errors ?? []) {
      for (const id of error.context?.ids ?? []) fail(results, id, error.category ?? 'ERROR', error.message ?? 'HubSpot did not say why', false);
    }
  }
}

function fail(results: Map<string, WriteResult>, id: string, code: string, message: string, retryable: boolean): void {
  if (!results.has(id)) return;
  results.set(id, { leadId: id, ok: false, error: { code, message: `contact ${id}: ${message}`, retryable } });
}

/** A value as the property takes it (text), or undefined to leave the property out, with the reason. */
function fit(name: string, value: FieldValue, def: PropertyDefinition | undefined, warnings: string[]): string | undefined {
  if (!def) {
    warnings.push(`the contact property ${name} does not exist in this portal; left out`);
    return undefined;
  }
  if (def.modificationMetadata?.readOnlyValue) {
    warnings.push(`the contact property ${name} is read-only in this portal; left out`);
    return undefined;
  }
  if (value === null) return '';
  if (value instanceof Date) return def.type === 'date' ? value.toISOString().slice(0, 10) : value.toISOString();
  const textValue = String(value);
  if (def.type === 'enumeration') {
    const options = (def.options ?? []).filter((o) => !o.hidden).map((o) => o.value);
    if (!options.includes(textValue)) {
      warnings.push(`${name}: "${textValue}" is not an option of the property in this portal (options: ${options.join(', ') || 'none'}); left out, connect again to restore the options`);
      return undefined;
    }
  }
  if (textValue.length > TEXT_LIMIT) {
    warnings.push(`${name}: ${textValue.length} characters cut to HubSpot's ${TEXT_LIMIT}`);
    return `${textValue.slice(0, TEXT_LIMIT - 1)}…`;
  }
  return textValue;
}
