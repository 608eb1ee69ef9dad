/**
 * Benchmarks. `npm run bench -- import [--leads N]` (also `npm run bench:import`).
 * Figures are reported against references measured in the same run, never as absolute targets.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { generateBundle } from '../src/synthetic/index.js';
import { benchApi } from './api.js';
import { benchRescore } from './rescore.js';
import { benchRetrain } from './retrain.js';
import { benchSalesforce } from './salesforce.js';
import { benchWriteback } from './writeback.js';
import { benchHubspot } from './hubspot.js';
import { benchDrift } from './drift.js';

const here = import.meta.dirname;
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { leads: { type: 'string' }, seed: { type: 'string' }, repeat: { type: 'string' }, 'skip-server': { type: 'boolean' } },
});

interface Run {
  mode: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMB: number;
}

function measure(...args: string[]): Run {
  const out = execFileSync(process.execPath, [path.join(here, 'import-run.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Run;
}

/** psql's \copy of the raw files into bare text tables: the fastest a server load can go. */
function copyReference(url: string, dir: string): Run | null {
  if (spawnSync('psql', ['--version']).status !== 0) return null;
  const sql = `CREATE TABLE ref_leads (l text); CREATE TABLE ref_acts (a text);`;
  execFileSync('psql', [url, '-qc', sql]);
  const started = performance.now();
  let rows = 0;
  for (const [file, table] of [['leads.csv', 'ref_leads'], ['activities.csv', 'ref_acts']] as const) {
    // One text column per line: measures moving the bytes into Postgres, nothing else.
    const out = execFileSync('psql', [url, '-qtc', `\\copy ${table} FROM '${path.join(dir, file)}' WITH (FORMAT text, DELIMITER E'\\x01')`, '-c', `SELECT count(*) FROM ${table}`], { encoding: 'utf8' });
    rows += Number(out.trim().split('\n').at(-1));
  }
  const seconds = (performance.now() - started) / 1000;
  return { mode: 'psql \\copy (reference)', rows, seconds, rowsPerSecond: rows / seconds, peakRssMB: NaN };
}

async function withDatabase<T>(base: string, fn: (url: string) => Promise<T> | T): Promise<T> {
  const name = `leadscore_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    return await fn(`${base}/${name}`);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function benchImport(): Promise<void> {
  const leads = Number(values.leads ?? 100_000);
  const seed = Number(values.seed ?? 1);
  const dir = path.resolve('.bench', `bundle-${leads}-${seed}`);
  if (!fs.existsSync(path.join(dir, 'truth.csv'))) {
    console.log(`generating ${leads} leads into ${dir} ...`);
    await generateBundle({ leads, seed, outDir: dir });
  }
  const runs: Run[] = [];
  const show = (r: Run) => {
    runs.push(r);
    const rss = Number.isNaN(r.peakRssMB) ? '' : `, peak RSS ${r.peakRssMB.toFixed(0)} MB`;
    console.log(`${r.mode.padEnd(28)} ${r.rows} rows in ${r.seconds.toFixed(1)} s = ${Math.round(r.rowsPerSecond)} rows/s${rss}`);
  };
  show(measure(dir, 'parse-only'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pglite-'));
  try {
    show({ ...measure(dir, 'embedded', dataDir), mode: 'PGlite import' });
    show({ ...measure(dir, 'embedded', dataDir), mode: 'PGlite re-import (no change)' });
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  if (!values['skip-server']) {
    const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432';
    await withDatabase(base, (url) => {
      show({ ...measure(dir, 'server', url), mode: 'Postgres import' });
      show({ ...measure(dir, 'server', url), mode: 'Postgres re-import' });
      const ref = copyReference(url, dir);
      if (ref) show(ref);
    });
  }
  const parse = runs[0]!.rowsPerSecond;
  const copy = runs.find((r) => r.mode.startsWith('psql'))?.rowsPerSecond;
  console.log('\nratios (same run):');
  for (const r of runs.slice(1)) {
    if (r.mode.startsWith('psql')) continue;
    const vsCopy = copy ? `, ${(r.rowsPerSecond / copy).toFixed(3)} x psql \\copy` : '';
    console.log(`  ${r.mode.padEnd(28)} ${(r.rowsPerSecond / parse).toFixed(3)} x parse-only${vsCopy}`);
  }
  fs.writeFileSync(path.resolve('.bench', 'import-results.json'), JSON.stringify({ leads, seed, cpus: os.cpus().length, runs }, null, 2));
}

const [command] = positionals;
const serverBase = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432';
if (command === 'import') await benchImport();
else if (command === 'rescore') {
  const result = await withDatabase(serverBase, (url) => benchRescore(url, Number(values.leads ?? 100_000), Number(values.seed ?? 1)));
  fs.writeFileSync(path.resolve('.bench', 'rescore-results.json'), JSON.stringify(result, null, 2));
} else if (command === 'retrain') {
  const result = await withDatabase(serverBase, (url) => benchRetrain(url, Number(values.leads ?? 100_000), Number(values.seed ?? 1)));
  fs.writeFileSync(path.resolve('.bench', 'retrain-results.json'), JSON.stringify(result, null, 2));
} else if (command === 'salesforce') {
  const result = await benchSalesforce(Number(values.leads ?? 100_000));
  fs.writeFileSync(path.resolve('.bench', 'salesforce-results.json'), JSON.stringify(result, null, 2));
} else if (command === 'writeback') {
  const result = await withDatabase(serverBase, (url) => benchWriteback(url, Number(values.leads ?? 100_000)));
  fs.writeFileSync(path.resolve('.bench', 'writeback-results.json'), JSON.stringify(result, null, 2));
} else if (command === 'hubspot') {
  const result = await benchHubspot(Number(values.leads ?? 100_000));
  fs.writeFileSync(path.resolve('.bench', 'hubspot-results.json'), JSON.stringify(result, null, 2));
} else if (command === 'drift') {
  const result = await withDatabase(serverBase, (url) => benchDrift(url, Number(values.leads ?? 20_000), Number(values.seed ?? 1)));
  fs.writeFileSync(path.resolve('.bench', 'drift-results.json'), JSON.stringify(result, null, 2));
} else if (command === 'api') {
  const result = await benchApi(Math.max(1, Number(values.repeat ?? 3) || 1));
  fs.mkdirSync(path.resolve('.bench'), { recursive: true });
  fs.writeFileSync(path.resolve('.bench', 'api-results.json'), JSON.stringify(result, null, 2));
} else {
  console.error('usage: npm run bench -- import|rescore|retrain|api|salesforce|hubspot|writeback|drift [--leads N] [--seed S] [--repeat N (api)] [--skip-server]');
  process.exitCode = 2;
}
