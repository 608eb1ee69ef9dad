import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/helpers/db.js';
import type { Database } from './db.js';
import { loadMigrations, migrate } from './migrate.js';

const open: Database[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
});

async function database(): Promise<Database> {
  const db = await openTestDatabase();
  open.push(db);
  return db;
}

function migrationsDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
  for (const [name, sql] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), sql);
  return dir;
}

describe('migrate', () => {
  it('applies the shipped migrations in order and records each one', async () => {
    const db = await database(); // already migrated once by the helper
    const rows = await db.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
    const shipped = loadMigrations();
    expect(rows.map((r) => r.version)).toEqual(shipped.map((m) => m.version));
    expect(shipped.map((m) => m.version)).toEqual([...shipped.map((m) => m.version)].sort((a, b) => a - b));
    expect(await migrate(db)).toEqual({ applied: [], version: shipped.at(-1)!.version });
  });

  it('applies only the new ones, in version order, on a later run', async () => {
    const db = await database();
    const base = loadMigrations();
    const extra = loadMigrations(
      migrationsDir({
        '9002_second.sql': 'ALTER TABLE m_probe ADD COLUMN b int;',
        '9001_first.sql': 'CREATE TABLE m_probe (tenant_id text, a int);\nINSERT INTO m_probe VALUES (\'t\', 1);',
      }),
    );
    const result = await migrate(db, [...base, ...extra]);
    expect(result.applied).toEqual([9001, 9002]);
    expect(await db.query('SELECT tenant_id, a, b FROM m_probe')).toEqual([{ tenant_id: 't', a: 1, b: null }]);
  });

  it('refuses a migration that changed after it was applied', async () => {
    const db = await database();
    const shipped = loadMigrations();
    const edited = shipped.map((m, i) => (i === 0 ? { ...m, checksum: 'different' } : m));
    await expect(migrate(db, edited)).rejects.toThrow(/001_init\.sql was changed after it was applied/);
  });

  it('applies nothing of a run whose migration fails, and names the file', async () => {
    const db = await database();
    const bad = loadMigrations(
      migrationsDir({ '9001_ok.sql': 'CREATE TABLE m_ok (tenant_id text);', '9002_bad.sql': 'CREATE TABLE m_bad (oops nosuchtype);' }),
    );
    await expect(migrate(db, [...loadMigrations(), ...bad])).rejects.toThrow(/9002_bad\.sql failed/);
    const rows = await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'm_ok'");
    expect(rows).toEqual([]);
    expect(await db.query('SELECT version FROM schema_migrations WHERE version > 9000')).toEqual([]);
  });

  it('refuses migration files that are not named NNN_name.sql', () => {
    expect(() => loadMigrations(migrationsDir({ 'init.sql': 'SELECT 1;' }))).toThrow(/init\.sql is not named NNN_name\.sql/);
  });
});
