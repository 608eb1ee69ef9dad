import type { Lead } from '../../src/domain/index.js';

/** A lead with nothing known but its id and creation time; tests fill in what they look at. */
export const blankLead = (id: string, over: Partial<Lead> = {}): Lead => ({
  id,
  createdAt: new Date('2024-03-01T00:00:00Z'),
  email: null,
  firstName: null,
  lastName: null,
  title: null,
  company: null,
  industry: null,
  employees: null,
  annualRevenue: null,
  country: null,
  leadSource: null,
  attributes: {},
  ...over,
});
