import path from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/helpers/db.js';
import { tenantId, type Lead, type Score, type TenantId } from '../domain/index.js';
import { loadModelFolder, type LoadedModelSet } from '../model/artifact.js';
import type { ModelSource } from '../scoring/rescore.js';
import { DEFAULT_SETTINGS, saveSettings } from '../settings/index.js';
import {
  acknowledgeAlert,
  ensureTenant,
  insertActivities,
  listAlerts,
  monitoringReports,
  storeScoreChanges,
  upsertLeads,
  upsertOutcomes,
  type Database,
} from '../store/index.js';
import { monitorTenant } from './monitor.js';

const acme = tenantId('acme');
const globex = tenantId('globex');
const AS_OF = new Date('2026-06-30T00:00:00Z');
const DAY = 86_400_000;
const WEBHOOK_PATH = '/services/T1/B1/abcdefSECRET';

let shipped: LoadedModelSet;
/** The shipped trees, presented as a tenant's own model trained on outcomes from January to March. */
let own: LoadedModelSet;
beforeAll(async () => {
  shipped = await loadModelFolder(path.resolve(import.meta.dirname, '../../models/default'));
  own = {
    ...shipped,
    manifest: { ...shipped.manifest, isDefault: false, training: { ...shipped.manifest.training, from: '2026-01-01T00:00:00.000Z', to: '2026-03-31T00:00:00.000Z' } },
  };
});
afterAll(async () => {
  await shipped.close();
});

const source = (set: () => LoadedModelSet): ModelSource => ({ forTenant: async () => set() });

let db: Database;
beforeEach(async () => {
  db = await openTestDatabase();
  await ensureTenant(db, acme, 'Acme');
  await ensureTenant(db, globex, 'Globex');
});
afterEach(async () => {
  nock.cleanAll();
  await db.close();
});

const lead = (id: string, createdAt: Date, over: Partial<Lead> = {}): Lead => ({
  id,
  createdAt,
  email: `${id.toLowerCase()}@corp.example`,
  firstName: null,
  lastName: null,
  title: 'VP Operations',
  company: 'Corp',
  industry: 'Software',
  employees: 300,
  annualRevenue: null,
  country: 'US',
  leadSource: 'Referral',
  attributes: {},
  ...over,
});

/** 150 leads decided in the training window, and 150 open leads today whose industry and country moved. */
async function seedDrift(tenant: TenantId): Promise<void> {
  const trained = Array.from({ length: 150 }, (_, i) => lead(`T${i}`, new Date('2026-01-05T00:00:00Z'), { industry: ['Software', 'Healthcare', 'Retail'][i % 3]!, employees: 20 + i * 10 }));
  const open = Array.from({ length: 150 }, (_, i) => lead(`O${i}`, new Date(AS_OF.getTime() - 10 * DAY), { industry: 'Government', country: 'Japan', employees: 20 + i * 10 }));
  await upsertLeads(db, tenant, [...trained, ...open]);
  await upsertOutcomes(db, tenant, trained.map((l, i) => ({ leadId: l.id, converted: i % 4 === 0, outcomeAt: new Date(new Date('2026-02-01T00:00:00Z').getTime() + i * 3600_000), amount: null })));
  await insertActivities(db, tenant, open.slice(0, 50).map((l) => ({ leadId: l.id, type: 'pricing_page_view', occurredAt: new Date(AS_OF.getTime() - DAY), channel: null, detail: null })));
}

/** 80 leads scored last month and decided since: the converted ones scored higher, Hot above 60. */
async function seedOutcomes(tenant: TenantId, count = 80): Promise<void> {
  const leads = Array.from({ length: count }, (_, i) => lead(`A${i}`, new Date(AS_OF.getTime() - 40 * DAY)));
  await upsertLeads(db, tenant, leads);
  const scores: Score[] = leads.map((l, i) => {
    const composite = i % 2 === 0 ? 40 + (i % 40) : 5 + (i % 40);
    return {
      status: 'scored',
      leadId: l.id,
      composite,
      fit: null,
      engagement: null,
      probability: composite / 100,
      grade: null,
      tier: composite >= 60 ? 'Hot' : 'Nurture',
      reasons: [],
      nextAction: null,
      modelVersion: 'v1',
      featureSpecVersion: 'lf-1',
      scoredAt: new Date(AS_OF.getTime() - 20 * DAY),
    };
  });
  await storeScoreChanges(db, tenant, scores.map((score) => ({ score, write: null })));
  // A score after the outcome knew the answer: it must not count.
  await storeScoreChanges(db, tenant, scores.map((s) => ({ score: { ...s, composite: 99, probability: 0.99, tier: 'Hot', scoredAt: new Date(AS_OF.getTime() - 2 * DAY) }, write: null })));
  await upsertOutcomes(db, tenant, leads.map((l, i) => ({ leadId: l.id, converted: i % 2 === 0, outcomeAt: new Date(AS_OF.getTime() - 5 * DAY), amount: null })));
}

describe('monitorTenant', () => {
  it('reports "not enough outcomes" for a tenant with none yet, and stores the report', async () => {
    const { report, alerts } = await monitorTenant(db, source(() => shipped), acme, { asOf: AS_OF });
    expect(report.accuracy.status).toBe('not_enough_outcomes');
    expect(report.accuracy).toMatchObject({ outcomes: 0, conversions: 0 });
    expect(report.accuracy).not.toHaveProperty('auc');
    expect(report.drift.status).toBe('not_enough_data');
    expect(report.hotShare.current).toBeNull();
    expect(alerts).toEqual([]);
    const stored = await monitoringReports(db, acme);
    expect(stored.map((r) => r.day)).toEqual(['2026-06-30']);
    expect((stored[0]!.report as { accuracy: { status: string } }).accuracy.status).toBe('not_enough_outcomes');
  });

  it('measures accuracy on the score each lead had before its outcome', async () => {
    await seedOutcomes(acme);
    const { report } = await monitorTenant(db, source(() => shipped), acme, { asOf: AS_OF });
    const a = report.accuracy;
    if (a.status !== 'ok') throw new Error(a.message);
    expect(a.outcomes).toBe(80);
    expect(a.conversions).toBe(40);
    // Converted leads scored 40-79, the others 5-44: the overlap 40-44 keeps it below 1.
    expect(a.auc).toBeGreaterThan(0.9);
    expect(a.auc).toBeLessThan(1);
    // Hot (>= 60) only among the converted ones: precision 1; the later 99s would have made recall 1.
    expect(a.precisionAtHot).toBe(1);
    expect(a.recallAtHot).toBeLessThan(1);
    expect(report.segments.find((s) => s.kind === 'source')).toMatchObject({ value: 'referral' });
  });

  it('says the shipped default model is scoring and measures the score distribution only', async () => {
    await seedDrift(acme);
    const { report } = await monitorTenant(db, source(() => shipped), acme, { asOf: AS_OF });
    expect(report.model.isDefault).toBe(true);
    expect(report.drift.message).toMatch(/shipped default model/);
    expect(report.drift.score).not.toBeNull();
    expect(report.hotShare.current).not.toBeNull();
    expect(report.hotShare.expected).toBeCloseTo(0.2, 2);
    expect(report.scoreHistogram.reduce((a, b) => a + b, 0)).toBe(150);
  });

  it('finds drifted features against the training window and raises one alert each, once a day', async () => {
    await seedDrift(acme);
    const first = await monitorTenant(db, source(() => own), acme, { asOf: AS_OF });
    expect(first.report.drift.status).toBe('ok');
    expect(first.report.drift.trainingLeads).toBe(150);
    const byName = new Map(first.report.drift.features.map((f) => [f.name, f]));
    expect(byName.get('industry')!.psi).toBeGreaterThan(0.25);
    expect(byName.get('industry')!.band).toBe('major');
    expect(byName.get('country')!.psi).toBeGreaterThan(0.25);
    expect(byName.get('employees_log10')!.psi).toBeLessThan(0.1);
    // The open leads were all created 10 days ago: new leads, whose fit features are compared on their own too.
    const newLeads = first.report.drift.newLeads!;
    expect(newLeads).toMatchObject({ days: 14, leads: 150 });
    expect(newLeads.features.every((f) => f.group === 'fit')).toBe(true);
    expect(newLeads.features.find((f) => f.name === 'industry')!.psi).toBeGreaterThan(0.25);
    expect(first.alerts.some((a) => a.metric === 'new_lead_psi' && a.subject === 'industry')).toBe(true);
    const subjects = first.alerts.filter((a) => a.metric === 'feature_psi').map((a) => a.subject);
    expect(subjects).toContain('industry');
    expect(subjects).not.toContain('employees_log10');
    expect(first.slack.status).toBe('not_configured');
    const again = await monitorTenant(db, source(() => own), acme, { asOf: new Date(AS_OF.getTime() + 3600_000) });
    expect(again.alerts).toEqual([]);
    expect((await listAlerts(db, acme)).length).toBe(first.alerts.length);
    // The next day the drift lasts: no new alert while the first is not acknowledged, a new one once it is.
    const industry = first.alerts.find((a) => a.subject === 'industry')!;
    expect((await monitorTenant(db, source(() => own), acme, { asOf: new Date(AS_OF.getTime() + DAY) })).alerts).toEqual([]);
    await acknowledgeAlert(db, acme, industry.id, 'ana');
    const nextDay = await monitorTenant(db, source(() => own), acme, { asOf: new Date(AS_OF.getTime() + 2 * DAY) });
    expect(nextDay.alerts.map((a) => `${a.metric}:${a.subject}`)).toEqual(['feature_psi:industry']);
  });

  it('keeps tenants apart: reports, alerts and acknowledgements', async () => {
    await seedDrift(acme);
    const { alerts } = await monitorTenant(db, source(() => own), acme, { asOf: AS_OF });
    expect(alerts.length).toBeGreaterThan(0);
    expect(await monitoringReports(db, globex)).toEqual([]);
    expect(await listAlerts(db, globex)).toEqual([]);
    expect(await acknowledgeAlert(db, globex, alerts[0]!.id, 'someone')).toBeNull();
    const globexRun = await monitorTenant(db, source(() => own), globex, { asOf: AS_OF });
    expect(globexRun.report.drift.openLeads).toBe(0);
    expect(globexRun.alerts).toEqual([]);
    const acked = await acknowledgeAlert(db, acme, alerts[0]!.id, 'ana');
    expect(acked).toMatchObject({ id: alerts[0]!.id, acknowledgedBy: 'ana' });
    expect((await listAlerts(db, acme, { open: true })).map((a) => a.id)).not.toContain(alerts[0]!.id);
  });

  it('posts new alerts to the Slack webhook and records it', async () => {
    await seedDrift(acme);
    await saveSettings(db, acme, { ...DEFAULT_SETTINGS, monitoring: { ...DEFAULT_SETTINGS.monitoring, slackWebhookUrl: `https://hooks.slack.com${WEBHOOK_PATH}` } }, 'test');
    let text = '';
    nock('https://hooks.slack.com')
      .post(WEBHOOK_PATH, (b: { text: string }) => ((text = b.text), true))
      .reply(200, 'ok');
    const { alerts, slack } = await monitorTenant(db, source(() => own), acme, { asOf: AS_OF });
    expect(slack).toEqual({ status: 'sent', attempts: 1, error: null });
    expect(text).toContain('Feature "industry" drifted');
    expect((await listAlerts(db, acme)).every((a) => a.slack.status === 'sent')).toBe(true);
    expect(alerts.length).toBeGreaterThan(0);
  });

  it('keeps the in-app alerts when Slack fails, with the failure recorded', async () => {
    await seedDrift(acme);
    await saveSettings(db, acme, { ...DEFAULT_SETTINGS, monitoring: { ...DEFAULT_SETTINGS.monitoring, slackWebhookUrl: `https://hooks.slack.com${WEBHOOK_PATH}` } }, 'test');
    nock('https://hooks.slack.com').post(WEBHOOK_PATH).times(3).reply(500, 'oops');
    const { alerts, slack } = await monitorTenant(db, source(() => own), acme, { asOf: AS_OF, slack: { sleep: async () => undefined } });
    expect(slack.status).toBe('failed');
    expect(slack.attempts).toBe(3);
    const stored = await listAlerts(db, acme);
    expect(stored.length).toBe(alerts.length);
    expect(stored.length).toBeGreaterThan(0);
    expect(stored[0]!.slack).toEqual({ status: 'failed', attempts: 3, error: 'Slack answered 500: oops' });
  });
});
