import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LeadscoreError, type Activity, type Lead, type LeadSource, type Outcome, type ReadBatch } from '../../src/domain/index.js';
import { CsvReader, type CsvItem } from '../shared/csv.js';
import { activitiesFile, leadsFile, normalizeHeader, outcomesFile, type FileSpec } from './format.js';

export interface FileProgress {
  file: string;
  bytesRead: number;
  totalBytes: number;
}

export interface BundleReaderOptions {
  dir: string;
  /** Records per batch handed to the caller. */
  batchSize?: number;
  onProgress?: (progress: FileProgress) => void;
}

/** What the reader found in a file's header, for the import report. */
export interface HeaderNotes {
  file: string;
  /** Known optional columns that are not in the header: their values are taken as blank. */
  missingOptional: string[];
  /** Columns that are neither known nor kept. */
  ignored: string[];
  /** Columns kept as custom lead attributes. */
  attributes: string[];
}

/**
 * Reads a CSV bundle folder (leads.csv, activities.csv, outcomes.csv) as a lead source. Files are
 * streamed: only one batch of records is in memory at a time, plus, for files where an id may
 * appear once, a fingerprint per id to tell a repeated delivery from a conflicting row.
 */
export class FileBundleSource implements LeadSource {
  readonly dir: string;
  private readonly batchSize: number;
  private readonly onProgress: ((progress: FileProgress) => void) | undefined;
  readonly headers: HeaderNotes[] = [];

  constructor(options: BundleReaderOptions) {
    this.dir = path.resolve(options.dir);
    this.batchSize = options.batchSize ?? 5000;
    this.onProgress = options.onProgress;
  }

  /** The bundle files that exist in the folder, with their sizes in bytes. */
  presentFiles(): Array<{ file: string; bytes: number }> {
    return [leadsFile, activitiesFile, outcomesFile].flatMap((spec) => {
      try {
        const stat = fs.statSync(path.join(this.dir, spec.file));
        return stat.isFile() ? [{ file: spec.file, bytes: stat.size }] : [];
      } catch {
        return [];
      }
    });
  }

  readLeads(): AsyncIterable<ReadBatch<Lead>> {
    return this.readFile(leadsFile);
  }

  readActivities(): AsyncIterable<ReadBatch<Activity>> {
    return this.readFile(activitiesFile);
  }

  readOutcomes(): AsyncIterable<ReadBatch<Outcome>> {
    return this.readFile(outcomesFile);
  }

  private async *readFile<T>(spec: FileSpec<T>): AsyncGenerator<ReadBatch<T>> {
    const file = path.join(this.dir, spec.file);
    let totalBytes: number;
    try {
      totalBytes = fs.statSync(file).size;
    } catch {
      return; // an absent file is not an error: a bundle may hold only some of them
    }
    const rows = new RowReader(spec);
    if (totalBytes === 0) {
      rows.problem(1, null, 'the file is empty; the first line must name the columns');
      yield* rows.flush(this.batchSize);
      return;
    }
    const stream = fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 16 });
    const csv = new CsvReader();
    try {
      await new Promise<void>((resolve, reject) => stream.once('ready', () => resolve()).once('error', reject));
    } catch (err) {
      throw new LeadscoreError('INPUT_INVALID', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      for await (const chunk of stream as AsyncIterable<string>) {
        rows.take(csv.push(chunk));
        this.onProgress?.({ file: spec.file, bytesRead: stream.bytesRead, totalBytes });
        if (rows.stopped) break;
        if (rows.pending >= this.batchSize) yield* rows.flush(this.batchSize);
      }
      if (!rows.stopped) rows.take(csv.end());
    } finally {
      stream.destroy();
    }
    if (!rows.sawHeader && !rows.stopped) rows.problem(1, null, 'the file has no header row; the first line must name the columns');
    if (rows.notes) this.headers.push(rows.notes);
    yield* rows.flush(this.batchSize);
  }
}

/** Turns CSV records of one file into validated domain records and rejections. */
class RowReader<T> {
  private batch: ReadBatch<T> = { records: [], rejections: [], duplicatesSkipped: 0, cursor: null };
  private columns: string[] = [];
  private attributeColumns: Array<{ index: number; name: string }> = [];
  private indexOf = new Map<string, number>();
  // About 100 bytes per distinct id: a 10M-lead file needs about 1 GB here, an activity file nothing.
  private seen = new Map<string, { line: number; fingerprint: number }>();
  sawHeader = false;
  stopped = false;
  notes: HeaderNotes | null = null;

  constructor(private readonly spec: FileSpec<T>) {}

  get pending(): number {
    return this.batch.records.length + this.batch.rejections.length;
  }

  /** What has been read so far, in batches of at most `size` records. */
  flush(size: number): ReadBatch<T>[] {
    const { records, rejections, duplicatesSkipped } = this.batch;
    this.batch = { records: [], rejections: [], duplicatesSkipped: 0, cursor: null };
    if (records.length === 0 && rejections.length === 0 && duplicatesSkipped === 0) return [];
    const batches: ReadBatch<T>[] = [{ records: records.slice(0, size), rejections, duplicatesSkipped, cursor: null }];
    for (let i = size; i < records.length; i += size) {
      batches.push({ records: records.slice(i, i + size), rejections: [], duplicatesSkipped: 0, cursor: null });
    }
    return batches;
  }

  problem(line: number, column: string | null, reason: string): void {
    this.batch.rejections.push({ file: this.spec.file, line, column, reason });
  }

  take(items: CsvItem[]): void {
    for (const item of items) {
      if (this.stopped) return;
      if (item.kind === 'problem') {
        const column = item.fieldIndex !== null ? (this.columns[item.fieldIndex] ?? null) : null;
        this.problem(item.line, column, item.reason);
      } else if (!this.sawHeader) {
        this.sawHeader = true;
        this.readHeader(item.fields);
      } else {
        this.readRow(item.fields, item.line);
      }
    }
  }

  private stop(column: string | null, reason: string): void {
    this.problem(1, column, `${reason}; no row of ${this.spec.file} was read`);
    this.stopped = true;
  }

  private readHeader(fields: string[]): void {
    const raw = fields.map((f) => f.trim());
    if (raw.some((f) => f.includes('\u0000'))) {
      return this.stop(null, 'the file is not UTF-8 text (it looks like UTF-16); save it as CSV UTF-8');
    }
    if (raw.length === 1) {
      for (const [char, name] of [[';', 'semicolons'], ['\t', 'tabs'], ['|', 'pipes']] as const) {
        if (raw[0]!.includes(char)) {
          return this.stop(null, `the columns are separated by ${name}, not commas; export the file as comma-separated CSV`);
        }
      }
    }
    this.columns = raw.map(normalizeHeader);
    const firstAt = new Map<string, number>();
    for (const [i, name] of this.columns.entries()) {
      if (name === '') return this.stop(null, `column ${i + 1} of the header has no name`);
      const earlier = firstAt.get(name);
      if (earlier !== undefined) {
        return this.stop(name, `the column "${name}" appears twice in the header (columns ${earlier + 1} and ${i + 1})`);
      }
      firstAt.set(name, i);
    }
    const missing = this.spec.required.filter((c) => !firstAt.has(c));
    if (missing.length > 0) {
      const list = missing.map((c) => `"${c}"`).join(', ');
      return this.stop(missing[0]!, `the header lacks the required column${missing.length > 1 ? 's' : ''} ${list}`);
    }
    const known = new Set(this.spec.columns);
    this.indexOf = firstAt;
    const extras = this.columns.flatMap((name, index) => (known.has(name) ? [] : [{ index, name: raw[index]! }]));
    if (this.spec.keepsExtraColumns) this.attributeColumns = extras;
    this.notes = {
      file: this.spec.file,
      missingOptional: this.spec.columns.filter((c) => !firstAt.has(c)),
      ignored: this.spec.keepsExtraColumns ? [] : extras.map((e) => e.name),
      attributes: this.spec.keepsExtraColumns ? extras.map((e) => e.name) : [],
    };
  }

  private readRow(fields: string[], line: number): void {
    if (fields.length !== this.columns.length) {
      const hint = fields.length > this.columns.length ? ' (a value with a comma must be in double quotes)' : '';
      return this.problem(line, null, `the row has ${fields.length} values but the header has ${this.columns.length} columns${hint}`);
    }
    const values: Record<string, string> = {};
    for (const column of this.spec.columns) {
      const index = this.indexOf.get(column);
      values[column] = index === undefined ? '' : fields[index]!;
    }
    const parsed = this.spec.row.safeParse(values);
    if (!parsed.success) {
      const [first, ...rest] = parsed.error.issues;
      const column = String(first!.path[0]);
      const also = rest.map((i) => `${String(i.path[0])} ${i.message}`);
      return this.problem(line, column, `${column} ${first!.message}${also.length ? `; also ${also.join('; ')}` : ''}`);
    }
    const extra: Record<string, string> = {};
    for (const { index, name } of this.attributeColumns) {
      const value = fields[index]!.trim();
      if (value !== '') extra[name] = value;
    }
    const record = this.spec.toRecord(parsed.data, extra);
    if (this.spec.identity && !this.isFirstDelivery(record, this.spec.identity(record), line)) return;
    this.batch.records.push({ value: record, position: { file: this.spec.file, line } });
  }

  /** A repeat of an earlier row with the same values is dropped; with other values it is rejected. */
  private isFirstDelivery(record: T, id: string, line: number): boolean {
    const fingerprint = createHash('sha1').update(JSON.stringify(record)).digest().readUInt32BE(0);
    const earlier = this.seen.get(id);
    if (!earlier) {
      this.seen.set(id, { line, fingerprint });
      return true;
    }
    if (earlier.fingerprint === fingerprint) {
      this.batch.duplicatesSkipped++;
      return false;
    }
    const column = this.spec.required[0]!;
    this.problem(line, column, `${column} "${id}" is already on line ${earlier.line} with different values; keep one row per ${column}`);
    return false;
  }
}

