import { describe, expect, it } from 'vitest';
import type { Score } from '../src/domain/index.js';
import { layout, probabilityInWords, renderLeadCard, sparkline, type LeadCardModel } from '../src/server/web/index.js';

const scored: Score = {
  status: 'scored',
  leadId: 'L1',
  composite: 72.4,
  fit: 61,
  engagement: 80.5,
  probability: 0.31,
  grade: 'B1',
  tier: 'Warm',
  reasons: [
    { feature: 'demo', text: 'Requested a demo <b>this week</b>', contribution: 0.4, direction: 'positive' },
    { feature: 'email', text: 'Uses a free email address', contribution: -0.2, direction: 'negative' },
  ],
  nextAction: 'Follow up within 2 business days',
  modelVersion: 'm-1',
  featureSpecVersion: 'lf-1',
  scoredAt: new Date('2026-11-20T10:00:00Z'),
} as Score;

const model = (over: Partial<LeadCardModel> = {}): LeadCardModel => ({
  source: 'salesforce',
  leadId: 'L1',
  lead: { name: 'Dana Lee', title: 'VP Ops', company: 'Globex', email: 'dana@globex.com' },
  score: scored,
  history: [
    { scoredAt: new Date('2026-11-20'), composite: 72.4 },
    { scoredAt: new Date('2026-11-10'), composite: 40 },
    { scoredAt: new Date('2026-11-01'), composite: 20 },
  ],
  tierRank: 1,
  feedback: { action: '/app/leads/salesforce/L1/feedback', csrfToken: 'tok', available: false },
  ...over,
});

describe('lead card', () => {
  it('says the probability in words', () => {
    expect(probabilityInWords(0.31)).toBe('about 3 in 10 similar leads converted');
    expect(probabilityInWords(0.04)).toBe('about 4 in 100 similar leads converted');
    expect(probabilityInWords(0.97)).toBe('about 97 in 100 similar leads converted');
    expect(probabilityInWords(0.001)).toBe('fewer than 1 in 100 similar leads converted');
  });

  it('renders the score, tier colour, reasons each way, next action, model, trend and the feedback form, escaping text', () => {
    const card = renderLeadCard(model()).text;
    expect(card).toMatch(/data-composite>72\.4</);
    expect(card).toMatch(/class="tier tier-1" data-tier>Warm</);
    expect(card).toContain('about 3 in 10 similar leads converted');
    expect(card).toContain('Requested a demo &lt;b&gt;this week&lt;/b&gt;');
    expect(card).toMatch(/class="minus"><li>Uses a free email address/);
    expect(card).toContain('Follow up within 2 business days');
    expect(card).toContain('<code>m-1</code>');
    expect(card).toMatch(/<svg class="spark"[^>]*aria-label="Score trend over the last 3 scores: 20, 40, 72.4"/);
    expect(card).toContain('Feedback is not available yet');
    expect(card).toContain('action="/app/leads/salesforce/L1/feedback"');
  });

  it('draws the trend oldest to newest, and no trend from a single score', () => {
    const svg = String(sparkline(model().history, 100, 20));
    const points = /points="([^"]+)"/.exec(svg)![1]!.split(' ').map((p) => p.split(',').map(Number));
    expect(points.map((p) => p[0])).toEqual([2, 50, 98]);
    // Higher scores are drawn higher (smaller y).
    expect(points[2]![1]!).toBeLessThan(points[0]![1]!);
    expect(sparkline([{ scoredAt: new Date(), composite: 50 }])).toBe('');
  });

  it('says why a lead is not scored', () => {
    const card = renderLeadCard(model({ score: { status: 'not_scored', leadId: 'L1', reason: 'too little data <yet>', scoredAt: new Date('2026-11-20T10:00:00Z') }, feedback: null })).text;
    expect(card).toContain('data-status="not_scored"');
    expect(card).toContain('Not scored yet.</strong> too little data &lt;yet&gt;');
    expect(card).not.toContain('<form');
  });
});

describe('layout', () => {
  it('wraps a page with the nav, extra sections such as /app/models, and no inline script', () => {
    const page = layout({ title: 'Models', active: '/app/models', user: { displayName: 'Ada <A>', role: 'admin', tenant: 'demo' }, csrfToken: 't', extraNav: [{ href: '/app/models', label: 'Models' }], body: '<p>x</p>' });
    expect(page).toMatch(/<a href="\/app\/models" aria-current="page">Models<\/a>/);
    expect(page).toContain('Ada &lt;A&gt;');
    expect(page).toContain('<link rel="stylesheet" href="/app/assets/app.css">');
    expect(page).not.toMatch(/<script(?![^>]*\ssrc=)/);
  });
});
