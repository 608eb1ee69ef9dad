/**
 * Posting to a Slack incoming webhook: JSON `{"text": ...}`, a few tries with a pause between
 * them. The URL is a credential (anyone with it can post to the channel), so it never appears in
 * an error message or a log line.
 */

export interface SlackPostOptions {
  /** Tries in all (default 3). */
  attempts?: number;
  /** Pause before the second try, doubled after each (default 500 ms). */
  delayMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Per try (default 10 s). */
  timeoutMs?: number;
}

export interface SlackPostResult {
  ok: boolean;
  attempts: number;
  /** Why the last try failed, without the URL. */
  error: string | null;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function postToSlack(url: string, text: string, options: SlackPostOptions = {}): Promise<SlackPostResult> {
  const tries = options.attempts ?? 3;
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? pause;
  let delay = options.delayMs ?? 500;
  let error = 'not tried';
  for (let attempt = 1; attempt <= tries; attempt++) {
    try {
      const res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      const body = (await res.text()).slice(0, 200);
      if (res.ok) return { ok: true, attempts: attempt, error: null };
      error = `Slack answered ${res.status}${body ? `: ${body}` : ''}`;
      // 4xx other than 429: the URL or the payload is wrong, and trying again will not help.
      if (res.status >= 400 && res.status < 500 && res.status !== 429) return { ok: false, attempts: attempt, error: scrub(error, url) };
    } catch (err) {
      error = `could not reach Slack: ${(err as Error).name}${(err as { code?: string }).code ? ` ${(err as { code?: string }).code}` : ''}`;
    }
    if (attempt < tries) {
      await sleep(delay);
      delay *= 2;
    }
  }
  return { ok: false, attempts: tries, error: scrub(error, url) };
}

/** Belt and braces: whatever a message says, the URL or its secret path is not in it. */
function scrub(message: string, url: string): string {
  const path = url.replace(/^https?:\/\/[^/]+/, '');
  let out = message.split(url).join('[webhook URL]');
  if (path.length > 1) out = out.split(path).join('[webhook path]');
  return out;
}
