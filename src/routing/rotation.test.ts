import { describe, expect, it } from 'vitest';
import { emptyRotation, nextRoundRobin, nextWeighted, rotationState, type Availability, type RotationState } from './rotation.js';

/** Run `n` picks, with `away` (a set that may change between picks) unavailable; returns who got each. */
function run(n: number, pick: (s: RotationState, av: (o: string) => Availability) => { owner: string | null; state: RotationState }, away: () => Set<string>, start = emptyRotation()) {
  let state = start;
  const got: Array<string | null> = [];
  for (let i = 0; i < n; i++) {
    const off = away();
    const p = pick(state, (o) => (off.has(o) ? 'away' : 'available'));
    got.push(p.owner);
    state = p.state;
  }
  return { got, state };
}

const order = ['ana', 'ben', 'cy'];

describe('round robin', () => {
  it('takes turns in the fixed order and goes on after the last owner, wherever they stand now', () => {
    const rr = (s: RotationState, av: (o: string) => Availability) => nextRoundRobin(order, s, av, 'rejoin');
    expect(run(7, rr, () => new Set()).got).toEqual(['ana', 'ben', 'cy', 'ana', 'ben', 'cy', 'ana']);
    // ben got the last lead; a reordered list goes on after ben.
    expect(nextRoundRobin(['cy', 'ben', 'ana'], { ...emptyRotation(), last: 'ben' }, () => 'available', 'rejoin').owner).toBe('ana');
    // Nobody available: no pick, and the state stays as it was.
    const state = { ...emptyRotation(), last: 'ana' };
    expect(nextRoundRobin(order, state, () => 'away', 'catch_up')).toEqual({ owner: null, state });
  });

  it("rejoin: an away rep's turns go by, and they take their next place when back", () => {
    let i = 0;
    const away = () => (i++ < 6 ? new Set(['cy']) : new Set<string>());
    const { got, state } = run(9, (s, av) => nextRoundRobin(order, s, av, 'rejoin'), away);
    expect(got).toEqual(['ana', 'ben', 'ana', 'ben', 'ana', 'ben', 'cy', 'ana', 'ben']);
    expect(state.owed).toEqual({});
  });

  it('catch up: turns missed while away are owed and served first when back, then the order goes on', () => {
    let i = 0;
    const away = () => (i++ < 6 ? new Set(['cy']) : new Set<string>());
    const { got, state } = run(12, (s, av) => nextRoundRobin(order, s, av, 'catch_up'), away);
    // cy missed 2 turns while away (at leads 3 and 5), gets them back at once, then their own turn.
    expect(got).toEqual(['ana', 'ben', 'ana', 'ben', 'ana', 'ben', 'cy', 'cy', 'cy', 'ana', 'ben', 'cy']);
    expect(state.owed).toEqual({});
    const counts = Object.fromEntries(order.map((o) => [o, got.filter((g) => g === o).length]));
    expect(counts).toEqual({ ana: 4, ben: 4, cy: 4 });
  });

  it('owes no turns for being full or deactivated, only for being away', () => {
    const full = (o: string): Availability => (o === 'ben' ? 'full' : 'available');
    const after = nextRoundRobin(order, { ...emptyRotation(), last: 'ana' }, full, 'catch_up');
    expect(after).toMatchObject({ owner: 'cy', state: { owed: {} } });
    const away = nextRoundRobin(order, { ...emptyRotation(), last: 'ana' }, (o) => (o === 'ben' ? 'away' : 'available'), 'catch_up');
    expect(away).toMatchObject({ owner: 'cy', state: { owed: { ben: 1 } } });
  });

  it('forgets debts of owners taken out of the rotation', () => {
    const p = nextRoundRobin(['ana', 'ben'], { last: 'ana', owed: { cy: 3 }, current: {} }, () => 'available', 'catch_up');
    expect(p).toMatchObject({ owner: 'ben', state: { owed: {} } });
    expect(rotationState(null)).toEqual(emptyRotation());
    expect(rotationState({ last: 'x' })).toEqual({ last: 'x', owed: {}, current: {} });
  });
});

describe('weighted distribution', () => {
  const members = [
    { owner: 'ana', weight: 70 },
    { owner: 'ben', weight: 30 },
  ];
  const wrr = (s: RotationState, av: (o: string) => Availability) => nextWeighted(members, s, av);

  it('gives exactly 7 of every 10 to a 70% owner, interleaved, the same way every time', () => {
    const { got } = run(20, wrr, () => new Set());
    expect(got.slice(0, 10)).toEqual(['ana', 'ben', 'ana', 'ana', 'ana', 'ben', 'ana', 'ana', 'ben', 'ana']);
    expect(got.slice(10)).toEqual(got.slice(0, 10));
    expect(run(20, wrr, () => new Set()).got).toEqual(got);
  });

  it('keeps any prefix within one lead of the weights, for three owners with uneven weights', () => {
    const three = [
      { owner: 'a', weight: 50 },
      { owner: 'b', weight: 33.3 },
      { owner: 'c', weight: 16.7 },
    ];
    const { got } = run(1000, (s, av) => nextWeighted(three, s, av), () => new Set());
    for (let n = 1; n <= 1000; n++) {
      for (const m of three) {
        const have = got.slice(0, n).filter((g) => g === m.owner).length;
        expect(Math.abs(have - (n * m.weight) / 100)).toBeLessThan(1.0001);
      }
    }
  });

  it('shares among those available while one is away, and takes the absent one back without catching up', () => {
    let i = 0;
    const away = () => (i++ < 5 ? new Set(['ana']) : new Set<string>());
    const { got } = run(15, wrr, away);
    expect(got.slice(0, 5)).toEqual(['ben', 'ben', 'ben', 'ben', 'ben']);
    expect(got.slice(5).filter((g) => g === 'ana').length).toBe(7);
    expect(nextWeighted(members, emptyRotation(), () => 'full')).toEqual({ owner: null, state: emptyRotation() });
  });
});
