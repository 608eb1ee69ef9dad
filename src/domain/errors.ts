/**
 * Every error Leadscore raises on purpose carries a code, so callers (CLI exit codes, HTTP
 * status, retry decisions) branch on the code and never on message text.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'USAGE'
  | 'INPUT_INVALID'
  | 'INPUT_NOT_FOUND'
  | 'DATABASE_LOCKED'
  | 'DATABASE_UNAVAILABLE'
  | 'MIGRATION_FAILED'
  | 'NOT_FOUND'
  | 'CONNECTOR_UNKNOWN'
  | 'CONNECTOR_OPTIONS_INVALID'
  | 'SETTINGS_INVALID'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'MODEL_UNAVAILABLE'
  | 'CRM_NOT_CONFIGURED'
  | 'CRM_AUTH_FAILED'
  | 'CRM_AUTH_REVOKED'
  | 'CRM_REQUEST_FAILED'
  | 'CRM_LIMIT_REACHED';

export class LeadscoreError extends Error {
  readonly code: ErrorCode;
  /** For CRM_LIMIT_REACHED: how long the CRM asked us to wait (its Retry-After), when it said. */
  readonly retryAfterMs: number | null;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    this.name = 'LeadscoreError';
    this.code = code;
    this.retryAfterMs = options?.retryAfterMs ?? null;
  }
}

export function isLeadscoreError(err: unknown, code?: ErrorCode): err is LeadscoreError {
  return err instanceof LeadscoreError && (code === undefined || err.code === code);
}
