import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nock from 'nock';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/config/log.js';
import { loadVault } from '../src/config/secrets.js';
import { tenantId } from '../src/domain/index.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { modelSetFiles } from '../src/learning/model-files.js';
import { readTrainingHistories } from '../src/learning/retrain.js';
import { trainModelSet } from '../src/model/model-set.js';
import { insertModelVersion, saveConnection } from '../src/store/index.js';
import { checkScreen } from './helpers/axe.js';
import { browserAvailability, launchChromium, screenshot } from './helpers/browser.js';

/**
 * The main journeys in a real browser (Debian's Chromium through playwright-core) against the
 * app started in process with the demo tenant and the shipped default model. Each screen is saved
 * under test/screenshots/.
 */
const ADMIN = 'ls_webbrowser01_abcdefghijklmnopqrstuvwxyz012345';
const LOGIN = 'https://login.salesforce.com';
const INSTANCE = 'https://acme.my.salesforce.com';
const ORG = '00D5e000000AbCdEAF';
const CONNECTOR_USER = '0055e000001XyZaAAB';
const VIEWER_USER = '0055e000001QrStAAC';
const env = { SALESFORCE_CLIENT_ID: '3MVG9test.client.id', SALESFORCE_CLIENT_SECRET: 'test-client-secret', PUBLIC_URL: 'http://localhost:3000' };

const availability = browserAvailability();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'web-browser-'));
let server: RunningServer;
let base: string;
let browser: Browser;
let admin: BrowserContext;
let page: Page;

beforeAll(async () => {
  if (!availability.run) return;
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  const config = loadConfig({ DATA_DIR: dir, PORT: '0', DEMO_LEADS: '500', DEMO_SEED: '3', LEADSCORE_BOOTSTRAP_API_KEY: ADMIN, LOG_LEVEL: 'error' });
  server = await startServer(config, createLogger('error', () => undefined), { env });
  base = server.url.replace('localhost', '127.0.0.1');
  await server.jobs.idle();
  const vault = loadVault(config.encryptionKey, config.dataDir);
  const tokens = { accessToken: 'x', refreshToken: null, instanceUrl: INSTANCE, loginUrl: LOGIN, orgId: ORG, userId: CONNECTOR_USER, issuedAt: '0' };
  await saveConnection(server.db, tenantId('demo'), { id: `salesforce-${ORG}`, kind: 'salesforce', externalAccountId: ORG, status: 'active', settings: { lastSyncAt: new Date().toISOString(), apiUsage: { source: 'Sforce-Limit-Info', used: 1830, limit: 15000, at: new Date().toISOString() } }, credentials: vault.seal(tokens) });
  browser = await launchChromium();
  admin = await browser.newContext({ baseURL: base });
  page = await admin.newPage();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  nock.cleanAll();
  nock.enableNetConnect();
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const heading = (p: Page) => p.locator('main h1').textContent();
/** The text of the first element the locator finds, once it is there. */
const textOf = async (locator: ReturnType<Page['locator']>) => {
  await locator.first().waitFor();
  return (await locator.allTextContents()).join('\n');
};

describe.skipIf(!availability.run)('web settings app in Chromium', () => {
  it('signs in with the admin API key', async () => {
    await page.goto('/app/tiers');
    expect(new URL(page.url()).pathname).toBe('/app/sign-in');
    await checkScreen(page, '01-sign-in');
    await page.getByLabel('API key').fill(ADMIN);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL('**/app/tiers');
    expect(await heading(page)).toBe('Tiers and thresholds');
    expect(await page.locator('.who').textContent()).toMatch(/API key bootstrap.*admin/s);
    await checkScreen(page, '02-tiers');
  });

  it('shows the live preview change as a threshold changes, then saves and shows the history entry', async () => {
    const hotOpen = async () => Number(await page.locator('#preview tr[data-tier="Hot"] [data-open]').textContent());
    const before = await hotOpen();
    expect(before).toBeGreaterThan(0);
    await page.getByLabel('Tier 1 minimum').fill('95');
    await expect.poll(hotOpen, { timeout: 20_000 }).toBeLessThan(before);
    const rates = await page.locator('#preview [data-rate]').allTextContents();
    expect(rates[0]).toMatch(/%$/);
    await checkScreen(page, '03-tiers-preview');

    // A draft that breaks a rule says so instead of previewing.
    await page.getByLabel('Tier 2 minimum').fill('99');
    await page.locator('#preview [data-preview-state="invalid"]').waitFor();
    await page.getByLabel('Tier 2 minimum').fill('50');
    await expect.poll(hotOpen, { timeout: 20_000 }).toBeLessThan(before);

    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/app\/tiers\?saved=\d+/);
    expect(await page.locator('.flash-ok').textContent()).toMatch(/Saved as version 1/);
    const entry = page.locator('#history tbody tr').first();
    expect(await entry.textContent()).toMatch(/web:api-key:webbrowser01.*tiers\.levels\[0\]\.min: 80 → 95/s);
    expect(await hotOpen()).toBeLessThan(before);
    await checkScreen(page, '04-tiers-saved');
  });

  it('previews without JavaScript through the Preview button', async () => {
    const context = await browser.newContext({ baseURL: base, javaScriptEnabled: false, storageState: await admin.storageState() });
    const plain = await context.newPage();
    await plain.goto('/app/tiers');
    const hot = () => plain.locator('#preview tr[data-tier="Hot"] [data-open]').textContent();
    const saved = Number(await hot());
    await plain.getByLabel('Tier 1 minimum').fill('60');
    await plain.getByRole('button', { name: 'Preview' }).click();
    await plain.waitForLoadState();
    expect(Number(await hot())).toBeGreaterThan(saved);
    await context.close();
  });

  it('refuses a POST without the CSRF token', async () => {
    const status = await page.evaluate(async () => {
      const body = new URLSearchParams({ basis: 'score', score: 'composite', tier_name: 'Only', tier_min: '0', tier_action: 'x', action: 'save' });
      return (await fetch('/app/tiers', { method: 'POST', body })).status;
    });
    expect(status).toBe(403);
  });

  it('shows a routing rule that fails validation with its message next to the field, then simulates the fixed rules', async () => {
    await page.goto('/app/routing');
    await page.getByRole('button', { name: 'Add a rule' }).click();
    const rule = page.locator('fieldset[data-rule="0"]');
    await rule.waitFor();
    await page.getByLabel('Rule 1 name').fill('Hot leads');
    await page.getByLabel('Rule 1 condition 1 value').fill('Hot');
    await page.getByLabel('Rule 1 owner 1', { exact: true }).fill('olga');
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    // Each message sits in the same cell as the control it names.
    const ownerCell = page.locator('td', { has: page.getByLabel('Rule 1 owner 1', { exact: true }) });
    expect(await textOf(ownerCell.locator('.issues'))).toContain('"olga" is not an owner in routing.owners');
    expect(await page.getByLabel('Rule 1 owner 1', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await textOf(rule.locator('.issues'))).toContain('no fallback owner');
    expect(await page.locator('.flash-error').textContent()).toMatch(/problem/);
    expect(await page.getByLabel('Rule 1 condition 1 value').inputValue()).toBe('Hot');
    await checkScreen(page, '05-routing-invalid');

    // The script shows the settings of the kind picked at once (without it, after Check).
    await page.getByLabel('Rule 1 assign by').selectOption('territory');
    await expect.poll(() => rule.locator('.assign[data-for="territory"]').isVisible()).toBe(true);
    await page.getByLabel('Rule 1 assign by').selectOption('weighted');
    await expect.poll(() => page.getByLabel('Rule 1 owner 1 weight (%)').isVisible()).toBe(true);
    await page.getByLabel('Rule 1 assign by').selectOption('round_robin');
    await expect.poll(() => page.getByLabel('Rule 1 owner 1 weight (%)').isVisible()).toBe(false);

    await page.getByLabel('Owner 1 id').fill('olga');
    await page.getByLabel('Owner 1 name').fill('Olga Owner');
    await page.getByLabel('Owner 1 CRM user id').fill('0055e000001OwnAAA');
    await page.getByLabel('Owner 1 daily capacity').fill('25');
    await page.getByLabel('Fallback owner', { exact: true }).fill('olga');
    await page.getByLabel('Simulate leads created from').fill('2000-01-01');
    await page.getByRole('button', { name: 'Simulate' }).click();
    await page.locator('#simulation').waitFor();
    expect(await page.locator('#simulation h2').textContent()).toMatch(/Simulation: [1-9]\d* leads/);
    expect(await textOf(page.locator('#simulation'))).toContain('Olga Owner');
    expect(await page.getByLabel('Owner 2 id').inputValue()).toBe('');
    await checkScreen(page, '06-routing-simulation');
  });

  it('edits routing rules without JavaScript: add, reorder and remove rules, and see weights checked', async () => {
    const context = await browser.newContext({ baseURL: base, javaScriptEnabled: false, storageState: await admin.storageState() });
    const plain = await context.newPage();
    // A control that is not there fails with its name, well within the test's time.
    plain.setDefaultTimeout(15_000);
    await plain.goto('/app/routing');
    await plain.getByLabel('Owner 1 id').fill('ana');
    await plain.getByLabel('Owner 1 name').fill('Ana');
    await plain.getByLabel('Owner 1 CRM user id').fill('0055e000001AnaAAA');
    await plain.getByLabel('Fallback owner', { exact: true }).fill('ana');
    await plain.getByRole('button', { name: 'Add a rule' }).click();
    await plain.getByLabel('Owner 2 id').fill('ben');
    await plain.getByLabel('Owner 2 name').fill('Ben');
    await plain.getByLabel('Owner 2 CRM user id').fill('0055e000001BenAAA');
    await plain.getByLabel('Rule 1 name').fill('Split');
    await plain.getByLabel('Rule 1 assign by').selectOption('weighted');
    await plain.getByLabel('Rule 1 owner 1', { exact: true }).fill('ana');
    await plain.getByLabel('Rule 1 owner 1 weight (%)').fill('70');
    await plain.getByRole('button', { name: 'Add a rule' }).click();
    await plain.getByLabel('Rule 1 owner 2', { exact: true }).fill('ben');
    await plain.getByLabel('Rule 1 owner 2 weight (%)').fill('20');
    await plain.getByLabel('Rule 2 name').fill('Everyone else');
    await plain.getByLabel('Rule 2 owner 1', { exact: true }).fill('ben');
    await plain.getByRole('button', { name: 'Move rule 2 up' }).click();
    expect(await plain.getByLabel('Rule 1 name').inputValue()).toBe('Everyone else');
    await plain.getByRole('button', { name: 'Check', exact: true }).click();
    expect(await textOf(plain.locator('fieldset[data-rule="1"] .issues'))).toContain('weights add up to 90, not 100');
    expect(await plain.locator('fieldset[data-rule="1"] .assign[data-for="round_robin weighted"]').isVisible()).toBe(true);
    expect(await plain.locator('fieldset[data-rule="1"] .assign[data-for="territory"]').isVisible()).toBe(false);
    await plain.getByLabel('Rule 2 owner 2 weight (%)').fill('30');
    await plain.getByRole('button', { name: 'Remove rule 1' }).click();
    expect(await plain.locator('fieldset.rule').count()).toBe(1);
    await plain.getByRole('button', { name: 'Save' }).click();
    await plain.waitForURL(/\/app\/routing\?saved=\d+/);
    expect(await plain.getByLabel('Rule 1 name').inputValue()).toBe('Split');
    expect(await plain.getByLabel('Rule 1 owner 2 weight (%)').inputValue()).toBe('30');
    // axe runs in the page, so it has no place in a page without JavaScript; the same markup was checked above.
    await screenshot(plain, '06b-routing-saved-no-js');

    // The raw JSON box: broken JSON is refused under it and the form stays; valid JSON replaces the form.
    await plain.locator('#raw-json summary').click();
    await plain.getByLabel('Routing JSON').fill('{"rules": [');
    await plain.getByRole('button', { name: 'Apply JSON' }).click();
    expect(await textOf(plain.locator('#raw-json .issues'))).toMatch(/is not valid JSON/);
    expect(await plain.getByLabel('Rule 1 name').inputValue()).toBe('Split');
    expect(await plain.getByLabel('Routing JSON').inputValue()).toBe('{"rules": [');
    await plain.getByLabel('Routing JSON').fill(JSON.stringify({ score: 'fit', owners: [{ id: 'cy', name: 'Cy', crmUserId: '0055e000001CyyAAA' }], fallbackOwner: 'cy', rules: [{ name: 'Everyone', assign: { type: 'owner', owner: 'cy' } }] }));
    await plain.getByRole('button', { name: 'Apply JSON' }).click();
    expect(await plain.getByLabel('Rule 1 name').inputValue()).toBe('Everyone');
    expect(await plain.getByLabel('Rule 1 owner', { exact: true }).inputValue()).toBe('cy');
    expect(await plain.getByLabel('Owner 1 id').inputValue()).toBe('cy');
    await context.close();
  });

  it('looks up a lead and shows its card', async () => {
    const [row] = await server.db.query<{ lead_id: string; composite: number; tier: string }>(
      `SELECT s.lead_id, s.composite, s.tier FROM scores s WHERE s.tenant_id = 'demo' AND s.status = 'scored' ORDER BY s.composite DESC LIMIT 1`,
    );
    await page.goto('/app/leads');
    await page.getByLabel('Source').selectOption('file');
    await page.getByLabel('Lead id').fill(row!.lead_id);
    await page.getByRole('button', { name: 'Look up' }).click();
    const card = page.locator('article.lead-card[data-status="scored"]');
    await card.waitFor();
    expect(Number(await card.locator('[data-composite]').textContent())).toBe(row!.composite);
    expect(await card.locator('[data-tier]').textContent()).toBe(row!.tier);
    expect(await card.locator('[data-probability]').textContent()).toMatch(/^about \d+ in 10{1,2} similar leads converted$/);
    expect(await card.locator('[data-grade]').textContent()).toMatch(/^[A-D][1-4]$/);
    expect(await card.locator('[data-next-action]').textContent()).toMatch(/\w/);
    expect(await card.locator('.reasons li').count()).toBeGreaterThan(0);
    await checkScreen(page, '07-lead-card');

    await card.locator('summary').click();
    await card.getByRole('button', { name: 'Send feedback' }).click();
    expect(await textOf(page.locator('.flash'))).toContain('your feedback was recorded');
    const [feedback] = await server.db.query<{ lead_id: string; submitted_by: string; score: { composite: number } }>(`SELECT lead_id, submitted_by, score FROM feedback WHERE tenant_id = 'demo'`);
    expect(feedback).toMatchObject({ lead_id: row!.lead_id, score: { composite: row!.composite } });

    const [closed] = await server.db.query<{ lead_id: string }>(`SELECT lead_id FROM outcomes WHERE tenant_id = 'demo' LIMIT 1`);
    await page.goto(`/app/leads?source=file&id=${closed!.lead_id}`);
    expect(await textOf(page.locator('article.lead-card[data-status="not_scored"]'))).toContain('Not scored yet');
    await checkScreen(page, '08-lead-not-scored');
  });

  it('shows the other screens: connections, mappings, schedules, API keys, dead letters, audit log, users', async () => {
    await page.goto('/app/connections');
    expect(await textOf(page.locator(`tr[data-connection="salesforce-${ORG}"]`))).toContain('connected');
    expect(await textOf(page.locator(`tr[data-connection="salesforce-${ORG}"] [data-api-usage]`))).toBe('1,830 of 15,000 daily API calls used (12%)');
    await checkScreen(page, '09-connections');
    await page.goto('/app/mappings');
    expect(await page.getByLabel('Composite score Salesforce field').inputValue()).toBe('Leadscore_Score__c');
    expect(await page.getByLabel('Company Contact field').inputValue()).toBe('Account.Name');
    // How Salesforce is read: a bad attribute line is refused with its message, the fixed one saved.
    await page.getByLabel('Industry Lead field').fill('Sector__c');
    await page.getByLabel(/Lead custom attributes/).fill('Region = Sales_Region__c');
    await page.getByLabel(/Sync Contacts too/).check();
    await page.getByRole('button', { name: 'Save' }).click();
    expect(await textOf(page.locator('.issues'))).toContain('is not an attribute name');
    expect(await page.getByLabel('Industry Lead field').inputValue()).toBe('Sector__c');
    await page.getByLabel(/Lead custom attributes/).fill('region = Sales_Region__c');
    await page.getByRole('button', { name: 'Save' }).click();
    expect(await textOf(page.locator('.flash, [role=status]').first())).toMatch(/Saved as version \d+/);
    const saved = (await (await fetch(`${base}/api/v1/settings`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { settings: { salesforce: { leadFields: { fields: Record<string, string>; attributes: Record<string, string> }; syncContacts: boolean } } };
    expect(saved.settings.salesforce).toMatchObject({ leadFields: { fields: { industry: 'Sector__c' }, attributes: { region: 'Sales_Region__c' } }, syncContacts: true });
    await checkScreen(page, '10-mappings');
    // Which records are which activities: a HubSpot line without a type is refused and named, the rest kept as typed.
    await page.goto('/app/activities');
    expect(await page.getByLabel(/Task subtype/).inputValue()).toContain('Call = call');
    await page.getByLabel(/Task subtype/).fill('Call = call\nDemo = demo_request\n* = task');
    await page.getByLabel(/Engagement/).fill('form:Request a demo\ncall:* = call');
    await page.getByLabel(/Lead statuses that mean disqualified/).fill('Unqualified\nJunk');
    await page.getByRole('button', { name: 'Save' }).click();
    expect(await textOf(page.locator('.issues'))).toMatch(/form:Request a demo.*is not an activity type/);
    expect(await page.getByLabel(/Task subtype/).inputValue()).toContain('Demo = demo_request');
    await page.getByLabel(/Engagement/).fill('form:Request a demo = demo_request\npage_view:/pricing?plan=pro = pricing_page_view\ncall:* = call');
    await page.getByRole('button', { name: 'Save' }).click();
    expect(await textOf(page.locator('.flash, [role=status]').first())).toMatch(/Saved as version \d+/);
    const mapped = (await (await fetch(`${base}/api/v1/settings`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { settings: { salesforce: Record<string, unknown>; hubspot: Record<string, unknown> } };
    expect(mapped.settings.salesforce).toMatchObject({ taskTypes: { Call: 'call', Demo: 'demo_request', '*': 'task' }, disqualifiedStatuses: ['Unqualified', 'Junk'] });
    expect(mapped.settings.hubspot.activityTypes).toEqual({ 'form:Request a demo': 'demo_request', 'page_view:/pricing?plan=pro': 'pricing_page_view', 'call:*': 'call' });
    await checkScreen(page, '10b-activities');
    await page.goto('/app/schedules');
    await page.getByLabel('Rescore every open lead').fill('every hour');
    await page.getByRole('button', { name: 'Save' }).click();
    expect(await textOf(page.locator('.issues'))).toContain('is not a cron expression');
    await checkScreen(page, '11-schedules');
    await page.goto('/app/api-keys');
    await page.getByLabel('Label').fill('Record card');
    await page.getByRole('button', { name: 'Create' }).click();
    expect(await page.locator('[data-new-key]').textContent()).toMatch(/^ls_[a-z0-9]{12}_/);
    await checkScreen(page, '12-api-keys');
    await page.goto('/app/dead-letters');
    expect(await heading(page)).toBe('Dead letters');
    await checkScreen(page, '13-dead-letters');
    await page.goto('/app/audit');
    expect(await heading(page)).toBe('Audit log');
    await checkScreen(page, '14-audit');
    await page.goto('/app/users');
    expect(await textOf(page.locator('main table'))).toContain('API key bootstrap');
    await checkScreen(page, '15-users');
  });

  it('shows the model dashboard: versions, the default-model notice, monitoring charts and the model card', async () => {
    // Today's monitoring, run through the job queue as the schedule would.
    const auth = { authorization: `Bearer ${ADMIN}` };
    expect((await fetch(`${base}/api/v1/monitoring/run`, { method: 'POST', headers: auth })).status).toBe(202);
    for (let i = 0; i < 600; i++) {
      const monitoring = (await (await fetch(`${base}/api/v1/monitoring`, { headers: auth })).json()) as { latest: unknown };
      if (monitoring.latest) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.goto('/app/models');
    expect(await heading(page)).toBe('Models');
    expect(await textOf(page.locator('main'))).toContain('the shipped default model scores its leads');
    expect(await textOf(page.locator('main'))).toContain('No challenger yet');
    // The feedback sent from the lead card earlier, with the score the rep saw.
    expect(await textOf(page.locator('main'))).toContain('What reps flagged as wrong');
    expect(await page.locator('main svg').count()).toBeGreaterThan(0);
    expect(await page.locator('main').evaluate((m) => getComputedStyle(m.querySelector('.ls-dash-section')!).borderTopStyle)).toBe('solid');
    await checkScreen(page, '16-models');
    // The shipped default is in force: importance per model, with nothing earlier to compare with.
    expect(await page.locator('#importance [data-model]').count()).toBe(3);
    expect(await page.locator('#importance').innerText()).toContain('there is no previous version');
  });

  it('shows how feature importance shifted once a model of the account’s own replaced the default', async () => {
    const auth = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const demo = tenantId('demo');
    const histories = await readTrainingHistories(server.db, demo, { from: new Date(0), to: new Date('2100-01-01T00:00:00Z') });
    const set = { ...trainModelSet(histories, { params: { maxTrees: 40, threads: 1 }, segments: 'off' }), version: 'demo-own-1' };
    await insertModelVersion(server.db, demo, { version: set.version, status: 'challenger', trainingTo: new Date(set.training.to), outcomes: set.training.outcomes, reason: 'trained for the browser test', files: modelSetFiles(set, '# Demo model\n') });
    const promoted = await fetch(`${base}/api/v1/models/demo-own-1/promote`, { method: 'POST', headers: auth, body: JSON.stringify({ reason: 'browser test' }) });
    expect(promoted.status).toBe(200);
    const { tier_changes: tierChanges } = (await promoted.json()) as { tier_changes: { changed: number; open_leads: number } };
    await server.jobs.idle();
    await page.goto('/app/models');
    // RevOps is told how many open leads changed tier with the promotion.
    expect(await page.locator('#model-change [data-tier-changes]').innerText()).toBe(`${tierChanges.changed} of ${tierChanges.open_leads} open leads changed tier`);
    const importance = page.locator('#importance');
    expect(await importance.innerText()).toMatch(/how that moved since default \(.+\), the version in force before demo-own-1/);
    expect(await importance.locator('th', { hasText: 'Change since default' }).count()).toBe(3);
    // The change is printed and drawn in each row, not left to a hover.
    expect(await importance.locator('td', { hasText: / pts$/ }).count()).toBeGreaterThan(5);
    const bar = await importance.locator('svg.ls-shift rect').first().boundingBox();
    expect(bar!.width).toBeGreaterThan(0);
    await importance.scrollIntoViewIfNeeded();
    await checkScreen(page, '16b-models-importance-shift');
    const back = await fetch(`${base}/api/v1/models/rollback`, { method: 'POST', headers: auth, body: JSON.stringify({ version: 'default', reason: 'browser test done' }) });
    expect(back.status).toBe(200);
    await server.jobs.idle();
  });

  it('signs a colleague in through Salesforce as a viewer, who cannot save (403)', async () => {
    // Salesforce itself is unreachable: its consent page answers at once with a code, and nock
    // answers the token exchange and userinfo the server makes.
    nock(LOGIN).post('/services/oauth2/token').reply(200, {
      access_token: '00D5e000000AbCd!viewer',
      instance_url: INSTANCE,
      id: `${LOGIN}/id/${ORG}/${VIEWER_USER}`,
      token_type: 'Bearer',
      issued_at: '1732262400000',
      signature: 'CMJ4l+CCaPQiKjoOEwEig9H4wqhpuLSk4J2urAe+fVg=',
      scope: 'api',
    });
    nock(INSTANCE).get('/services/oauth2/userinfo').reply(200, { sub: `${LOGIN}/id/${ORG}/${VIEWER_USER}`, user_id: VIEWER_USER, organization_id: ORG, name: 'Vic Viewer', email: 'vic@acme.com', preferred_username: 'vic@acme.com' });
    const context = await browser.newContext({ baseURL: base });
    await context.route(`${LOGIN}/**`, async (route) => {
      const state = new URL(route.request().url()).searchParams.get('state')!;
      await route.fulfill({ status: 302, headers: { location: `${base}/app/auth/salesforce/callback?code=browser-code&state=${encodeURIComponent(state)}` } });
    });
    const viewer = await context.newPage();
    await viewer.goto('/app/sign-in');
    await viewer.getByRole('link', { name: 'Sign in with Salesforce' }).click();
    await viewer.waitForURL('**/app/tiers');
    expect(await viewer.locator('.who').textContent()).toMatch(/Vic Viewer.*viewer/s);
    expect(await textOf(viewer.locator('main'))).toContain('You are a viewer');
    expect(await viewer.getByRole('button', { name: 'Save' }).count()).toBe(0);
    await checkScreen(viewer, '16-viewer');
    // The form's own fields and CSRF token, posted with the save action the page does not offer.
    const csrf = await viewer.locator('#tiers-form input[name="_csrf"]').inputValue();
    const status = await viewer.evaluate(async (token) => {
      const body = new URLSearchParams({ _csrf: token, basis: 'percentile', score: 'composite', tier_name: 'Hot', tier_min: '10', tier_action: 'x', action: 'save' });
      body.append('tier_name', 'Rest');
      body.append('tier_min', '0');
      body.append('tier_action', 'y');
      return (await fetch('/app/tiers', { method: 'POST', body })).status;
    }, csrf);
    expect(status).toBe(403);
    expect(nock.pendingMocks()).toEqual([]);
    await context.close();
  });
});
