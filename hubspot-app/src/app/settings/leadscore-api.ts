/**
 * Calls to the Leadscore server from the settings page (the card has the same client: each
 * extension is bundled from its own folder). HubSpot sends them (hubspot.fetch), appends the
 * portal and user to the query and signs them; the server checks the signature and maps the
 * portal to its account. The origin comes from app-url.ts, written with the hsmeta files by `npm run hubspot:configure`.
 */
import { LEADSCORE_BASE_URL } from './app-url';

export { LEADSCORE_BASE_URL };

export interface FetchOptions {
  method?: 'GET' | 'POST' | 'PUT';
  body?: Record<string, unknown>;
  timeout?: number;
}
/** hubspot.fetch, or a stand-in in tests. */
export type Fetcher = (url: string, options?: FetchOptions) => Promise<Response>;

/** A refusal or failure, with the server's message and, for bad input, one issue per field. */
export class LeadscoreApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: Array<{ field: string; message: string }> = [],
  ) {
    super(message);
  }
}

export async function callLeadscore<T>(fetcher: Fetcher, path: string, options: FetchOptions = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetcher(`${LEADSCORE_BASE_URL}${path}`, { timeout: 10_000, ...options });
  } catch (err) {
    throw new LeadscoreApiError(0, 'NETWORK', `Leadscore did not answer (${(err as Error).message})`);
  }
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) {
    const error = (body as { error?: { code?: string; message?: string; issues?: Array<{ field: string; message: string }> } } | null)?.error;
    throw new LeadscoreApiError(res.status, error?.code ?? `HTTP_${res.status}`, error?.message ?? `Leadscore answered with status ${res.status}`, error?.issues ?? []);
  }
  return body as T;
}

export interface TierLevel {
  name: string;
  min: number;
  action: string;
}

/** The settings as the server keeps them; the page edits tiers and routing and sends the rest back unchanged. */
export interface SettingsBody {
  tiers: { basis: 'score' | 'percentile'; score: 'composite' | 'fit' | 'engagement'; levels: TierLevel[] };
  routing: unknown;
  [other: string]: unknown;
}

export interface SettingsVersion {
  version: number;
  settings: SettingsBody;
  changed_by: string | null;
  changed_at: string | null;
}

export interface Preview {
  model_version: string;
  open_leads: { scored: number; not_scored: number };
  historical: { leads: number; from: string | null; to: string | null };
  tiers: Array<{ name: string; min: number; open_leads: number; historical_leads: number; historical_conversions: number; historical_conversion_rate: number | null }>;
}

export interface Simulation {
  /** The period replayed: leads that arrived in it, each with its first score. */
  from: string;
  to: string;
  truncated: boolean;
  leads: number;
  assigned: number;
  fallback: number;
  unassigned: number;
  no_rule: number;
  hot_tier: string;
  per_owner: Array<{ owner: string; name: string; leads: number; hot_leads: number; fallback_leads: number }>;
  per_rule: Array<{ rule: string; leads: number; fallback: number; unassigned: number }>;
}
