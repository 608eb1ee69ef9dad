import path from 'node:path';
import type { Config } from '../config/config.js';
import { LeadscoreError } from '../domain/index.js';
import type { Database } from './db.js';
import { lockDirectory } from './lock.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';

/**
 * Open the configured database. The embedded one is locked to this process for as long as it
 * is open; `command` names the process in the message a second one gets.
 */
export async function openDatabase(config: Config['database'], command: string): Promise<Database> {
  if (config.kind === 'server') {
    const db = openPostgres(config);
    try {
      await db.query('SELECT 1');
    } catch (err) {
      await db.close().catch(() => undefined);
      throw new LeadscoreError(
        'DATABASE_UNAVAILABLE',
        `cannot reach the Postgres server at ${db.location}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    return db;
  }
  // The lock sits beside PGlite's files, not among them.
  let lock: ReturnType<typeof lockDirectory>;
  try {
    lock = lockDirectory(path.dirname(config.dataDir), command);
  } catch (err) {
    if (err instanceof LeadscoreError) throw err;
    throw new LeadscoreError('DATABASE_UNAVAILABLE', `cannot use the data directory ${path.dirname(config.dataDir)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    const db = await openPglite(config.dataDir);
    return {
      ...db,
      close: async () => {
        try {
          await db.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (err) {
    lock.release();
    throw new LeadscoreError(
      'DATABASE_UNAVAILABLE',
      `cannot open the embedded database in ${config.dataDir}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}
