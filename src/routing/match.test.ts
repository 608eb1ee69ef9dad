import { describe, expect, it } from 'vitest';
import { routingLead, scoreOf, withRouting } from '../../test/helpers/routing.js';
import { routingOf, type RoutingConditions } from '../settings/index.js';
import { leadFacts } from './facts.js';
import { conditionsHold, findRule } from './match.js';
import { countryKey, regionOf, stateKey } from './places.js';

const holds = (when: RoutingConditions, lead = routingLead('L1'), score = scoreOf('L1', 'Hot', 85)) => conditionsHold(when, leadFacts(lead, score));

describe('conditions', () => {
  it('matches tier, grade and score ranges, inclusive at both ends', () => {
    expect(holds({})).toBe(true);
    expect(holds({ tier: { equals: 'hot' } })).toBe(true);
    expect(holds({ tier: { in: ['Warm', 'Nurture'] } })).toBe(false);
    expect(holds({ grade: { equals: 'B2' } })).toBe(true);
    expect(holds({ grade: { in: ['A', 'B'] } })).toBe(true);
    expect(holds({ grade: { equals: 'B1' } })).toBe(false);
    expect(holds({ composite: { min: 85, max: 85 } })).toBe(true);
    expect(holds({ composite: { min: 85.5 } })).toBe(false);
    expect(holds({ fit: { max: 90 }, engagement: { min: 80 } })).toBe(true);
  });

  it('treats a lead without a score as outside every score condition, but inside rules without one', () => {
    const notScored = { status: 'not_scored' as const, leadId: 'L1', reason: 'no activity', scoredAt: new Date() };
    expect(holds({ tier: { equals: 'Hot' } }, routingLead('L1'), notScored)).toBe(false);
    expect(holds({ composite: { min: 0 } }, routingLead('L1'), notScored)).toBe(false);
    expect(holds({ country: { equals: 'US' } }, routingLead('L1'), notScored)).toBe(true);
  });

  it('matches countries, regions and states however the CRM spells them', () => {
    const uk = routingLead('L1', { country: 'United Kingdom' });
    expect(holds({ country: { in: ['GB'] } }, uk)).toBe(true);
    expect(holds({ country: { equals: 'uk' } }, uk)).toBe(true);
    expect(holds({ region: { equals: 'EMEA' } }, uk)).toBe(true);
    expect(holds({ region: { equals: 'NA' } }, uk)).toBe(false);
    expect(holds({ country: { equals: 'Poland' } }, routingLead('L1', { country: 'poland' }))).toBe(true);
    expect(holds({ country: { equals: 'Poland' } }, routingLead('L1', { country: 'Chile' }))).toBe(false);
    expect(holds({ region: { equals: 'EMEA' } }, routingLead('L1', { country: 'PL' }))).toBe(true);
    const calif = routingLead('L1', { attributes: { state: 'Calif.' } });
    expect(holds({ state: { in: ['CA'] } }, calif)).toBe(true);
    expect(holds({ state: { equals: 'California' } }, routingLead('L1', { attributes: { State: 'ca' } }))).toBe(true);
    expect(holds({ state: { equals: 'NY' } }, calif)).toBe(false);
    expect(holds({ state: { equals: 'NY' } }, routingLead('L1'))).toBe(false);
    expect([countryKey('U.S.A.'), countryKey(' '), stateKey('Québec'), stateKey('Bavaria'), regionOf('JP')]).toEqual(['US', null, 'QC', 'bavaria', 'APAC']);
  });

  it('matches industry and lead source by the text or the category it falls in, and company size by range', () => {
    const saas = routingLead('L1', { industry: 'SaaS', leadSource: 'Google Ads', employees: 1000 });
    expect(holds({ industry: { equals: 'software' } }, saas)).toBe(true);
    expect(holds({ industry: { equals: 'SAAS' } }, saas)).toBe(true);
    expect(holds({ industry: { equals: 'Financial Services' } }, routingLead('L1', { industry: 'Banking' }))).toBe(true);
    expect(holds({ industry: { in: ['healthcare'] } }, saas)).toBe(false);
    expect(holds({ leadSource: { equals: 'paid search' } }, saas)).toBe(true);
    expect(holds({ employees: { min: 1000 } }, saas)).toBe(true);
    expect(holds({ employees: { max: 999 } }, saas)).toBe(false);
    expect(holds({ employees: { min: 0 } }, routingLead('L1', { employees: null }))).toBe(false);
  });

  it('matches custom attributes by equality, list or numeric range, with the name in any case', () => {
    const lead = routingLead('L1', { attributes: { Product_Interest: 'Routing', seats: '120', empty: ' ' } });
    expect(holds({ attributes: { product_interest: { equals: 'routing' } } }, lead)).toBe(true);
    expect(holds({ attributes: { Product_Interest: { in: ['Scoring', 'Routing'] } } }, lead)).toBe(true);
    expect(holds({ attributes: { seats: { min: 100, max: 200 } } }, lead)).toBe(true);
    expect(holds({ attributes: { seats: { min: 121 } } }, lead)).toBe(false);
    expect(holds({ attributes: { missing: { equals: 'x' } } }, lead)).toBe(false);
    expect(holds({ attributes: { empty: { min: 0 } } }, lead)).toBe(false);
    expect(holds({ attributes: { Product_Interest: { min: 0 } } }, lead)).toBe(false);
  });
});

describe('rules', () => {
  const settings = withRouting({
    teams: [
      { id: 'west', name: 'West', members: [{ owner: 'ana' }, { owner: 'ben' }] },
      { id: 'east', name: 'East', members: [{ owner: 'cy' }] },
    ],
    rules: [
      { name: 'Hot', when: { tier: { equals: 'Hot' }, country: { equals: 'US' } }, assign: { type: 'owner', owner: 'dee' } },
      {
        name: 'US states',
        assign: { type: 'territory', by: 'state', territories: [{ values: ['CA', 'WA'], team: 'west' }, { values: ['NY'], team: 'east' }], within: { type: 'round_robin' } },
      },
      { name: 'Everyone else', assign: { type: 'round_robin', owners: ['ana', 'ben'] } },
    ],
  });
  const routing = routingOf(settings.routing);
  const ruleFor = (lead = routingLead('L1'), tier = 'Warm') => {
    const m = findRule(routing, leadFacts(lead, scoreOf(lead.id, tier)));
    return m && { rule: m.rule.name, team: m.territory?.team.id ?? null, value: m.territory?.value ?? null };
  };

  it('takes the first rule that matches, in order', () => {
    expect(ruleFor(routingLead('L1'), 'Hot')).toEqual({ rule: 'Hot', team: null, value: null });
    expect(ruleFor(routingLead('L1', { attributes: { state: 'New York' } }), 'Hot')).toMatchObject({ rule: 'Hot' });
    expect(ruleFor(routingLead('L1', { attributes: { state: 'New York' } }))).toEqual({ rule: 'US states', team: 'east', value: 'NY' });
    expect(ruleFor(routingLead('L1', { attributes: { state: 'wash' } }))).toEqual({ rule: 'US states', team: 'west', value: 'WA' });
  });

  it('passes a lead no territory covers on to the next rule, and answers null when no rule matches', () => {
    expect(ruleFor(routingLead('L1', { attributes: { state: 'TX' } }))).toMatchObject({ rule: 'Everyone else' });
    expect(ruleFor(routingLead('L1'))).toMatchObject({ rule: 'Everyone else' });
    expect(findRule({ ...routing, rules: routing.rules.slice(0, 1) }, leadFacts(routingLead('L1'), null))).toBeNull();
  });
});
