import { describe, expect, it } from 'vitest';
import { ROSTER, routingLead, scoreOf, withRouting } from '../../test/helpers/routing.js';
import { simulateRouting, spreadOf, type SimulationLead } from './simulate.js';

const settings = withRouting({
  owners: [...ROSTER.map((o) => (o.id === 'dee' ? { ...o, dailyCapacity: 2 } : o)), { id: 'eve', name: 'Eve', crmUserId: '005E', away: true }],
  rules: [
    { name: 'EMEA', when: { region: { equals: 'EMEA' } }, assign: { type: 'owner', owner: 'eve' } },
    { name: 'Hot', when: { tier: { equals: 'Hot' } }, assign: { type: 'weighted', owners: [{ owner: 'ana', weight: 70 }, { owner: 'ben', weight: 30 }] } },
    { name: 'Warm', when: { tier: { in: ['Warm', 'Nurture'] } }, assign: { type: 'round_robin', owners: ['cy', 'dee'] } },
  ],
});

/** Three days of 10 leads each, alternating Hot and Warm, plus two German leads and one not scored. */
function pastLeads(): SimulationLead[] {
  const out: SimulationLead[] = [];
  for (let day = 0; day < 3; day++) {
    for (let i = 0; i < 10; i++) {
      const id = `D${day}-${i}`;
      out.push({ lead: routingLead(id), score: scoreOf(id, i % 2 === 0 ? 'Hot' : 'Warm'), at: new Date(Date.UTC(2026, 2, 2 + day, 9 + i)) });
    }
  }
  out.push({ lead: routingLead('DE1', { country: 'Germany', createdAt: new Date('2026-03-02T08:00:00Z') }), score: scoreOf('DE1', 'Hot') });
  out.push({ lead: routingLead('DE2', { country: 'DE', createdAt: new Date('2026-03-03T08:00:00Z') }), score: scoreOf('DE2', 'Warm') });
  out.push({ lead: routingLead('X1'), score: { status: 'not_scored', leadId: 'X1', reason: 'no activity', scoredAt: new Date() }, at: new Date('2026-03-02T12:30:00Z') });
  // Given out of order: the simulation replays them in time order.
  return out.reverse();
}

describe('simulateRouting', () => {
  it('replays a past period through draft rules and reports leads, hot leads and spread per rep, and every fallback with its reason', async () => {
    const report = await simulateRouting(settings, pastLeads());
    expect(report).toMatchObject({ leads: 33, noRule: 1, assigned: 30, fallback: 2, unassigned: 0, hotTier: 'Hot' });
    expect(report.perOwner.map((o) => [o.owner, o.leads, o.hotLeads, o.fallbackLeads])).toEqual([
      ['ana', 11, 11, 0],
      ['ben', 4, 4, 0],
      // dee takes 2 a day; cy takes the rest of the Warm leads.
      ['cy', 9, 0, 0],
      ['dee', 6, 0, 0],
      ['eve', 0, 0, 0],
      ['queue', 2, 1, 2],
    ]);
    expect(report.fellBack).toEqual([
      { leadId: 'DE1', at: new Date('2026-03-02T08:00:00Z'), rule: 'EMEA', owner: 'queue', reason: 'eve could not take the lead (away); fallback owner queue' },
      { leadId: 'DE2', at: new Date('2026-03-03T08:00:00Z'), rule: 'EMEA', owner: 'queue', reason: 'eve could not take the lead (away); fallback owner queue' },
    ]);
    expect(report.spread.leads).toMatchObject({ min: 0, max: 11, mean: 6, maxMinRatio: null });
    expect(report.spread.leads.coefficientOfVariation).toBeCloseTo(spreadOf([11, 4, 9, 6, 0]).coefficientOfVariation!, 10);
    expect(report.rotations).toEqual([
      { rotation: 'rule:Hot', members: [{ owner: 'ana', leads: 11, expectedShare: 0.7, share: 11 / 15 }, { owner: 'ben', leads: 4, expectedShare: 0.3, share: 4 / 15 }], coefficientOfVariation: expect.any(Number) },
      { rotation: 'rule:Warm', members: [{ owner: 'cy', leads: 9, expectedShare: 0.5, share: 0.6 }, { owner: 'dee', leads: 6, expectedShare: 0.5, share: 0.4 }], coefficientOfVariation: 0.2 },
    ]);
    expect(report.perRule).toEqual([
      { rule: 'EMEA', leads: 2, fallback: 2, unassigned: 0 },
      { rule: 'Hot', leads: 15, fallback: 0, unassigned: 0 },
      { rule: 'Warm', leads: 15, fallback: 0, unassigned: 0 },
    ]);
  });

  it('gives the same report however often it runs, and counts the fallback owner deactivated in the CRM as unassigned', async () => {
    expect(await simulateRouting(settings, pastLeads())).toEqual(await simulateRouting(settings, pastLeads()));
    const report = await simulateRouting(settings, pastLeads(), { inactiveCrmUserIds: ['00GQ'] });
    expect(report).toMatchObject({ fallback: 0, unassigned: 2 });
    expect(report.fellBack[0]!.reason).toMatch(/fallback owner queue is deactivated in the CRM$/);
  });

  it('measures spread: 0 and 1 when even, null ratio when someone got nothing', () => {
    expect(spreadOf([5, 5, 5])).toEqual({ min: 5, max: 5, mean: 5, coefficientOfVariation: 0, maxMinRatio: 1 });
    expect(spreadOf([2, 6])).toEqual({ min: 2, max: 6, mean: 4, coefficientOfVariation: 0.5, maxMinRatio: 3 });
    expect(spreadOf([])).toMatchObject({ coefficientOfVariation: null, maxMinRatio: null });
  });
});
