import fs from 'node:fs';
import path from 'node:path';
import { ACTIVITY_COLUMNS, OUTCOME_COLUMNS } from '../../connectors/file/format.js';
import { isoSeconds, LEAD_HEADER, makeLead, type Timeline } from './lead.js';
import { Rng } from './random.js';

const DAY = 86_400_000;

export interface GenerateOptions {
  leads: number;
  seed: number;
  outDir: string;
  /** When the bundle is exported (default 2026-06-30T00:00:00Z); nothing after it is written. */
  exportAt?: Date;
  /**
   * A drift scenario instead of the built-in mid-year change: from `at` on, what predicts
   * conversion changes strongly (industries, demo requests versus trials) and new leads come from
   * other industries and sources (see README).
   */
  shift?: { at: Date };
  onProgress?: (leadsDone: number, leadsTotal: number) => void;
}

export interface GenerateSummary {
  leads: number;
  activities: number;
  /** Rows written, counting repeated deliveries. */
  leadRows: number;
  activityRows: number;
  outcomes: number;
  converted: number;
  open: number;
  exportAt: string;
  changeAt: string;
  files: string[];
}

export const DEFAULT_EXPORT_AT = new Date('2026-06-30T00:00:00Z');
const HISTORY_DAYS = 540;

/**
 * Write a synthetic CRM bundle (leads.csv, activities.csv, outcomes.csv) and, beside it,
 * truth.csv with each open lead's true probability and eventual outcome. The same options give
 * the same bytes. See src/synthetic/README.md for what the data models.
 */
export async function generateBundle(options: GenerateOptions): Promise<GenerateSummary> {
  const exportAt = (options.exportAt ?? DEFAULT_EXPORT_AT).getTime();
  if (options.shift && !(options.shift.at.getTime() > exportAt - HISTORY_DAYS * DAY && options.shift.at.getTime() < exportAt)) {
    throw new Error(`shift.at (${options.shift.at.toISOString()}) must fall inside the bundle's history, before the export time ${new Date(exportAt).toISOString()}`);
  }
  const timeline: Timeline = {
    exportAt,
    startAt: exportAt - HISTORY_DAYS * DAY,
    changeAt: options.shift ? options.shift.at.getTime() : exportAt - 182 * DAY,
    shiftAt: options.shift ? options.shift.at.getTime() : null,
    leads: options.leads,
    seed: options.seed,
  };
  fs.mkdirSync(options.outDir, { recursive: true });
  const leads = new CsvWriter(path.join(options.outDir, 'leads.csv'), LEAD_HEADER);
  const activities = new CsvWriter(path.join(options.outDir, 'activities.csv'), ACTIVITY_COLUMNS);
  const outcomes = new CsvWriter(path.join(options.outDir, 'outcomes.csv'), OUTCOME_COLUMNS);
  const truth = new CsvWriter(path.join(options.outDir, 'truth.csv'), ['lead_id', 'true_probability', 'eventually_converted']);
  // Repeated deliveries come from their own stream so they do not shift any lead's draws.
  const delivery = new Rng(options.seed, -1);
  const summary: GenerateSummary = {
    leads: options.leads,
    activities: 0,
    leadRows: 0,
    activityRows: 0,
    outcomes: 0,
    converted: 0,
    open: 0,
    exportAt: isoSeconds(exportAt),
    changeAt: isoSeconds(timeline.changeAt),
    files: ['leads.csv', 'activities.csv', 'outcomes.csv', 'truth.csv'],
  };

  try {
    for (let i = 0; i < options.leads; i++) {
      const lead = makeLead(timeline, i);
      const times = delivery.chance(0.003) ? 2 : 1;
      for (let k = 0; k < times; k++) await leads.write(lead.row);
      summary.leadRows += times;
      for (const e of lead.events) {
        const row = [lead.id, e.type, isoSeconds(e.at), e.channel, e.detail ?? ''];
        const copies = delivery.chance(0.015) ? 2 : 1;
        for (let k = 0; k < copies; k++) await activities.write(row);
        summary.activityRows += copies;
      }
      summary.activities += lead.events.length;
      if (lead.outcome) {
        const flag = delivery.chance(0.1) ? String(lead.outcome.converted) : lead.outcome.converted ? '1' : '0';
        await outcomes.write([lead.id, flag, isoSeconds(lead.outcome.at), lead.outcome.amount === null ? '' : String(lead.outcome.amount)]);
        summary.outcomes++;
        if (lead.outcome.converted) summary.converted++;
      } else {
        await truth.write([lead.id, lead.probability.toFixed(6), lead.eventuallyConverted ? '1' : '0']);
        summary.open++;
      }
      if ((i + 1) % 1000 === 0) options.onProgress?.(i + 1, options.leads);
    }
    options.onProgress?.(options.leads, options.leads);
  } finally {
    await Promise.all([leads.close(), activities.close(), outcomes.close(), truth.close()]);
  }
  return summary;
}

/** Writes CSV rows through a buffer, waiting when the disk is slower than the generator. */
class CsvWriter {
  private readonly stream: fs.WriteStream;
  private buffer = '';

  constructor(file: string, header: readonly string[]) {
    this.stream = fs.createWriteStream(file);
    this.buffer = csvLine(header);
  }

  async write(fields: readonly string[]): Promise<void> {
    this.buffer += csvLine(fields);
    if (this.buffer.length < 1 << 16) return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.stream.write(chunk)) await new Promise<void>((resolve) => this.stream.once('drain', resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stream.end(this.buffer, () => resolve());
      this.stream.once('error', reject);
    });
  }
}

function csvLine(fields: readonly string[]): string {
  return fields.map((f) => (/[",\n\r]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',') + '\n';
}
