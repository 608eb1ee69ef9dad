import { describe, expect, it } from 'vitest';
import { ROSTER, routingProblems, withRouting } from '../../test/helpers/routing.js';
import { DEFAULT_SETTINGS, SettingsSchema } from './index.js';

const rr = (owners: string[]) => ({ type: 'round_robin', owners });

describe('routing settings', () => {
  it('keeps settings saved before routing rules existed valid, and fills defaults into rules and owners', () => {
    expect(SettingsSchema.parse({ ...DEFAULT_SETTINGS, routing: { score: 'fit' } }).routing).toEqual({ score: 'fit' });
    const s = withRouting({ rules: [{ name: 'All', assign: rr(['ana', 'ben']) }] });
    expect(s.routing.rules![0]).toEqual({ name: 'All', when: {}, assign: { type: 'round_robin', owners: ['ana', 'ben'], returning: 'rejoin' }, followUpTask: true });
    expect(s.routing.owners![0]).toEqual({ ...ROSTER[0], kind: 'user', away: false, dailyCapacity: null });
  });

  it('accepts every condition and strategy', () => {
    const rules = [
      {
        name: 'Hot enterprise',
        when: {
          tier: { in: ['Hot', 'warm'] },
          grade: { in: ['A', 'B1'] },
          composite: { min: 70 },
          fit: { min: 10, max: 90 },
          engagement: { max: 95 },
          country: { in: ['US', 'United Kingdom'] },
          region: { equals: 'EMEA' },
          state: { in: ['CA', 'New York'] },
          industry: { equals: 'software' },
          employees: { min: 1000 },
          leadSource: { in: ['web', 'Referral'] },
          attributes: { plan: { equals: 'enterprise' }, seats: { min: 50 }, product: { in: ['a', 'b'] } },
        },
        assign: { type: 'weighted', owners: [{ owner: 'ana', weight: 70 }, { owner: 'ben', weight: 30 }] },
        fallbackOwner: 'dee',
        followUpTask: false,
      },
      { name: 'Named', assign: { type: 'owner', owner: 'queue' } },
      { name: 'RR', assign: { ...rr(['ana', 'cy']), returning: 'catch_up' } },
      {
        name: 'Territories',
        assign: { type: 'territory', by: 'country', territories: [{ values: ['US', 'CA'], team: 'na' }], within: { type: 'weighted' } },
      },
    ];
    const teams = [{ id: 'na', name: 'North America', members: [{ owner: 'ana', weight: 50 }, { owner: 'cy', weight: 50 }] }];
    expect(routingProblems({ rules, teams })).toEqual([]);
  });

  it('names the field of unknown conditions, strategies and fields', () => {
    expect(routingProblems({ rules: [{ name: 'R', when: { colour: { equals: 'red' } }, assign: rr(['ana']) }] })).toEqual([
      { field: 'routing.rules[0].when', message: expect.stringMatching(/^unknown condition "colour"; conditions are tier, grade/) },
    ]);
    expect(routingProblems({ rules: [{ name: 'R', assign: { type: 'random', owners: ['ana'] } }] })[0]).toMatchObject({ field: 'routing.rules[0].assign.type' });
    expect(routingProblems({ rules: [{ name: 'R', assign: rr(['ana']), priority: 1 }] })[0]).toMatchObject({ field: 'routing.rules[0]', message: expect.stringMatching(/priority/) });
    expect(routingProblems({ rules: [{ name: 'R', when: { tier: { equals: 'Hot', in: ['Warm'] } }, assign: rr(['ana']) }] })[0]).toMatchObject({
      field: 'routing.rules[0].when.tier',
      message: 'give exactly one of equals, in',
    });
    expect(routingProblems({ rules: [{ name: 'R', when: { composite: { min: 80, max: 20 } }, assign: rr(['ana']) }] })[0]).toMatchObject({ field: 'routing.rules[0].when.composite.max' });
    expect(routingProblems({ rules: [{ name: 'R', when: { grade: { equals: 'E9' } }, assign: rr(['ana']) }] })[0]).toMatchObject({ field: 'routing.rules[0].when.grade.equals' });
    expect(routingProblems({ rules: [{ name: 'R', when: { region: { equals: 'Mars' } }, assign: rr(['ana']) }] })[0]).toMatchObject({ field: 'routing.rules[0].when.region.equals' });
  });

  it('names unknown owners, teams and tiers', () => {
    expect(routingProblems({ rules: [{ name: 'R', assign: rr(['ana', 'zed']) }] })).toEqual([
      { field: 'routing.rules[0].assign.owners[1]', message: '"zed" is not an owner in routing.owners' },
    ]);
    expect(routingProblems({ rules: [{ name: 'R', assign: { type: 'owner', owner: 'zed' } }] })[0]).toMatchObject({ field: 'routing.rules[0].assign.owner' });
    expect(routingProblems({ fallbackOwner: 'zed' })[0]).toMatchObject({ field: 'routing.fallbackOwner' });
    expect(routingProblems({ rules: [{ name: 'R', assign: rr(['ana']), fallbackOwner: 'zed' }] })[0]).toMatchObject({ field: 'routing.rules[0].fallbackOwner' });
    expect(routingProblems({ teams: [{ id: 't', name: 'T', members: [{ owner: 'zed' }] }] })[0]).toMatchObject({ field: 'routing.teams[0].members[0]' });
    const territory = { type: 'territory', by: 'state', territories: [{ values: ['CA'], team: 'west' }], within: { type: 'round_robin' } };
    expect(routingProblems({ rules: [{ name: 'R', assign: territory }] })).toEqual([{ field: 'routing.rules[0].assign.territories[0].team', message: '"west" is not a team in routing.teams' }]);
    expect(routingProblems({ rules: [{ name: 'R', when: { tier: { in: ['Hot', 'Lukewarm'] } }, assign: rr(['ana']) }] })).toEqual([
      { field: 'routing.rules[0].when.tier.in[1]', message: '"Lukewarm" is not a tier (Hot, Warm, Nurture)' },
    ]);
  });

  it('refuses weights that do not add up, territories with no members, duplicate names and rules with no fallback', () => {
    const weighted = (a: number, b: number) => ({ type: 'weighted', owners: [{ owner: 'ana', weight: a }, { owner: 'ben', weight: b }] });
    expect(routingProblems({ rules: [{ name: 'R', assign: weighted(70, 20) }] })).toEqual([{ field: 'routing.rules[0].assign.owners', message: 'weights add up to 90, not 100' }]);
    expect(routingProblems({ rules: [{ name: 'R', assign: weighted(33.3, 66.7) }] })).toEqual([]);

    const territory = (within: string) => ({ type: 'territory', by: 'country', territories: [{ values: ['DE'], team: 'emea' }], within: { type: within } });
    expect(routingProblems({ teams: [{ id: 'emea', name: 'EMEA', members: [] }], rules: [{ name: 'R', assign: territory('round_robin') }] })).toEqual([
      { field: 'routing.teams[0].members', message: 'a team needs at least one member' },
    ]);
    expect(routingProblems({ teams: [{ id: 'emea', name: 'EMEA', members: [{ owner: 'ana' }, { owner: 'ben', weight: 50 }] }], rules: [{ name: 'R', assign: territory('weighted') }] })).toEqual([
      { field: 'routing.teams[0].members', message: 'every member needs a weight for weighted distribution' },
    ]);

    expect(routingProblems({ rules: [{ name: 'Inbound', assign: rr(['ana']) }, { name: 'inbound', assign: rr(['ben']) }] })).toEqual([
      { field: 'routing.rules[1].name', message: '"inbound" is already the name of rule 1' },
    ]);
    expect(routingProblems({ rules: [{ name: 'R', assign: rr(['ana', 'ana']) }] })).toEqual([{ field: 'routing.rules[0].assign.owners[1]', message: '"ana" is listed twice' }]);
    expect(routingProblems({ fallbackOwner: null, rules: [{ name: 'R', assign: rr(['ana']) }] })).toEqual([
      { field: 'routing.rules[0].fallbackOwner', message: 'no fallback owner: set one on the rule or routing.fallbackOwner' },
    ]);
    expect(routingProblems({ owners: [...ROSTER, { id: 'ana', name: 'Ana 2', crmUserId: 'x' }] })[0]).toMatchObject({ field: 'routing.owners[5].id' });
    const twice = { type: 'territory', by: 'country', territories: [{ values: ['DE'], team: 't' }, { values: ['de'], team: 't' }], within: { type: 'round_robin' } };
    expect(routingProblems({ teams: [{ id: 't', name: 'T', members: [{ owner: 'ana' }] }], rules: [{ name: 'R', assign: twice }] })).toEqual([
      { field: 'routing.rules[0].assign.territories[1].values[0]', message: '"de" is already in territory 1' },
    ]);
  });
});
