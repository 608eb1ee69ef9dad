import { describe, expect, it } from 'vitest';
import { renderAbTest } from './ab-test.js';
import { renderLastModelChange } from './promotion.js';
import type { DashboardData } from './data.js';
import { renderDashboard } from './page.js';
import { renderModelCard } from './card.js';
import { renderCalibrationCurve, renderHotShareOverTime, renderLiftChart, renderRocCurve, renderScoreHistogramOverTime } from './charts.js';
import { escapeHtml } from './html.js';
import { renderDefaultModelNotice } from './notice.js';
import { plotX, plotY, FRAME } from './svg.js';
import { renderChampionChallenger, renderDriftTable, renderFeatureImportance } from './tables.js';

const point = (x: number, y: number) => `${Math.round(plotX(FRAME, x) * 100) / 100},${Math.round(plotY(FRAME, y) * 100) / 100}`;

describe('ROC curve', () => {
  it('draws each point at its place, prints the AUC and labels both axes', () => {
    const svg = renderRocCurve({ points: [{ fpr: 0, tpr: 0 }, { fpr: 0.1, tpr: 0.6 }, { fpr: 1, tpr: 1 }], auc: 0.812, caption: '120 outcomes' });
    const line = /<polyline class="roc" points="([^"]+)"/.exec(svg)![1]!;
    expect(line.split(' ')).toEqual([point(0, 0), point(0.1, 0.6), point(1, 1)]);
    expect(svg).toContain('AUC 0.812');
    expect(svg).toContain('False positive rate');
    expect(svg).toContain('True positive rate');
    expect(svg).toContain('>60%<');
    expect(svg).toContain('120 outcomes');
  });

  it('says why instead of drawing an empty chart', () => {
    expect(renderRocCurve({ points: [], auc: null })).toMatch(/No ROC curve yet/);
  });
});

describe('lift chart', () => {
  it('draws a bar per decile with its lift printed', () => {
    const deciles = Array.from({ length: 10 }, (_, i) => ({ decile: i + 1, leads: 10, conversionRate: 0.1, lift: i === 0 ? 3.2 : 0.76 }));
    const svg = renderLiftChart(deciles);
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(10);
    expect(svg).toContain('>3.2x<');
    expect(svg).toContain('data-decile="10"');
    expect(svg).toContain('Score decile (1 = top 10% of scores)');
    expect(svg).toContain('1x = average');
  });
});

describe('calibration curve', () => {
  it('plots mean predicted against observed for bins with leads, printing the share and the count', () => {
    const svg = renderCalibrationCurve(
      [
        { from: 0, to: 0.1, leads: 50, predicted: 0.05, observed: 0.04 },
        { from: 0.1, to: 0.2, leads: 0, predicted: null, observed: null },
        { from: 0.3, to: 0.4, leads: 20, predicted: 0.35, observed: 0.5 },
      ],
      0.031,
    );
    expect(svg.match(/<circle class="point"/g)).toHaveLength(2);
    expect(/<polyline class="calibration" points="([^"]+)"/.exec(svg)![1]).toBe(`${point(0.05, 0.04)} ${point(0.35, 0.5)}`);
    expect(svg).toContain('50% of 20');
    expect(svg).toContain('Calibration error 0.031');
  });
});

describe('score histogram and Hot share over time', () => {
  it('prints every count with its day', () => {
    const svg = renderScoreHistogramOverTime([
      { day: '2026-07-01', counts: [5, 4, 3, 2, 1, 0, 0, 0, 0, 17] },
      { day: '2026-07-02', counts: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1] },
    ]);
    expect(svg).toContain('>2026-07-01<');
    expect(svg).toContain('data-day="2026-07-02" data-bin="9"');
    expect(svg).toContain('>17<');
    expect(svg).toContain('Composite score');
  });

  it('draws the Hot share line with values and the training share', () => {
    const svg = renderHotShareOverTime([{ day: '2026-07-01', share: 0.2 }, { day: '2026-07-02', share: 0.35 }], 0.2);
    expect(svg).toContain('>35%<');
    expect(svg).toContain('training leads: 20.0%');
    expect(svg).toContain('>07-02<');
  });
});

describe('tables', () => {
  it('colours drift rows by band and names the band in words', () => {
    const html = renderDriftTable([
      { name: 'industry', group: 'fit', psi: 0.41, band: 'major' },
      { name: 'pricing_page_view_7d', group: 'engagement', psi: 0.02, band: 'stable' },
    ]);
    expect(html).toMatch(/<tr class="band-major" style="background:#ffebe9"><td>industry<\/td><td>fit<\/td><td class="num">0.410<\/td><td>major shift<\/td>/);
    expect(html).toContain('<td>stable</td>');
  });

  it('shows importance with the shift since the previous version', () => {
    const html = renderFeatureImportance(
      [{ feature: 'demo_requests_ever', importance: 0.3 }, { feature: 'industry', importance: 0.2 }, { feature: 'trial_signups_ever', importance: 0.1 }],
      [{ feature: 'industry', importance: 0.35 }, { feature: 'demo_requests_ever', importance: 0.25 }, { feature: 'webinars_ever', importance: 0.1 }],
    );
    expect(html).toContain('30.0%');
    expect(html).toMatch(/demo_requests_ever.*\+5\.0 pts<\/td><td>▲ 2 → 1/);
    expect(html).toMatch(/industry.*−15\.0 pts<\/td><td>▼ 1 → 2/);
    expect(html).toMatch(/trial_signups_ever.*<td>new<\/td>/);
    expect(html).toContain('No longer used: webinars_ever');
  });

  it('puts champion and challenger side by side and says which is better per figure', () => {
    const html = renderChampionChallenger({ version: 'v1', auc: 0.8, ece: 0.02, liftTopDecile: 3 }, { version: 'v2', auc: 0.83, ece: 0.03, liftTopDecile: 3 });
    expect(html).toMatch(/AUC<\/th><td class="num">0.800<\/td><td class="num">0.830<\/td><td class="num">\+0.030<\/td><td>challenger better/);
    expect(html).toMatch(/Calibration error.*champion better/);
    expect(html).toMatch(/Lift, top 10%.*<td>same<\/td>/);
    expect(renderChampionChallenger({ version: 'v1', auc: 0.8, ece: 0.02, liftTopDecile: 3 }, null)).toMatch(/No challenger yet/);
  });
});

describe('escaping', () => {
  it('escapes every text it is given', () => {
    const evil = '<script>alert("x")</script>';
    expect(escapeHtml(`a & ${evil} '`)).toBe('a &amp; &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &#39;');
    expect(renderDriftTable([{ name: evil, group: 'fit', psi: 0.3, band: 'major' }])).not.toContain('<script>');
    expect(renderFeatureImportance([{ feature: evil, importance: 1 }])).not.toContain('<script>');
    expect(renderScoreHistogramOverTime([{ day: evil, counts: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0] }])).not.toContain('<script>');
    expect(renderRocCurve({ points: [{ fpr: 0, tpr: 0 }, { fpr: 1, tpr: 1 }], auc: 0.5, caption: evil })).not.toContain('<script>');
  });

  it('renders the model card Markdown without letting HTML through', () => {
    const html = renderModelCard('# Leadscore model v1\n\n**Default model.** Trained on `synthetic` data.\n\n- Outcomes: 300\n- <img src=x onerror=alert(1)>\n\n| model | AUC |\n| --- | --- |\n| composite | 0.880 |\n');
    expect(html).toContain('<h3>Leadscore model v1</h3>');
    expect(html).toContain('<strong>Default model.</strong>');
    expect(html).toContain('<code>synthetic</code>');
    expect(html).toContain('<li>Outcomes: 300</li>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
    expect(html).toContain('<th>model</th><th>AUC</th>');
    expect(html).toContain('<td>composite</td><td>0.880</td>');
  });
});

describe('default model notice', () => {
  it('says the shipped default scores the tenant and what is missing for its own', () => {
    const html = renderDefaultModelNotice({ version: 'd1', outcomes: 120, conversions: 10, needed: { outcomes: 300, conversions: 30, nonConversions: 30 } });
    expect(html).toContain('The shipped default model (d1) is scoring your leads.');
    expect(html).toContain('180 more outcomes, 20 more conversions to go');
  });
});

describe('live A/B split', () => {
  const arm = (auc: number | null, outcomes: number) => ({ leads: 100, outcomes, conversions: 5, conversionRate: 5 / outcomes, scored: outcomes, auc, meanPredicted: 0.06, calibrationError: 0.012 });
  const settings = { enabled: true, share: 0.2, writes: 'champion' as const };

  it('shows both arms side by side with every figure printed, and the champion on the challenger arm when measured', () => {
    const html = renderAbTest(
      {
        challenger: 'v7',
        startedAt: '2026-07-01T00:00:00.000Z',
        lastAssignedAt: '2026-07-09T00:00:00.000Z',
        settings,
        champion: { ...arm(0.712, 40), model: 'champion' },
        challengerArm: { ...arm(0.781, 20), model: 'challenger' },
        championOnChallengerArm: arm(0.705, 20),
        comparison: null,
        summary: 'AUC 0.781 for the challenger <arm>',
      },
      settings,
    );
    expect(html).toMatch(/On: 20% of the leads are scored by the newest challenger; the CRM gets the champion&#39;s score/);
    expect(html).toMatch(/Champion&#39;s arm<\/th><td>champion<\/td><td class="num">100<\/td><td class="num">40<\/td><td class="num">5<\/td><td class="num">12\.5%<\/td><td class="num">40<\/td><td class="num">0\.712<\/td><td class="num">6\.0%<\/td><td class="num">0\.012<\/td>/);
    expect(html).toMatch(/Challenger&#39;s arm<\/th><td>challenger v7<\/td>.*<td class="num">0\.781<\/td>/);
    expect(html).toMatch(/as the champion scored it<\/th>.*<td class="num">0\.705<\/td>/);
    expect(html).toContain('since 2026-07-01');
    expect(html).toContain('AUC 0.781 for the challenger &lt;arm&gt;');
  });

  it('prints n/a for an AUC that cannot be computed and says when no split has run', () => {
    const html = renderAbTest(
      { challenger: 'v7', startedAt: '2026-07-01T00:00:00.000Z', lastAssignedAt: '2026-07-01T00:00:00.000Z', settings, champion: { ...arm(null, 0), model: 'champion' }, challengerArm: { ...arm(null, 0), model: 'challenger' }, championOnChallengerArm: null, comparison: null, summary: 'Not enough outcomes' },
      settings,
    );
    expect(html.match(/<td class="num">n\/a<\/td>/g)!.length).toBeGreaterThanOrEqual(2);
    expect(html).not.toContain('as the champion scored it');
    expect(renderAbTest(null, { ...settings, enabled: false })).toMatch(/Off \(settings learning\.abTest\).*No A\/B split has run/);
    expect(renderAbTest(null, settings)).toMatch(/at the next rescoring, once a challenger waits/);
  });
});

describe('feature importance per model', () => {
  const imp = (pairs: Array<[string, number]>) => pairs.map(([feature, importance]) => ({ feature, importance }));

  it('shows fit, engagement and composite side by side, each with its shift since the previous version printed and drawn', () => {
    const data: DashboardData = {
      tenant: 'acme',
      model: { version: 'v2', isDefault: false, createdAt: '2026-07-01T00:00:00Z', trainingWindow: null, holdout: { version: 'v2', auc: 0.8, ece: 0.02, liftTopDecile: 3 } },
      modelCard: null,
      importance: imp([['demo_requests_ever', 0.6], ['industry', 0.4]]),
      previousImportance: imp([['industry', 0.7], ['demo_requests_ever', 0.3]]),
      importanceByModel: [
        { model: 'fit', current: imp([['title_seniority', 0.5], ['employees', 0.5]]), previous: imp([['title_seniority', 0.5], ['employees', 0.5]]) },
        { model: 'engagement', current: imp([['pricing_views_7d', 1]]), previous: imp([['webinars_ever', 1]]) },
        { model: 'composite', current: imp([['demo_requests_ever', 0.6], ['industry', 0.4]]), previous: imp([['industry', 0.7], ['demo_requests_ever', 0.3]]) },
      ],
      previousVersion: 'v1',
      latest: null,
      history: [],
      openAlerts: [],
      outcomes: { total: 900, converted: 90, needed: { outcomes: 500, conversions: 30, nonConversions: 30 } },
    };
    const html = renderDashboard(data);
    const section = /<section class="ls-dash-section" id="importance">(.*?)<\/section>/s.exec(html)![1]!;
    expect(section).toContain('how that moved since v1, the version in force before v2');
    expect(section.match(/<div class="ls-importance-model" data-model="(\w+)">/g)).toEqual(['fit', 'engagement', 'composite'].map((m) => `<div class="ls-importance-model" data-model="${m}">`));
    expect(section.match(/<th>Change since v1<\/th>/g)).toHaveLength(3);
    const composite = /data-model="composite">(.*?)<\/table>/s.exec(section)![1]!;
    expect(composite).toMatch(/demo_requests_ever.*\+30\.0 pts<\/td><td>▲ 2 → 1<\/td><td><svg class="ls-shift"[^>]*><title>\+30\.0 pts<\/title><line[^>]*\/><rect class="gain" x="40" y="2" width="40"/);
    expect(composite).toMatch(/industry.*−30\.0 pts<\/td><td>▼ 1 → 2<\/td><td><svg class="ls-shift"[^>]*><title>−30\.0 pts<\/title><line[^>]*\/><rect class="loss" x="0" y="2" width="40"/);
    const fit = /data-model="fit">(.*?)<\/table>/s.exec(section)![1]!;
    expect(fit).toMatch(/\+0\.0 pts<\/td><td>= 1<\/td>/);
    expect(section).toMatch(/data-model="engagement">.*pricing_views_7d.*<td>new<\/td>.*No longer used: webinars_ever/s);
  });

  it('says when the shipped default is in force and there is nothing to compare with', () => {
    const data = {
      tenant: 'acme',
      model: { version: 'd1', isDefault: true, createdAt: '2026-01-01T00:00:00Z', trainingWindow: null, holdout: { version: 'd1', auc: 0.8, ece: 0.02, liftTopDecile: 3 } },
      modelCard: null,
      importance: imp([['industry', 1]]),
      previousImportance: null,
      importanceByModel: [{ model: 'composite' as const, current: imp([['industry', 1]]), previous: null }],
      previousVersion: null,
      latest: null,
      history: [],
      openAlerts: [],
      outcomes: { total: 0, converted: 0, needed: { outcomes: 500, conversions: 30, nonConversions: 30 } },
    };
    const section = /id="importance">(.*?)<\/section>/s.exec(renderDashboard(data))![1]!;
    expect(section).toContain('The shipped default model is in force: there is no previous version');
    expect(section).not.toContain('Change since');
  });
});

describe('last model change', () => {
  it('tells RevOps how many open leads changed tier, with each tier before and after', () => {
    const html = renderLastModelChange({
      at: new Date('2026-07-02T03:04:00Z'),
      action: 'model_promotion',
      version: 'v2',
      previous: 'v1',
      actor: 'schedule',
      reason: 'promoted: AUC 0.81 against 0.78',
      tierChanges: { openLeads: 1000, before: { Hot: 200, Warm: 300, Nurture: 500 }, after: { Hot: 210, Warm: 290, Nurture: 500 }, changed: 137, asOf: '2026-07-02T03:04:00Z' },
    });
    expect(html).toContain('On 2026-07-02 03:04 UTC, <strong>v2</strong> was promoted over v1 (schedule: promoted: AUC 0.81 against 0.78).');
    expect(html).toContain('<strong data-tier-changes>137 of 1000 open leads changed tier</strong>');
    expect(html).toContain('<tr><th scope="row">Hot</th><td class="num">200</td><td class="num">210</td><td class="num">+10</td></tr>');
    expect(html).toContain('<tr><th scope="row">Warm</th><td class="num">300</td><td class="num">290</td><td class="num">−10</td></tr>');
    expect(html).toContain('<tr><th scope="row">Nurture</th><td class="num">500</td><td class="num">500</td><td class="num">0</td></tr>');
    expect(renderLastModelChange(null)).toMatch(/No model has been promoted or rolled back/);
    expect(renderLastModelChange({ at: new Date(0), action: 'model_rollback', version: 'default', previous: 'v2', actor: 'a', reason: null, tierChanges: null })).toMatch(/default<\/strong> was rolled back to, replacing v2 \(a\)\.<\/p>$/);
  });
});
