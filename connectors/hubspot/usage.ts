/** The portal's daily allowance as HubSpot reported it (X-HubSpot-RateLimit-Daily / -Daily-Remaining). */
export interface HubSpotDailyLimit {
  daily: number;
  dailyRemaining: number;
}

/**
 * Calls a HubSpotApi made, and the daily limit headers of the latest answer that carried them.
 * HubSpot sends the daily headers to private apps but not to OAuth apps, so the call count is
 * what a marketplace install has to go by.
 */
export class HubSpotUsage {
  private calls = 0;
  daily: HubSpotDailyLimit | null = null;

  /** One answered call, with its headers. */
  note(headers: { get(name: string): string | null }): void {
    this.calls++;
    const daily = Number(headers.get('x-hubspot-ratelimit-daily') ?? Number.NaN);
    const remaining = Number(headers.get('x-hubspot-ratelimit-daily-remaining') ?? Number.NaN);
    if (Number.isFinite(daily) && Number.isFinite(remaining) && daily > 0) this.daily = { daily, dailyRemaining: remaining };
  }

  /** Calls since the last take (so a caller that records them records each once). */
  takeCalls(): number {
    const n = this.calls;
    this.calls = 0;
    return n;
  }
}
