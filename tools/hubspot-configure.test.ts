import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error a plain ES module without types (run by node as it is)
import { configureHubspotApp, configuredUrls, FILES, HUBSPOT_APP_DIR, publicOrigin } from './hubspot-configure.mjs';

const copies: string[] = [];
afterAll(() => copies.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A copy of hubspot-app/src to configure, so the checked-in files are never rewritten by a test. */
function copyOfApp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubspot-app-'));
  copies.push(dir);
  fs.cpSync(path.join(HUBSPOT_APP_DIR, 'src'), path.join(dir, 'src'), { recursive: true });
  return dir;
}

/** Every file under src/ with its https URLs; the marketplace listing's support links are the vendor's, not the server's. */
function urlsIn(root: string): Array<{ file: string; url: string }> {
  const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  return files(path.join(root, 'src')).flatMap((file) => {
    let text = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.json')) {
      const value = JSON.parse(text); // every JSON file must parse
      if (value.config?.support) delete value.config.support;
      text = JSON.stringify(value);
    }
    return [...text.matchAll(/https:\/\/[^\s"'`)]+/g)].map((m) => ({ file: path.relative(root, file), url: m[0] }));
  });
}

describe('npm run hubspot:configure', () => {
  it('writes one origin into the OAuth redirect, the permitted fetch URL, the webhook target and both extensions, leaving the rest as it was', () => {
    const root = copyOfApp();
    const before = JSON.parse(fs.readFileSync(path.join(root, FILES.app), 'utf8'));
    configureHubspotApp(root, publicOrigin('https://scores.acme.test:8443/'));
    expect(configuredUrls(root)).toEqual({
      [`${FILES.app} auth.redirectUrls`]: 'https://scores.acme.test:8443/oauth/hubspot/callback',
      [`${FILES.app} permittedUrls.fetch`]: 'https://scores.acme.test:8443',
      [`${FILES.webhooks} settings.targetUrl`]: 'https://scores.acme.test:8443/webhooks/hubspot',
      [FILES.extensions[0]]: 'https://scores.acme.test:8443',
      [FILES.extensions[1]]: 'https://scores.acme.test:8443',
    });
    const urls = urlsIn(root);
    expect(urls.length).toBeGreaterThanOrEqual(5);
    expect(urls.filter((u) => !u.url.startsWith('https://scores.acme.test:8443'))).toEqual([]);
    const after = JSON.parse(fs.readFileSync(path.join(root, FILES.app), 'utf8'));
    expect({ ...after.config, auth: { ...after.config.auth, redirectUrls: null }, permittedUrls: { ...after.config.permittedUrls, fetch: null } }).toEqual({
      ...before.config,
      auth: { ...before.config.auth, redirectUrls: null },
      permittedUrls: { ...before.config.permittedUrls, fetch: null },
    });
  });

  it('leaves the checked-in project agreeing with itself: one origin everywhere, every JSON file valid', () => {
    const found = Object.values(configuredUrls(HUBSPOT_APP_DIR) as Record<string, string>);
    const origin = new URL(found[0]!).origin;
    expect(found.map((u) => new URL(u).origin)).toEqual(found.map(() => origin));
    expect(urlsIn(HUBSPOT_APP_DIR).filter((u) => !u.url.startsWith(origin))).toEqual([]);
  });

  it('refuses a URL HubSpot would not call, saying why', () => {
    expect(() => publicOrigin(undefined)).toThrow(/--public-url/);
    expect(() => publicOrigin('http://leadscore.acme.test')).toThrow(/https/);
    expect(() => publicOrigin('https://leadscore.acme.test/app')).toThrow(/origin only/);
    expect(() => publicOrigin('leadscore')).toThrow(/not a URL/);
  });

  it('runs from the command line, reading PUBLIC_URL when no flag is given, and exits 1 with the reason on a bad URL', () => {
    const script = path.join(import.meta.dirname, 'hubspot-configure.mjs');
    let failure: { status: number; stderr: string } | null = null;
    try {
      execFileSync(process.execPath, [script], { env: { ...process.env, PUBLIC_URL: 'http://insecure.test' }, stdio: 'pipe' });
    } catch (err) {
      const e = err as { status: number; stderr: Buffer };
      failure = { status: e.status, stderr: e.stderr.toString() };
    }
    expect(failure).toEqual({ status: 1, stderr: expect.stringContaining('must use https') });
  });
});
