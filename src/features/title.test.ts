import { describe, expect, it } from 'vitest';
import { parseTitle } from './title.js';

describe('parseTitle', () => {
  it.each([
    ['VP of Sales', 'vp', 'sales'],
    ['Vice President, Marketing', 'vp', 'marketing'],
    ['svp  revenue operations', 'vp', 'operations'],
    ['V.P. Engineering', 'vp', 'engineering'],
    ['Head of Growth', 'vp', 'marketing'],
    ['Sr. Director, Eng.', 'director', 'engineering'],
    ['Dir. IT', 'director', 'it'],
    ['Director of Sales Operations', 'director', 'operations'],
    ['Marketing Mgr', 'manager', 'marketing'],
    ['Customer Success Team Lead', 'manager', 'customer_success'],
    ['CEO', 'c_level', 'executive'],
    ['Founder & CEO', 'c_level', 'executive'],
    ['Chief Revenue Officer', 'c_level', 'sales'],
    ['CFO', 'c_level', 'finance'],
    ['President', 'c_level', 'executive'],
    ['Owner', 'c_level', 'executive'],
    ['Software Engineer', 'individual', 'engineering'],
    ['Account Executive', 'individual', 'sales'],
    ['RevOps Analyst', 'individual', 'operations'],
    ['Recruiter', 'individual', 'hr'],
    ['MBA Student', 'student', 'other'],
    ['Marketing Intern', 'student', 'marketing'],
    ['SYSTEMS ADMINISTRATOR', 'individual', 'it'],
    ['Astronaut', 'individual', 'other'],
  ])('reads %j as %s in %s', (title, seniority, department) => {
    expect(parseTitle(title)).toEqual({ seniority, department });
  });

  it('keeps a blank title unknown rather than guessing', () => {
    expect(parseTitle(null)).toBeNull();
    expect(parseTitle('   ')).toBeNull();
  });
});
