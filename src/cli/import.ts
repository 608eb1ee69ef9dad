import fs from 'node:fs';
import path from 'node:path';
import { FileBundleSource, type HeaderNotes } from '../../connectors/file/index.js';
import type { Config } from '../config/config.js';
import { LeadscoreError, type Rejection, type TenantId } from '../domain/index.js';
import { SHIPPED_DEFAULT_MODEL } from '../scoring/model-source.js';
import { tenantModelSource } from '../learning/model-source.js';
import { rescore } from '../scoring/rescore.js';
import { ensureTenant, migrate, openDatabase } from '../store/index.js';
import { recordedImport, type ImportResult, type StreamName } from '../sync/index.js';
import { EXIT } from './exit.js';
import { ProgressBar } from './progress.js';

const FILES: Record<StreamName, string> = { leads: 'leads.csv', activities: 'activities.csv', outcomes: 'outcomes.csv' };

export interface FileReport {
  present: boolean;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  attributeColumns: string[];
  ignoredColumns: string[];
  missingOptionalColumns: string[];
}

/** The report `import --json` prints, and what the human summary is written from. */
export interface ImportReport {
  ok: boolean;
  tenant: string;
  source: string;
  importId: number;
  durationMs: number;
  files: Record<string, FileReport>;
  rejections: Rejection[];
  /** Rejected rows beyond those listed (only counted, to bound memory). */
  rejectionsNotListed: number;
  /** Open leads the import added or changed, rescored right after it (null with --no-score). */
  scoring: { leads: number; changed: number; writeJobs: number; modelVersion: string | null } | null;
}

export async function runImport(
  config: Config,
  args: { dir: string; tenant: TenantId; json: boolean; score?: boolean },
  out: (text: string) => void,
): Promise<number> {
  const dir = path.resolve(args.dir);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new LeadscoreError('INPUT_NOT_FOUND', `${dir} is not a folder; --data names a folder holding leads.csv, activities.csv and/or outcomes.csv`);
  }
  const progress = new ProgressBar('import');
  const order = Object.values(FILES);
  const source = new FileBundleSource({
    dir,
    onProgress: (p) => {
      const before = present.filter((f) => order.indexOf(f.file) < order.indexOf(p.file)).reduce((s, f) => s + f.bytes, 0);
      progress.update(before + p.bytesRead, totalBytes, p.file);
    },
  });
  // Progress counts bytes across the files in the order they are read.
  const present = source.presentFiles();
  const totalBytes = present.reduce((s, f) => s + f.bytes, 0);
  if (present.length === 0) {
    throw new LeadscoreError('INPUT_NOT_FOUND', `${dir} holds none of leads.csv, activities.csv, outcomes.csv`);
  }

  const startedAt = Date.now();
  const db = await openDatabase(config.database, `leadscore import ${dir}`);
  try {
    await migrate(db);
    await ensureTenant(db, args.tenant, args.tenant);
    const result = await recordedImport(db, args.tenant, dir, source);
    progress.done();
    let scoring: ImportReport['scoring'] = null;
    if (args.score !== false && result.changedLeadIds.size > 0) {
      // New data rescores the leads it touched, as a sync does.
      const models = tenantModelSource(db, config.dataDir, { defaultDir: SHIPPED_DEFAULT_MODEL });
      try {
        const done = await rescore(db, models, args.tenant, { ids: [...result.changedLeadIds] });
        scoring = { leads: done.leads, changed: done.changed, writeJobs: done.writes, modelVersion: (await models.forTenant(args.tenant))?.manifest.version ?? null };
      } finally {
        await models.close();
      }
    }
    const report = buildReport(result, scoring, {
      tenant: args.tenant,
      source: dir,
      durationMs: Date.now() - startedAt,
      present: new Set(present.map((f) => f.file)),
      headers: source.headers,
    });
    out(args.json ? JSON.stringify(report, null, 2) + '\n' : humanReport(report));
    return report.ok ? EXIT.ok : EXIT.rejectedRows;
  } finally {
    progress.done();
    await db.close();
  }
}

function buildReport(
  result: ImportResult & { importId: number },
  scoring: ImportReport['scoring'],
  context: { tenant: string; source: string; durationMs: number; present: Set<string>; headers: HeaderNotes[] },
): ImportReport {
  const files: Record<string, FileReport> = {};
  for (const [stream, file] of Object.entries(FILES) as Array<[StreamName, string]>) {
    const s = result.streams[stream];
    const notes = context.headers.find((h) => h.file === file);
    files[file] = {
      present: context.present.has(file),
      rows: s.inserted + s.updated + s.unchanged + s.rejected,
      inserted: s.inserted,
      updated: s.updated,
      unchanged: s.unchanged,
      rejected: s.rejected,
      attributeColumns: notes?.attributes ?? [],
      ignoredColumns: notes?.ignored ?? [],
      missingOptionalColumns: notes?.missingOptional ?? [],
    };
  }
  const rejected = Object.values(files).reduce((n, f) => n + f.rejected, 0);
  return {
    ok: rejected === 0,
    tenant: context.tenant,
    source: context.source,
    importId: result.importId,
    durationMs: context.durationMs,
    files,
    rejections: result.rejections,
    rejectionsNotListed: result.rejectionsNotListed,
    scoring,
  };
}

const SHOWN_REJECTIONS = 20;

export function humanReport(report: ImportReport): string {
  const lines: string[] = [];
  lines.push(`Imported ${report.source} into tenant "${report.tenant}" in ${(report.durationMs / 1000).toFixed(1)} s`);
  const head = ['file', 'rows', 'inserted', 'updated', 'unchanged', 'rejected'];
  const table = Object.entries(report.files).map(([file, f]) =>
    f.present ? [file, f.rows, f.inserted, f.updated, f.unchanged, f.rejected].map(String) : [file, 'not in the bundle', '', '', '', ''],
  );
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => (r[i]!.length > 20 ? 0 : r[i]!.length))));
  const fmt = (r: string[]) => '  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  lines.push(fmt(head));
  for (const r of table) lines.push(r[1] === 'not in the bundle' ? `  ${r[0]!.padEnd(widths[0]!)}  not in the bundle` : fmt(r));
  for (const [file, f] of Object.entries(report.files)) {
    if (f.attributeColumns.length) lines.push(`  ${file}: kept as custom attributes: ${f.attributeColumns.join(', ')}`);
    if (f.ignoredColumns.length) lines.push(`  ${file}: ignored columns: ${f.ignoredColumns.join(', ')}`);
  }
  if (report.scoring) {
    const s = report.scoring;
    lines.push(`Scored ${s.leads} open lead${s.leads === 1 ? '' : 's'} the import added or changed (model ${s.modelVersion ?? 'none'}): ${s.changed} score${s.changed === 1 ? '' : 's'} changed, ${s.writeJobs} CRM write job${s.writeJobs === 1 ? '' : 's'} queued.`);
  }
  const total = Object.values(report.files).reduce((n, f) => n + f.rejected, 0);
  if (total === 0) {
    lines.push('No row was rejected.');
  } else {
    lines.push(`${total} row${total === 1 ? ' was' : 's were'} rejected; every other row was imported:`);
    for (const r of report.rejections.slice(0, SHOWN_REJECTIONS)) {
      lines.push(`  ${r.file}:${r.line}${r.column ? ` [${r.column}]` : ''} ${r.reason}`);
    }
    if (total > SHOWN_REJECTIONS) lines.push(`  ... and ${total - SHOWN_REJECTIONS} more; run with --json to list them all`);
  }
  return lines.join('\n') + '\n';
}
