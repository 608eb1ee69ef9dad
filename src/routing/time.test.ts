import { describe, expect, it } from 'vitest';
import { dayIn, serviceLevelDue } from './time.js';

describe('time zone days and service levels', () => {
  it("names the day in the tenant's time zone", () => {
    const at = new Date('2026-03-03T06:00:00Z');
    expect([dayIn(at, 'UTC'), dayIn(at, 'America/Los_Angeles'), dayIn(at, 'Asia/Tokyo')]).toEqual(['2026-03-03', '2026-03-02', '2026-03-03']);
  });

  it('reads the time an action allows, business days skipping the weekend', () => {
    const friday = new Date('2026-03-06T15:00:00Z');
    expect(serviceLevelDue('Call within 1 hour', friday, 'UTC')).toEqual(new Date('2026-03-06T16:00:00Z'));
    expect(serviceLevelDue('Reply within 30 minutes', friday, 'UTC')).toEqual(new Date('2026-03-06T15:30:00Z'));
    expect(serviceLevelDue('Email within a day', friday, 'UTC')).toEqual(new Date('2026-03-07T15:00:00Z'));
    expect(serviceLevelDue('Follow up within 2 business days', friday, 'UTC')).toEqual(new Date('2026-03-10T15:00:00Z'));
    expect(serviceLevelDue('Keep in a nurture sequence', friday, 'UTC')).toBeNull();
  });
});
