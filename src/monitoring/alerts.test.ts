import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { alertsFor, slackText } from './alerts.js';
import type { MonitoringReport } from './report.js';
import { postToSlack } from './slack.js';

const THRESHOLDS = { psi: 0.25, aucDrop: 0.05, calibrationError: 0.1, hotShareChange: 0.1 };

function report(over: { auc?: number; ece?: number; featurePsi?: number; scorePsi?: number; hot?: number } = {}): MonitoringReport {
  return {
    day: '2026-07-01',
    asOf: '2026-07-01T00:00:00.000Z',
    model: { version: 'v1', isDefault: false, trainingWindow: { from: '2026-01-01T00:00:00Z', to: '2026-06-01T00:00:00Z' }, holdoutAuc: 0.8, holdoutEce: 0.02 },
    accuracy: {
      status: 'ok',
      outcomes: 200,
      conversions: 30,
      auc: over.auc ?? 0.79,
      precisionAtHot: 0.3,
      recallAtHot: 0.6,
      hotLeads: 40,
      ece: over.ece ?? 0.03,
      reliability: [],
      roc: [],
      lift: [],
      windowDays: 30,
      from: '2026-06-01T00:00:00Z',
      to: '2026-07-01T00:00:00Z',
      unscored: 0,
    },
    segments: [],
    drift: {
      status: 'ok',
      message: null,
      openLeads: 500,
      trainingLeads: 800,
      features: [{ name: 'industry', group: 'fit', psi: over.featurePsi ?? 0.05, band: 'stable' }],
      newLeads: null,
      score: { psi: over.scorePsi ?? 0.02, band: 'stable', edges: [], expected: [], actual: [] },
    },
    hotShare: { tier: 'Hot', current: over.hot ?? 0.21, expected: 0.2, openLeads: 500 },
    scoreHistogram: [],
  };
}

describe('alerts', () => {
  it('raises nothing when every figure is inside its threshold', () => {
    expect(alertsFor(report(), THRESHOLDS)).toEqual([]);
  });

  it('raises nothing for a figure exactly at its threshold, and one just past it', () => {
    // 0.8 - 0.75 is 0.05000000000000004 in floating point: use figures that are exact.
    const at = report({ auc: 0.75, ece: 0.1, featurePsi: 0.25, scorePsi: 0.25, hot: 0.3 });
    at.model.holdoutAuc = 0.8125;
    expect(alertsFor(at, { ...THRESHOLDS, aucDrop: 0.0625, hotShareChange: 0.3 - 0.2 })).toEqual([]);
    const past = report({ auc: 0.74, ece: 0.11, featurePsi: 0.26, scorePsi: 0.3, hot: 0.35 });
    expect(alertsFor(past, THRESHOLDS).map((a) => `${a.metric}:${a.subject}`)).toEqual(['auc_drop:', 'calibration_error:', 'feature_psi:industry', 'score_psi:', 'hot_share:Hot']);
  });

  it('names the figure, the threshold and what to do', () => {
    const [alert] = alertsFor(report({ featurePsi: 0.412 }), THRESHOLDS);
    expect(alert).toMatchObject({ metric: 'feature_psi', subject: 'industry', figure: 0.412, threshold: 0.25 });
    expect(alert!.message).toContain('0.412');
    expect(alert!.message).toContain('0.250');
    expect(alert!.action).toMatch(/retrain/);
  });

  it('raises no accuracy alert while there are not enough outcomes', () => {
    const r = report();
    r.accuracy = { status: 'not_enough_outcomes', outcomes: 3, conversions: 0, needed: { outcomes: 50, conversions: 10, nonConversions: 10 }, message: 'not enough', windowDays: 30, from: '', to: '', unscored: 0 };
    expect(alertsFor(r, { ...THRESHOLDS, aucDrop: 0.0001, calibrationError: 0.0001 })).toEqual([]);
  });
});

const URL_PATH = '/services/T000/B000/XXXXsecretXXXX';
const WEBHOOK = `https://hooks.slack.com${URL_PATH}`;
const noSleep = async () => undefined;

describe('Slack incoming webhook', () => {
  afterEach(() => {
    nock.cleanAll();
  });

  it('posts JSON {"text": ...}', async () => {
    let body: unknown;
    const scope = nock('https://hooks.slack.com')
      .post(URL_PATH, (b) => ((body = b), true))
      .matchHeader('content-type', 'application/json')
      .reply(200, 'ok');
    const text = slackText('acme', '2026-07-01', alertsFor(report({ featurePsi: 0.4 }), THRESHOLDS));
    const result = await postToSlack(WEBHOOK, text, { sleep: noSleep });
    expect(result).toEqual({ ok: true, attempts: 1, error: null });
    expect(body).toEqual({ text });
    expect(text).toMatch(/^\*Leadscore: 1 model alert for acme on 2026-07-01\*\n• Feature "industry" drifted/);
    expect(scope.isDone()).toBe(true);
  });

  it('tries again after a server error and succeeds', async () => {
    nock('https://hooks.slack.com').post(URL_PATH).reply(503, 'busy').post(URL_PATH).reply(200, 'ok');
    expect(await postToSlack(WEBHOOK, 'hi', { sleep: noSleep })).toEqual({ ok: true, attempts: 2, error: null });
  });

  it('gives up after its tries and says why, without the URL', async () => {
    nock('https://hooks.slack.com').post(URL_PATH).times(3).reply(500, `failed at ${WEBHOOK}`);
    const result = await postToSlack(WEBHOOK, 'hi', { sleep: noSleep });
    expect(result.ok).toBe(false);
    expect(result.attempts).toBe(3);
    expect(result.error).toMatch(/^Slack answered 500/);
    expect(result.error).not.toContain('secret');
  });

  it('does not try again when Slack refuses the request itself', async () => {
    nock('https://hooks.slack.com').post(URL_PATH).reply(404, 'no_service');
    expect(await postToSlack(WEBHOOK, 'hi', { sleep: noSleep })).toEqual({ ok: false, attempts: 1, error: 'Slack answered 404: no_service' });
  });

  it('records a network failure by its kind', async () => {
    nock('https://hooks.slack.com').post(URL_PATH).times(2).replyWithError({ code: 'ECONNRESET', message: `reset ${WEBHOOK}` });
    const result = await postToSlack(WEBHOOK, 'hi', { sleep: noSleep, attempts: 2 });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^could not reach Slack/);
    expect(result.error).not.toContain('secret');
  });
});
