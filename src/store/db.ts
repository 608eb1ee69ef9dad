/**
 * The one query interface over both back ends: PGlite embedded in the process, or a Postgres
 * server through a `pg` pool. SQL is Postgres either way.
 */
export interface Queryable {
  /** Run one parameterised statement ($1, $2, ...) and return its rows. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

/** A connection inside a transaction; `exec` runs a script of several statements without parameters. */
export interface Transaction extends Queryable {
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'embedded' | 'server';
  /** Where the data lives, for messages: a directory or a URL without its password. */
  readonly location: string;
  /** Run `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Run a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * For pg-boss: one statement with parameters, or a script without; the rows of the last
   * statement. The job queue shares the app's connection (and so PGlite) this way.
   */
  executeSql(sql: string, params?: readonly unknown[]): Promise<{ rows: unknown[] }>;
  close(): Promise<void>;
}
