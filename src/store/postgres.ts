import pg from 'pg';
import type { Database, Transaction } from './db.js';
import { redactUrl } from '../config/config.js';

export interface ServerOptions {
  url: string;
  poolSize: number;
  ssl: 'off' | 'no-verify' | 'verify';
  /** Extra `SET` options for every connection, e.g. a search_path for test isolation. */
  searchPath?: string;
}

/** A Postgres server through a `pg` pool. */
export function openPostgres(options: ServerOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    ssl: options.ssl === 'off' ? false : { rejectUnauthorized: options.ssl === 'verify' },
    ...(options.searchPath ? { options: `-c search_path=${options.searchPath}` } : {}),
  });
  // An idle client losing its server (restart, failover) must not crash the process; the
  // pool replaces it on the next checkout.
  pool.on('error', () => undefined);

  const run = async <Row>(client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]) => {
    const result = await client.query(sql, params as unknown[] | undefined);
    return result.rows as Row[];
  };

  return {
    kind: 'server',
    location: redactUrl(options.url),
    query: (sql, params) => run(pool, sql, params),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const tx: Transaction = {
          query: (sql, params) => run(client, sql, params),
          exec: async (sql) => {
            await client.query(sql);
          },
        };
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async executeSql(sql, params) {
      const result = (await pool.query(sql, params as unknown[] | undefined)) as pg.QueryResult | pg.QueryResult[];
      return { rows: (Array.isArray(result) ? result.at(-1)?.rows : result.rows) ?? [] };
    },
    close: () => pool.end(),
  };
}
