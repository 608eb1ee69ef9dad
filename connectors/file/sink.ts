import fs from 'node:fs';
import path from 'node:path';
import type { FieldUpdate, FieldValue, LeadSink, OwnerChange, TaskResult, TaskToCreate, WriteResult } from '../../src/domain/index.js';

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
function csvField(value: FieldValue | number | undefined): string {
  if (value === null || value === undefined) return '';
  const text = value instanceof Date ? value.toISOString() : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Writes back to a folder, for tenants whose leads come from a CSV bundle: each write is a line
 * appended to `field-updates.csv` (owner changes to `owner-changes.csv`) with the score version,
 * so the whole path runs with no CRM. A replay after a crash appends the same values again:
 * the line with the highest score_version of a lead is its current score.
 */
export class FileBundleSink implements LeadSink {
  readonly maxBatchSize = 1000;

  constructor(
    private readonly dir: string,
    /** Column order of the field updates (the tenant's field names). */
    private readonly fields: readonly string[],
  ) {}

  async writeFieldUpdates(updates: FieldUpdate[]): Promise<WriteResult[]> {
    const file = path.join(this.dir, 'field-updates.csv');
    const header = ['lead_id', 'score_version', 'written_at', ...this.fields].join(',');
    const now = new Date().toISOString();
    const lines = updates.map((u) => [csvField(u.leadId), String(u.scoreVersion), now, ...this.fields.map((f) => csvField(u.fields[f]))].join(','));
    await this.append(file, header, lines);
    return updates.map((u) => ({ leadId: u.leadId, ok: true }));
  }

  async changeOwners(changes: OwnerChange[]): Promise<WriteResult[]> {
    const now = new Date().toISOString();
    await this.append(path.join(this.dir, 'owner-changes.csv'), 'lead_id,owner_id,rule,written_at', changes.map((c) => [c.leadId, c.ownerId, c.rule, now].map(csvField).join(',')));
    return changes.map((c) => ({ leadId: c.leadId, ok: true }));
  }

  /** Follow-up tasks to `tasks.csv`, one line per task key: a task tried before is not appended twice. */
  async createTasks(tasks: TaskToCreate[]): Promise<TaskResult[]> {
    const file = path.join(this.dir, 'tasks.csv');
    const known = tasks.some((t) => t.triedBefore) ? await this.keysIn(file) : new Set<string>();
    const fresh = tasks.filter((t) => !known.has(t.key));
    const now = new Date().toISOString();
    await this.append(
      file,
      'task_key,lead_id,owner_id,subject,description,due_at,priority,rule,written_at',
      fresh.map((t) => [t.key, t.leadId, t.ownerId, t.subject, t.description, t.dueAt, t.priority, t.rule, now].map(csvField).join(',')),
    );
    return tasks.map((t) => ({ leadId: t.leadId, ok: true, taskId: t.key }));
  }

  /** Task keys already in the file (the first column; keys never hold commas or quotes). */
  private async keysIn(file: string): Promise<Set<string>> {
    const text = await fs.promises.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? '' : Promise.reject(err)));
    return new Set(text.split('\n').slice(1).map((line) => line.slice(0, line.indexOf(','))).filter(Boolean));
  }

  /** Lines are flushed to disk before the writes count as sent. */
  private async append(file: string, header: string, lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    await fs.promises.mkdir(this.dir, { recursive: true });
    const handle = await fs.promises.open(file, 'a');
    try {
      const { size } = await handle.stat();
      await handle.appendFile((size === 0 ? `${header}\n` : '') + lines.map((l) => `${l}\n`).join(''));
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
