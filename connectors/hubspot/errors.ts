import { LeadscoreError, type ErrorCode } from '../../src/domain/index.js';

/** HubSpot's error body: {status: "error", message, category, correlationId, errors?, policyName?}. */
export interface HubSpotErrorBody {
  status?: string;
  message?: string;
  category?: string;
  correlationId?: string;
  policyName?: string;
  errorType?: string;
  errors?: Array<{ message?: string; context?: Record<string, unknown> }>;
  context?: Record<string, unknown>;
}

/**
 * A refused or failed HubSpot call, as a coded error that also keeps what the sink needs to
 * decide per record: the HTTP status and HubSpot's error category.
 */
export class HubSpotRequestError extends LeadscoreError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly status: number,
    readonly category: string | null,
    readonly body: HubSpotErrorBody | null,
  ) {
    super(code, message);
    this.name = 'HubSpotRequestError';
  }
}

/**
 * Why a request got no answer, without the URL node-fetch puts in its message: the access token
 * lookup carries the token in its path, and no token may reach a message or a log line.
 */
export function networkReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/request to \S+ failed, reason: /, '');
}

export function parseErrorBody(text: string): HubSpotErrorBody | null {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as HubSpotErrorBody) : null;
  } catch {
    return null;
  }
}

/**
 * Vendor errors become coded errors where they enter: 401 means the grant or token no longer
 * works (the connection needs a reconnect), 403 a missing scope, 429 a rate limit, anything else
 * a failed request that names the call and HubSpot's own words.
 */
export function translateStatus(status: number, body: HubSpotErrorBody | null, what: string): HubSpotRequestError {
  const said = body?.message ? `: ${body.message}` : '';
  const category = body?.category ?? body?.errorType ?? null;
  const ref = body?.correlationId ? ` (correlation id ${body.correlationId})` : '';
  if (status === 401) {
    return new HubSpotRequestError('CRM_AUTH_REVOKED', `HubSpot refused ${what} (401 ${category ?? 'unauthorized'})${said}; connect the portal again${ref}`, status, category, body);
  }
  if (status === 403) {
    const scopes = body?.errors?.flatMap((e) => (e.context?.requiredGranularScopes as string[] | undefined) ?? []) ?? [];
    const needs = scopes.length ? `; it needs the scope(s) ${scopes.join(', ')}` : '';
    return new HubSpotRequestError('CRM_AUTH_FAILED', `HubSpot refused ${what} (403 ${category ?? 'forbidden'})${said}${needs}${ref}`, status, category, body);
  }
  if (status === 429) {
    return new HubSpotRequestError('CRM_LIMIT_REACHED', `HubSpot rate limit reached on ${what} (${body?.policyName ?? 'rate limit'})${said}; try again later${ref}`, status, category, body);
  }
  return new HubSpotRequestError('CRM_REQUEST_FAILED', `HubSpot ${what} failed with ${status}${category ? ` ${category}` : ''}${said}${ref}`, status, category, body);
}

/** How long a 429 asks us to wait: Retry-After (seconds), else the rate window HubSpot names, else 10 s. */
export function retryDelayMs(headers: { get(name: string): string | null }): number {
  const retryAfter = headers.get('retry-after');
  if (retryAfter && /^\d+(\.\d+)?$/.test(retryAfter.trim())) return Math.ceil(Number(retryAfter) * 1000);
  if (retryAfter && !Number.isNaN(Date.parse(retryAfter))) return Math.max(0, Date.parse(retryAfter) - Date.now());
  const interval = Number(headers.get('x-hubspot-ratelimit-interval-milliseconds'));
  return Number.isFinite(interval) && interval > 0 ? interval : 10_000;
}
