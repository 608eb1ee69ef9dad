/**
 * Calls to the Leadscore server from the card. HubSpot sends them (hubspot.fetch), appends the
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

export interface Reason {
  text: string;
  weight: number;
  direction: 'positive' | 'negative';
  feature: string;
}

export type ScoreBody =
  | {
      status: 'scored';
      lead_id: string;
      composite: number;
      fit: number | null;
      engagement: number | null;
      probability: number;
      grade: string | null;
      tier: string;
      reasons: Reason[];
      next_action: string | null;
      model_version: string;
      scored_at: string;
    }
  | { status: 'not_scored'; lead_id: string; reason: string; scored_at: string };

export interface ContactScore {
  source: string;
  lead_id: string;
  score: ScoreBody;
  /** Newest first. */
  history: Array<{ scored_at: string; status: string; composite: number | null; tier: string | null }>;
  /** Tier names, highest first. */
  tiers: string[];
}

export type FeedbackReason = 'too_high' | 'too_low' | 'wrong_reasons' | 'other';
