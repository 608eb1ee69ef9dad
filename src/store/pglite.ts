import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable, Transaction } from './db.js';

function wrap(target: Pick<PGlite, 'query'>): Queryable {
  return {
    async query<Row>(sql: string, params?: readonly unknown[]) {
      const result = await target.query<Row>(sql, params as unknown[] | undefined);
      return result.rows;
    },
  };
}

/**
 * PGlite in this process. Its queries already wait for an open transaction to finish, so a
 * transaction never sees statements from another caller.
 * `dataDir` null keeps everything in memory (tests).
 */
export async function openPglite(dataDir: string | null): Promise<Database> {
  const pg = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  return pgliteDatabase(pg, dataDir ?? 'memory');
}

/** The Database interface over a PGlite instance already open (tests use clones of a template). */
export function pgliteDatabase(pg: PGlite, location: string): Database {
  const plain = wrap(pg);
  return {
    kind: 'embedded',
    location,
    query: plain.query,
    transaction: (fn) =>
      pg.transaction((tx) => {
        const inner: Transaction = {
          ...wrap(tx),
          exec: async (sql) => {
            await tx.exec(sql);
          },
        };
        return fn(inner);
      }),
    exec: async (sql) => {
      await pg.exec(sql);
    },
    executeSql: async (sql, params) => {
      if (params && params.length > 0) return { rows: (await pg.query(sql, params as unknown[])).rows };
      const results = await pg.exec(sql);
      return { rows: results.at(-1)?.rows ?? [] };
    },
    close: () => pg.close(),
  };
}
