import { isLeadscoreError, type ErrorCode } from '../domain/index.js';

/** Exit codes scripts can rely on; the README lists them. */
export const EXIT = {
  ok: 0,
  /** Something unexpected: a bug, or the machine (disk full, out of memory). */
  internal: 1,
  /** Wrong arguments or configuration. */
  usage: 2,
  /** The import ran; some rows were rejected (listed in the report), every valid row is in. */
  rejectedRows: 3,
  /** The input cannot be read at all: no such folder, no bundle files in it. */
  inputUnusable: 4,
  /** The database cannot be used: locked by another process, unreachable, or its migration failed. */
  database: 5,
  /** The CRM refused or failed: not configured, authorization revoked, API limit reached. */
  crm: 6,
} as const;

const BY_CODE: Partial<Record<ErrorCode, number>> = {
  CONFIG_INVALID: EXIT.usage,
  USAGE: EXIT.usage,
  INPUT_INVALID: EXIT.inputUnusable,
  INPUT_NOT_FOUND: EXIT.inputUnusable,
  DATABASE_LOCKED: EXIT.database,
  DATABASE_UNAVAILABLE: EXIT.database,
  MIGRATION_FAILED: EXIT.database,
  CRM_NOT_CONFIGURED: EXIT.crm,
  CRM_AUTH_FAILED: EXIT.crm,
  CRM_AUTH_REVOKED: EXIT.crm,
  CRM_REQUEST_FAILED: EXIT.crm,
  CRM_LIMIT_REACHED: EXIT.crm,
};

export function exitCodeFor(err: unknown): number {
  return isLeadscoreError(err) ? (BY_CODE[err.code] ?? EXIT.internal) : EXIT.internal;
}
