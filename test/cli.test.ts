import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnv, exited, runCli, startCli } from './helpers/cli.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-test-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string> = {}): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [f, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), content);
  return dir;
}

describe('leadscore import', () => {
  const env = cliEnv({ DATA_DIR: path.join(root, 'data-import') });

  it('prints one JSON report with per-file counts and each rejected row, and exits 3', async () => {
    const dir = folder('bundle', {
      'leads.csv': 'id,created_at,email,tier\nL1,2024-03-01,a@x.com,gold\nL2,2024-13-01,b@x.com,\n',
      'activities.csv': 'lead_id,type,occurred_at\nL1,page_view,2024-03-02T10:00:00Z\nL9,call,2024-03-02T10:00:00Z\n',
    });
    const result = await runCli(['import', '--data', dir, '--tenant', 'acme', '--json'], env);
    expect(result.code).toBe(3);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      ok: false,
      tenant: 'acme',
      source: dir,
      files: {
        'leads.csv': { present: true, rows: 2, inserted: 1, updated: 0, unchanged: 0, rejected: 1, attributeColumns: ['tier'] },
        'activities.csv': { present: true, rows: 2, inserted: 1, updated: 0, unchanged: 0, rejected: 1 },
        'outcomes.csv': { present: false, rows: 0 },
      },
    });
    expect(report.rejections).toEqual([
      { file: 'leads.csv', line: 3, column: 'created_at', reason: expect.stringMatching(/"2024-13-01" is not an ISO 8601 date/) },
      { file: 'activities.csv', line: 3, column: 'lead_id', reason: expect.stringMatching(/"L9" is not a lead of this tenant/) },
    ]);

    const again = await runCli(['import', '--data', dir, '--tenant', 'acme'], env);
    expect(again.code).toBe(3);
    expect(again.stdout).toMatch(/leads\.csv\s+2\s+0\s+0\s+1\s+1/);
    expect(again.stdout).toMatch(/leads\.csv:3 \[created_at\]/);
    expect(again.stdout).toMatch(/outcomes\.csv\s+not in the bundle/);
  });

  it('exits 0 when every row is imported', async () => {
    const dir = folder('clean', { 'leads.csv': 'id,created_at\nL1,2024-03-01\n' });
    const result = await runCli(['import', '--data', dir, '--json'], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, tenant: 'default', rejections: [] });
  });

  it.each([
    [['import', '--data', path.join(root, 'missing')], 4, /is not a folder/],
    [['import', '--data', root + '/empty-folder'], 4, /is not a folder|holds none of/],
    [['import'], 2, /needs --data DIR/],
    [['import', '--data', root, '--tenant', 'Bad Name!'], 2, /--tenant "Bad Name!"/],
    [['import', '--data', root, '--colour'], 2, /Unknown option '--colour'/],
    [['frobnicate'], 2, /unknown command "frobnicate"/],
  ])('exits with a message and no stack trace for %j', async (args, code, message) => {
    folder('empty-folder');
    const result = await runCli(args, env);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('says which path the machine refused, without a stack trace', async () => {
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, 'not a folder');
    const data = await runCli(['import', '--data', folder('ok', { 'leads.csv': 'id,created_at\nL1,2024-03-01\n' })], {
      ...env,
      DATA_DIR: path.join(file, 'sub'),
    });
    expect(data.code).toBe(5);
    expect(data.stderr).toMatch(/cannot use the data directory .*a-file\/sub: ENOTDIR/);
    const out = await runCli(['generate', '--leads', '5', '--out', path.join(file, 'sub')], env);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^leadscore: ENOTDIR: not a directory/);
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });

  it('names the variable when the configuration is wrong', async () => {
    const result = await runCli(['import', '--data', root], { ...env, DATABASE_URL: 'mysql://nope', PORT: 'abc' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/PORT: expected a whole number \(got "abc"\)/);
    expect(result.stderr).toMatch(/DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/);
  });
});

describe('leadscore generate', () => {
  it('writes a bundle that imports without a rejected row', async () => {
    const out = path.join(root, 'generated');
    const env = cliEnv({ DATA_DIR: path.join(root, 'data-generate') });
    const gen = await runCli(['generate', '--leads', '300', '--seed', '3', '--out', out, '--json'], env);
    expect(gen.code).toBe(0);
    expect(JSON.parse(gen.stdout)).toMatchObject({ outDir: out, leads: 300 });
    const imported = await runCli(['import', '--data', out, '--json'], env);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout).files['leads.csv'].inserted).toBe(300);
  });

  it('refuses a bad --leads value', async () => {
    const result = await runCli(['generate', '--leads', 'many', '--out', root], cliEnv({}));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--leads must be a whole number/);
  });
});

describe('leadscore serve', () => {
  it('serves the health page with the demo tenant, refuses a second process on the same files, and stops on SIGTERM', async () => {
    const env = cliEnv({ DATA_DIR: path.join(root, 'data-serve'), PORT: '0', DEMO_LEADS: '150', DEMO_SEED: '9' });
    const server = await startCli(['serve'], env);
    try {
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', database: { kind: 'embedded', reachable: true } });
      const home = await (await fetch(server.url)).text();
      expect(home).toMatch(/<th>Leads<\/th><td>150<\/td>/);

      const second = await runCli(['import', '--data', folder('while-serving', { 'leads.csv': 'id,created_at\nL1,2024-03-01\n' })], env);
      expect(second.code).toBe(5);
      expect(second.stderr).toMatch(/in use by another Leadscore process \(pid \d+, "leadscore serve"/);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await exited(server.child)).toBe(0);

    // The lock went with the server: the same import now runs, beside the demo tenant's data.
    const after = await runCli(['import', '--data', path.join(root, 'while-serving'), '--json'], env);
    expect(after.code).toBe(0);
  });

  it('keeps the demo data across restarts instead of generating it again', async () => {
    const env = cliEnv({ DATA_DIR: path.join(root, 'data-restart'), PORT: '0', DEMO_LEADS: '100' });
    const lastImports: string[] = [];
    for (let i = 0; i < 2; i++) {
      const server = await startCli(['serve'], env);
      const home = await (await fetch(server.url)).text();
      server.child.kill('SIGTERM');
      expect(await exited(server.child)).toBe(0);
      expect(home).toMatch(/<th>Leads<\/th><td>100<\/td>/);
      lastImports.push(/<th>Last import<\/th><td>([^<]+)</.exec(home)![1]!);
    }
    expect(lastImports[0]).toMatch(/^succeeded at \d{4}-/);
    expect(lastImports[1]).toBe(lastImports[0]);
  });
});

describe('leadscore rescore and api-key', () => {
  const env = cliEnv({ DATA_DIR: path.join(root, 'data-scoring') });

  it('scores the open leads an import adds, rescores on demand without writing twice, and makes API keys', async () => {
    const dir = folder('scoring-bundle', {
      'leads.csv': 'id,created_at,email,title,company,employees\nL1,2026-06-01,ann@acme.com,VP Sales,Acme,300\nL2,2026-06-02,bob@gmail.com,Student,,\nL3,2026-06-03,cy@initech.com,CTO,Initech,40\n',
      'activities.csv': 'lead_id,type,occurred_at\nL1,demo_request,2026-06-20T10:00:00Z\nL1,pricing_page_view,2026-06-20T10:05:00Z\n',
      'outcomes.csv': 'lead_id,converted,outcome_at\nL3,true,2026-06-25T00:00:00Z\n',
    });
    const imported = await runCli(['import', '--data', dir, '--tenant', 'acme', '--json'], env);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout).scoring).toMatchObject({ leads: 2, changed: 2, writeJobs: 2, modelVersion: expect.any(String) });

    const again = await runCli(['rescore', '--tenant', 'acme', '--json'], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ tenant: 'acme', leads: 2, changed: 0, writes: 0 });
    const one = await runCli(['rescore', '--tenant', 'acme', '--lead', 'L1', '--lead', 'nope'], env);
    expect(one.code).toBe(3);
    expect(one.stdout).toMatch(/Rescored 1 open lead .*Not leads of this tenant: nope/s);

    const key = await runCli(['api-key', 'create', '--tenant', 'acme', '--scopes', 'scores:read'], env);
    expect(key.code).toBe(0);
    expect(key.stdout.trim()).toMatch(/^ls_[a-z0-9]{12}_\S{20,}$/);
    expect((await runCli(['api-key', 'create', '--scopes', 'everything'], env)).stderr).toMatch(/unknown scope\(s\) everything/);
  });
});
