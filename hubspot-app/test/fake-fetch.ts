import type { FetchOptions } from '../src/app/cards/leadscore-api';

export interface FetchCall {
  url: string;
  options: FetchOptions | undefined;
  answer: (status: number, body: unknown) => void;
  fail: (error: Error) => void;
}

/**
 * A stand-in for hubspot.fetch: every call waits until the test answers it, so a test decides
 * the order answers arrive in.
 */
export function fakeFetch() {
  const calls: FetchCall[] = [];
  const fetcher = (url: string, options?: FetchOptions): Promise<Response> =>
    new Promise((resolve, reject) => {
      calls.push({
        url,
        options,
        // Only what the app's client reads, answered in microtasks, so `settle()` after an answer
        // means the card has handled it.
        answer: (status, body) => resolve({ ok: status >= 200 && status < 300, status, json: async () => body } as Response),
        fail: reject,
      });
    });
  /** The call to `path` still waiting (the oldest one first), or an error naming what was asked. */
  const pending = (path: string, nth = 0): FetchCall => {
    const matching = calls.filter((c) => c.url.endsWith(path));
    const call = matching[nth];
    if (!call) throw new Error(`no call #${nth + 1} to ${path}; calls: ${calls.map((c) => c.url).join(', ') || 'none'}`);
    return call;
  };
  return { fetcher, calls, pending };
}

/** Let every pending microtask run (an answered request reaching the card's state). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Wait until `check` passes, for checks that no rendering announces (a request being sent):
 * the renderer's waitFor re-checks only when the rendered output changes.
 */
export async function eventually(check: () => void, timeoutMs = 2000): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() - started > timeoutMs) throw err;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
