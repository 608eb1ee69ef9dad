/**
 * A sliding-window limit on calls to one CRM connection: at most `calls` starts in any `perMs`
 * window (HubSpot counts "110 per 10 seconds" over a rolling window, so fixed windows would
 * overrun it at their edges). `pause` holds every caller back after a 429's Retry-After.
 */
export interface RateLimit {
  calls: number;
  perMs: number;
  /** Calls in flight at once. */
  concurrency: number;
}

export class RateGate {
  private readonly starts: number[] = [];
  private pausedUntil = 0;
  private waiting: Promise<void> = Promise.resolve();

  constructor(
    private readonly limit: RateLimit,
    /** Added to every wait: the CRM counts arrival, we count departure. */
    private readonly marginMs = 25,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Resolves when one more call may start, and counts it. Callers are let through in order. */
  take(): Promise<void> {
    const turn = this.waiting.then(() => this.wait());
    this.waiting = turn.catch(() => undefined);
    return turn;
  }

  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }

  private async wait(): Promise<void> {
    for (;;) {
      const now = this.now();
      while (this.starts.length > 0 && this.starts[0]! <= now - this.limit.perMs) this.starts.shift();
      let until = this.pausedUntil;
      if (this.starts.length >= this.limit.calls) until = Math.max(until, this.starts[0]! + this.limit.perMs + this.marginMs);
      if (until <= now) break;
      await this.sleep(until - now);
    }
    this.starts.push(this.now());
  }
}
