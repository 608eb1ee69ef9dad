/**
 * API latency: `npm run bench -- api [--repeat N]`. The server runs in its own process (as in
 * production); autocannon drives it over loopback at a fixed 200 requests per second. Reference
 * from the same run: GET /healthz at the same rate (what express and the network cost with no
 * scoring). The headline pair (scoring and /healthz with 10 clients) runs N times in turns
 * (default 3): on a shared 2-core machine one 20-second p99 moves by several milliseconds from
 * run to run, so every run is printed with the median.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';

const KEY = 'ls_benchadmin01_bench-key-bench-key-bench-key-0001';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function scoreBody(i: number): string {
  const day = (d: number, h = 10) => `2026-06-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00Z`;
  const types = ['page_view', 'email_open', 'email_click', 'content_download', 'pricing_page_view', 'webinar_attended', 'form_submit'];
  return JSON.stringify({
    lead: {
      id: `bench-${i}`,
      email: `person${i}@company${i}.com`,
      title: ['VP of Sales', 'Marketing Manager', 'Head of Operations', 'Software Engineer'][i % 4],
      company: `Company ${i}`,
      industry: ['Software', 'Manufacturing', 'Healthcare', 'Retail'][i % 4],
      employees: [40, 250, 1200, 8000][i % 4],
      country: ['US', 'GB', 'DE', 'FR'][i % 4],
      lead_source: ['webinar', 'organic_search', 'paid_search', 'referral'][i % 4],
      created_at: '2026-05-01T09:00:00Z',
    },
    activities: Array.from({ length: 20 }, (_, k) => ({ type: types[(k + i) % types.length], occurred_at: day(1 + ((k * 7 + i) % 28), 8 + (k % 10)) })),
    as_of: '2026-06-30T00:00:00Z',
  });
}

async function run(url: string, options: Partial<autocannon.Options>): Promise<autocannon.Result> {
  return autocannon({ url, connections: 20, duration: 20, ...options });
}

const summary = (r: autocannon.Result) => ({
  requests: r.requests.total,
  rps: r.requests.average,
  p50: r.latency.p50,
  p90: r.latency.p90,
  p99: r.latency.p99,
  max: r.latency.max,
  non2xx: r.non2xx,
  errors: r.errors,
});

export async function benchApi(repeats = 3): Promise<Record<string, unknown>> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-api-'));
  const root = path.resolve(import.meta.dirname, '../..');
  const server = spawn(process.execPath, [path.join(root, 'bin/leadscore.js'), 'serve', '--port', String(port)], {
    env: { ...process.env, DATA_DIR: dataDir, DEMO_TENANT: 'bench', DEMO_LEADS: '0', LEADSCORE_BOOTSTRAP_API_KEY: KEY, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      const ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
      if (ready) break;
      if (i > 600) throw new Error('the server did not become ready in 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const bodies = Array.from({ length: 64 }, (_, i) => scoreBody(i));
    let n = 0;
    const score: Partial<autocannon.Options> = {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      requests: [{ setupRequest: (req) => ({ ...req, body: bodies[n++ % bodies.length] }) }],
    };
    const check = await fetch(`${base}/api/v1/score`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: bodies[0] });
    const sample = (await check.json()) as { status: string; reasons?: unknown[] };
    if (check.status !== 200 || sample.status !== 'scored' || !sample.reasons?.length) throw new Error(`the score call did not give a scored lead with reasons: ${JSON.stringify(sample)}`);

    // autocannon paces a fixed rate per connection: each connection sends its share back to back
    // at the start of every second, so the connection count is how many requests arrive at once.
    // 10 clients is the headline; 1 and 20 show how the burst size moves the tail.
    // Warm-up as long as a run: after 5 s, the first run's p99 was still 1.7 to 2 x the later runs'
    // (34 and 40 ms against 14 to 22) while the JIT and the heap settled; what is measured is the
    // server as it runs for hours.
    await run(`${base}/api/v1/score`, { ...score, duration: 20, connections: 10, overallRate: 200 });
    const healthRuns: Array<ReturnType<typeof summary>> = [];
    const scoredRuns: Array<ReturnType<typeof summary>> = [];
    for (let i = 0; i < repeats; i++) {
      healthRuns.push(summary(await run(`${base}/healthz`, { connections: 10, overallRate: 200 })));
      scoredRuns.push(summary(await run(`${base}/api/v1/score`, { ...score, connections: 10, overallRate: 200 })));
    }
    const median = (runs: Array<ReturnType<typeof summary>>) => [...runs].sort((a, b) => a.p99 - b.p99)[Math.floor((runs.length - 1) / 2)]!;
    const health = median(healthRuns);
    const scored = median(scoredRuns);
    const oneClient = summary(await run(`${base}/api/v1/score`, { ...score, connections: 1, overallRate: 200 }));
    const twentyClients = summary(await run(`${base}/api/v1/score`, { ...score, connections: 20, overallRate: 200 }));
    const capacity = summary(await run(`${base}/api/v1/score`, { ...score, connections: 8, duration: 10 }));
    const line = (label: string, s: ReturnType<typeof summary>) =>
      console.log(`${label.padEnd(52)} ${Math.round(s.rps)} req/s, p50 ${s.p50} ms, p90 ${s.p90} ms, p99 ${s.p99} ms, max ${s.max} ms, non-2xx ${s.non2xx}, errors ${s.errors}`);
    healthRuns.forEach((r, i) => line(`GET /healthz, 10 clients, 200 req/s (reference), run ${i + 1}`, r));
    scoredRuns.forEach((r, i) => line(`POST /api/v1/score with reasons, 10 clients, run ${i + 1}`, r));
    line('GET /healthz, 10 clients: the run of median p99', health);
    line('POST /api/v1/score, 10 clients: the run of median p99', scored);
    line('POST /api/v1/score with reasons, 1 client, 200 req/s', oneClient);
    line('POST /api/v1/score with reasons, 20 clients, 200 req/s', twentyClients);
    line('POST /api/v1/score, 8 clients flat out (capacity)', capacity);
    console.log(
      `\np99 of scoring at 200 req/s with 10 clients, median of ${repeats} runs: ${scored.p99} ms = ${(scored.p99 / 20).toFixed(2)} x the 20 ms target, ${(scored.p99 / Math.max(health.p99, 0.001)).toFixed(1)} x /healthz's median p99 in the same runs (runs: ${scoredRuns.map((r) => r.p99).join(', ')} ms; /healthz ${healthRuns.map((r) => r.p99).join(', ')} ms)`,
    );
    return { health, scored, healthRuns, scoredRuns, oneClient, twentyClients, capacity, cpus: os.cpus().length };
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
