import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantId, type Lead, type Score } from '../src/domain/index.js';
import { loadModelFolder, type LoadedModelSet } from '../src/model/artifact.js';
import { monitorTenant } from '../src/monitoring/index.js';
import { loadDashboardData, renderDashboardPage } from '../src/server/dashboard/index.js';
import { ensureTenant, insertActivities, storeScoreChanges, upsertLeads, upsertOutcomes, type Database } from '../src/store/index.js';
import { openTestDatabase } from './helpers/db.js';

const CHROMIUM = '/usr/bin/chromium';
const OUT = path.resolve(import.meta.dirname, 'screenshots');
const DAY = 86_400_000;
const START = new Date('2026-06-24T06:00:00Z');
const acme = tenantId('acme');

let db: Database;
let shipped: LoadedModelSet;
let own: LoadedModelSet;
beforeAll(async () => {
  db = await openTestDatabase();
  shipped = await loadModelFolder(path.resolve(import.meta.dirname, '../models/default'));
  own = { ...shipped, manifest: { ...shipped.manifest, isDefault: false, training: { ...shipped.manifest.training, from: '2026-01-01T00:00:00.000Z', to: '2026-03-31T00:00:00.000Z' } } };
});
afterAll(async () => {
  await shipped.close();
  await db.close();
});

const lead = (id: string, createdAt: Date, over: Partial<Lead> = {}): Lead => ({
  id, createdAt, email: `${id.toLowerCase()}@corp.example`, firstName: null, lastName: null, title: 'Director of Marketing', company: 'Corp',
  industry: 'Software', employees: 200, annualRevenue: null, country: 'US', leadSource: 'Webinar', attributes: {}, ...over,
});

/** A tenant with a training window, open leads drifting day by day, and outcomes of scored leads. */
async function seed(): Promise<void> {
  await ensureTenant(db, acme, 'Acme');
  const trained = Array.from({ length: 200 }, (_, i) => lead(`T${i}`, new Date('2026-01-05T00:00:00Z'), { industry: ['Software', 'Healthcare', 'Retail', 'Manufacturing'][i % 4]!, employees: 10 + i * 7 }));
  await upsertLeads(db, acme, trained);
  await upsertOutcomes(db, acme, trained.map((l, i) => ({ leadId: l.id, converted: i % 5 === 0, outcomeAt: new Date(Date.parse('2026-02-01T00:00:00Z') + i * 3600_000), amount: null })));
  // Open leads arrive every day; from the third day on, more of them are government leads in Japan.
  const open = Array.from({ length: 240 }, (_, i) => lead(`O${i}`, new Date(START.getTime() - 20 * DAY + i * 2 * 3600_000), i > 120 && i % 3 !== 0 ? { industry: 'Government', country: 'Japan' } : { industry: ['Software', 'Healthcare'][i % 2]! }));
  await upsertLeads(db, acme, open);
  await insertActivities(db, acme, open.filter((_, i) => i % 3 === 0).map((l) => ({ leadId: l.id, type: 'pricing_page_view', occurredAt: new Date(l.createdAt.getTime() + 3600_000), channel: null, detail: null })));
  const decided = Array.from({ length: 160 }, (_, i) => lead(`A${i}`, new Date(START.getTime() - 60 * DAY)));
  await upsertLeads(db, acme, decided);
  const scores: Score[] = decided.map((l, i) => {
    const converted = i % 3 === 0;
    const composite = Math.min(95, (converted ? 25 : 5) + ((i * 37) % 45));
    return { status: 'scored', leadId: l.id, composite, fit: null, engagement: null, probability: composite / 100, grade: null, tier: composite >= 40 ? 'Hot' : composite >= 20 ? 'Warm' : 'Nurture', reasons: [], nextAction: null, modelVersion: own.manifest.version, featureSpecVersion: 'lf-1', scoredAt: new Date(START.getTime() - 30 * DAY) };
  });
  await storeScoreChanges(db, acme, scores.map((score) => ({ score, write: null })));
  await upsertOutcomes(db, acme, decided.map((l, i) => ({ leadId: l.id, converted: i % 3 === 0, outcomeAt: new Date(START.getTime() - (i % 20) * DAY), amount: null })));
}

describe.skipIf(!fs.existsSync(CHROMIUM))('model dashboard in Chromium', () => {
  it('renders a full dashboard page and keeps a screenshot of it', async () => {
    await seed();
    const models = { forTenant: async () => own };
    for (let d = 0; d < 6; d++) await monitorTenant(db, models, acme, { asOf: new Date(START.getTime() + d * DAY) });
    const data = await loadDashboardData(db, models, acme);
    expect(data.history).toHaveLength(6);
    expect(data.importance.length).toBeGreaterThan(10);
    const html = renderDashboardPage(data, { challenger: { version: 'challenger-20260701', auc: 0.871, ece: 0.018, liftTopDecile: 4.9, logLoss: 0.3, outcomes: 3654 } });
    fs.mkdirSync(OUT, { recursive: true });
    const file = path.join(OUT, 'dashboard.html');
    fs.writeFileSync(file, html);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`file://${file}`);
      // Every chart is there and drawn with a size: what a person looking at the page sees.
      for (const chart of ['ls-roc', 'ls-lift', 'ls-calibration', 'ls-hot-share', 'ls-histogram']) {
        const box = await page.locator(`svg.${chart}`).boundingBox();
        expect({ chart, visible: (box?.width ?? 0) > 100 && (box?.height ?? 0) > 50 }).toEqual({ chart, visible: true });
      }
      expect(await page.locator('table.ls-drift tr.band-major').count()).toBeGreaterThan(0);
      expect(await page.locator('#champion').innerText()).toContain('challenger-20260701');
      expect(await page.locator('.ls-model-card h3').first().innerText()).toMatch(/Leadscore model/);
      await page.screenshot({ path: path.join(OUT, 'dashboard.png'), fullPage: true });
    } finally {
      await browser.close();
    }
    expect(fs.statSync(path.join(OUT, 'dashboard.png')).size).toBeGreaterThan(20_000);
  });
});
