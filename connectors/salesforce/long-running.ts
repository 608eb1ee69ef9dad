/**
 * Salesforce lets an org run at most 25 requests that last longer than 20 seconds at once, for
 * all its integrations together (more are refused with REQUEST_LIMIT_EXCEEDED). Leadscore keeps
 * its own potentially long calls (queries, Bulk API jobs and their polls and results) per org
 * under a configured number with a small semaphore, so it never takes the whole allowance.
 */
export const ORG_LONG_RUNNING_LIMIT = 25;
export const DEFAULT_LONG_RUNNING_LIMIT = 10;

export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(public limit: number) {}

  /** Calls running now, and calls waiting for a slot. */
  get inUse(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Run `call` once a slot is free (first come, first served); the slot is freed however it ends. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await call();
    } finally {
      // Hand the slot straight to the next waiter, so a newcomer cannot overtake it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

const gates = new Map<string, Semaphore>();

/** The process's gate for one org's long-running calls, shared by every session of that org. */
export function longRunningGate(orgId: string, limit = DEFAULT_LONG_RUNNING_LIMIT): Semaphore {
  let gate = gates.get(orgId);
  if (!gate) gates.set(orgId, (gate = new Semaphore(limit)));
  gate.limit = limit;
  return gate;
}
