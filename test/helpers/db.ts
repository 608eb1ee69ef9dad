import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { migrate, openPostgres, pgliteDatabase, type Database } from '../../src/store/index.js';

/** One migrated PGlite per test process; each test gets a clone (much faster than a new start). */
let template: Promise<PGlite> | null = null;

function migratedTemplate(): Promise<PGlite> {
  template ??= (async () => {
    const pg = await PGlite.create();
    await migrate(pgliteDatabase(pg, 'memory'));
    return pg;
  })();
  return template;
}

/**
 * A fresh, migrated database for one test: PGlite in memory, or, when TEST_DATABASE_URL is set
 * (CI does), a schema of its own on that Postgres server, dropped again by `close`.
 */
export async function openTestDatabase(): Promise<Database> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    const clone = (await (await migratedTemplate()).clone()) as PGlite;
    return pgliteDatabase(clone, 'memory');
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const db = openPostgres({ url, poolSize: 4, ssl: 'off', searchPath: schema });
  await migrate(db);
  return {
    ...db,
    close: async () => {
      await db.close();
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query(`DROP SCHEMA ${schema} CASCADE`);
      await cleanup.end();
    },
  };
}

export const onServer = (): boolean => Boolean(process.env.TEST_DATABASE_URL);
