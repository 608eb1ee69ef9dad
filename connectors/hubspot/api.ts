import { Client } from '@hubspot/api-client';
import type { z } from 'zod';
import { LeadscoreError } from '../../src/domain/index.js';
import { networkReason, parseErrorBody, retryDelayMs, translateStatus } from './errors.js';
import { limiterForPortal, type PortalLimiter } from './limiter.js';
import { refreshTokens, type HubSpotTokens } from './oauth.js';
import { HubSpotUsage } from './usage.js';
import { DEFAULT_SEARCH_RATE, type HubSpotApp } from './options.js';

export interface HubSpotApiOptions {
  /** The portal's limiter (default: the one this process shares for the portal). */
  limiter?: PortalLimiter;
  /** Attempts after a 429 or a 502/503/504 before giving up. */
  maxRetries?: number;
  /** Renew an OAuth access token this long before it expires. */
  refreshMarginMs?: number;
  /** Called with every HTTP call made (method and path), for counting and benchmarks. */
  onCall?: (method: string, path: string) => void;
}

export interface HubSpotRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Search endpoints have their own, lower limit. */
  search?: boolean;
}

/**
 * Calls to one portal's API through @hubspot/api-client (its base path is HUBSPOT_API_BASE):
 * within the portal's rate limits, with the access token renewed before it expires (and once
 * more on a 401), 429s waited out as HubSpot asks, and vendor errors turned into coded errors.
 * `onRefresh` receives renewed tokens to store sealed.
 */
export class HubSpotApi {
  private client: Client;
  private refreshing: Promise<void> | null = null;
  private readonly limiter: PortalLimiter;
  private readonly maxRetries: number;
  private readonly margin: number;
  /** Calls made and the daily limit headers, for the connection's health. */
  readonly usage = new HubSpotUsage();

  constructor(
    private readonly app: HubSpotApp,
    private tokensNow: HubSpotTokens,
    private readonly onRefresh: (tokens: HubSpotTokens) => void | Promise<void>,
    private readonly options: HubSpotApiOptions = {},
  ) {
    this.client = new Client({ basePath: app.apiBase, accessToken: tokensNow.accessToken });
    this.limiter = options.limiter ?? limiterForPortal(tokensNow.hubId, app.rate, DEFAULT_SEARCH_RATE);
    this.maxRetries = options.maxRetries ?? 4;
    this.margin = options.refreshMarginMs ?? 5 * 60_000;
  }

  /** The portal's limiter: every call to this portal, whichever job makes it, takes from it. */
  get rateLimiter(): PortalLimiter {
    return this.limiter;
  }

  get hubId(): string {
    return this.tokensNow.hubId;
  }

  get tokens(): HubSpotTokens {
    return this.tokensNow;
  }

  /** One call; its JSON answer checked with `schema` so a changed shape fails here, named. */
  async request<T>(what: string, req: HubSpotRequest, schema: z.ZodType<T>): Promise<T> {
    const body = await this.send(what, req);
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new LeadscoreError('CRM_REQUEST_FAILED', `HubSpot answered ${what} (${req.method} ${req.path}) with an unexpected body: ${issue.path.join('.') || '(body)'}: ${issue.message}`);
    }
    return parsed.data;
  }

  /** One call whose answer is not needed beyond success (or is read loosely by the caller). */
  async send(what: string, req: HubSpotRequest): Promise<unknown> {
    let renewed = false;
    for (let attempt = 0; ; attempt++) {
      await this.limiter.take(req.search ? 'search' : 'general');
      await this.freshToken(false);
      this.options.onCall?.(req.method, req.path);
      let res;
      try {
        res = await this.client.apiRequest({ method: req.method, path: req.path, ...(req.query ? { qs: req.query } : {}), ...(req.body !== undefined ? { body: req.body } : {}) });
      } catch (err) {
        // A kept-alive socket the other end had closed fails before the request is read: send it again.
        const code = (err as { code?: string }).code;
        if ((code === 'ECONNRESET' || /socket hang up/.test((err as Error).message)) && attempt < this.maxRetries) continue;
        throw new LeadscoreError('CRM_REQUEST_FAILED', `HubSpot did not answer ${what} (${req.method} ${req.path}): ${networkReason(err)}`);
      }
      this.usage.note(res.headers);
      const text = await res.text();
      if (res.ok) return text ? (JSON.parse(text) as unknown) : null;
      const error = parseErrorBody(text);
      if (res.status === 401 && this.tokensNow.mode === 'oauth' && !renewed) {
        // The token can die before its time (revoked and re-granted, clock skew): renew once.
        renewed = true;
        await this.freshToken(true);
        continue;
      }
      const retryable = res.status === 429 || res.status === 502 || res.status === 503 || res.status === 504;
      // A daily limit does not lift in seconds: waiting would only hold the job.
      const daily = res.status === 429 && /DAILY/i.test(error?.policyName ?? '');
      if (retryable && !daily && attempt < this.maxRetries) {
        const wait = res.status === 429 ? retryDelayMs(res.headers) : 1000 * 2 ** attempt;
        this.limiter.pauseFor(wait);
        continue;
      }
      throw translateStatus(res.status, error, `${what} (${req.method} ${req.path})`);
    }
  }

  /** Renew an OAuth access token close to its expiry (or when `force`); one renewal at a time. */
  private async freshToken(force: boolean): Promise<void> {
    const t = this.tokensNow;
    if (t.mode !== 'oauth') return;
    const expiresAt = t.expiresAt ? Date.parse(t.expiresAt) : 0;
    if (!force && expiresAt - this.margin > this.limiter.clock.now()) return;
    this.refreshing ??= (async () => {
      try {
        this.tokensNow = await refreshTokens(this.app, t, this.limiter.clock.now());
        this.client = new Client({ basePath: this.app.apiBase, accessToken: this.tokensNow.accessToken });
        await this.onRefresh(this.tokensNow);
      } finally {
        this.refreshing = null;
      }
    })();
    await this.refreshing;
  }
}
