import { describe, expect, it } from 'vitest';
import { tenantId } from '../domain/index.js';
import { abArm, abPosition } from './ab-split.js';

const acme = tenantId('acme');
const ids = Array.from({ length: 20_000 }, (_, i) => `lead-${i}`);

describe('A/B arm of a lead', () => {
  it('is the same every time for the same tenant and lead, and differs between tenants', () => {
    const first = ids.map((id) => abArm(acme, id, 0.2));
    expect(ids.map((id) => abArm(acme, id, 0.2))).toEqual(first);
    const other = ids.map((id) => abArm(tenantId('globex'), id, 0.2));
    expect(other.filter((arm, i) => arm !== first[i]).length).toBeGreaterThan(1000);
  });

  it('puts close to the share in the challenger arm, and a larger share only adds leads to it', () => {
    for (const share of [0.05, 0.2, 0.5]) {
      const inArm = ids.filter((id) => abArm(acme, id, share) === 'challenger').length / ids.length;
      // A binomial share of 20,000 has a standard deviation under 0.0036: 0.015 is over four of them.
      expect(Math.abs(inArm - share)).toBeLessThan(0.015);
    }
    expect(ids.every((id) => abArm(acme, id, 0.1) === 'champion' || abArm(acme, id, 0.3) === 'challenger')).toBe(true);
    expect(ids.every((id) => abArm(acme, id, 0) === 'champion')).toBe(true);
    expect(ids.every((id) => abPosition(acme, id) >= 0 && abPosition(acme, id) < 1)).toBe(true);
  });
});
