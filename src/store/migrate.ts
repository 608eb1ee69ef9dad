import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LeadscoreError } from '../domain/index.js';
import type { Database } from './db.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  file: string;
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** Migrations are plain SQL files named `NNN_name.sql`, applied in version order. */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.sql'));
  const migrations = files.map((file) => {
    const match = /^(\d+)_([a-z0-9_]+)\.sql$/.exec(file);
    if (!match) throw new LeadscoreError('MIGRATION_FAILED', `migration file ${file} is not named NNN_name.sql`);
    const sql = fs.readFileSync(`${dir}/${file}`, 'utf8');
    return {
      file,
      version: Number(match[1]),
      name: match[2]!,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    };
  });
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new LeadscoreError('MIGRATION_FAILED', `two migrations share version ${migrations[i]!.version}`);
    }
  }
  return migrations;
}

export interface MigrationResult {
  applied: number[];
  version: number;
}

// Any fixed number: it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK_KEY = 72_917_001;

/**
 * Apply every migration not yet recorded, all in one transaction with their records. A
 * migration already applied whose file has since changed stops everything: history is not
 * rewritten silently.
 */
export async function migrate(db: Database, migrations = loadMigrations()): Promise<MigrationResult> {
  const applied: number[] = [];
  await db.transaction(async (tx) => {
    // Two processes starting at once (web and worker) must not both apply the same file.
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = await tx.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    const byVersion = new Map(done.map((row) => [row.version, row]));
    for (const migration of migrations) {
      const recorded = byVersion.get(migration.version);
      if (recorded) {
        if (recorded.checksum !== migration.checksum) {
          throw new LeadscoreError(
            'MIGRATION_FAILED',
            `migration ${migration.file} was changed after it was applied; add a new migration instead`,
          );
        }
        continue;
      }
      try {
        await tx.exec(migration.sql);
        await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
      } catch (err) {
        throw new LeadscoreError(
          'MIGRATION_FAILED',
          `migration ${migration.file} failed: ${(err as Error).message}`,
          { cause: err },
        );
      }
      applied.push(migration.version);
    }
  });
  const version = migrations.at(-1)?.version ?? 0;
  return { applied, version };
}
