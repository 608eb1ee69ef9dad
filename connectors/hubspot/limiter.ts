/** Time as the limiter sees it; tests pass a virtual clock so no test waits for real time. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface RateWindow {
  requests: number;
  perMs: number;
}

/**
 * A sliding window: at most `requests` starts in any `perMs`. A 429 pauses every caller until
 * the time HubSpot named, so one throttled call does not send the others into the same wall.
 */
export class SlidingWindow {
  private readonly starts: number[] = [];
  private pausedUntil = 0;

  constructor(
    readonly window: RateWindow,
    private readonly clock: Clock,
    /** Added to the window: HubSpot counts a call when it arrives, we when it leaves. */
    private readonly marginMs = 25,
  ) {}

  /** Wait until one more request fits, then count it. */
  async take(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      if (now < this.pausedUntil) {
        await this.clock.sleep(this.pausedUntil - now);
        continue;
      }
      const span = this.window.perMs + this.marginMs;
      while (this.starts.length > 0 && this.starts[0]! <= now - span) this.starts.shift();
      if (this.starts.length < this.window.requests) {
        this.starts.push(now);
        return;
      }
      await this.clock.sleep(this.starts[0]! + span - now);
    }
  }

  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }
}

/** The limits of one portal: every call takes from `general`, search calls also from `search`. */
export class PortalLimiter {
  readonly general: SlidingWindow;
  readonly search: SlidingWindow;

  constructor(
    rate: RateWindow,
    searchRate: RateWindow,
    readonly clock: Clock = realClock,
  ) {
    this.general = new SlidingWindow(rate, clock);
    this.search = new SlidingWindow(searchRate, clock);
  }

  async take(kind: 'general' | 'search'): Promise<void> {
    if (kind === 'search') await this.search.take();
    await this.general.take();
  }

  pauseFor(ms: number): void {
    this.general.pauseFor(ms);
  }
}

/**
 * One limiter per portal in this process, whichever connection or job calls it: the limits are
 * HubSpot's per portal, not per connection object. (Several worker processes each keep their own;
 * the 429 handling covers what they add up to.)
 */
const byPortal = new Map<string, PortalLimiter>();

export function limiterForPortal(hubId: string, rate: RateWindow, searchRate: RateWindow): PortalLimiter {
  const key = `${hubId}:${rate.requests}/${rate.perMs}:${searchRate.requests}/${searchRate.perMs}`;
  let limiter = byPortal.get(key);
  if (!limiter) {
    limiter = new PortalLimiter(rate, searchRate);
    byPortal.set(key, limiter);
  }
  return limiter;
}
