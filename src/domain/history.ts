import type { Activity } from './activity.js';
import type { Lead } from './lead.js';
import type { Outcome } from './outcome.js';

/** A lead with everything known about it: what training and scoring read. */
export interface LeadHistory {
  lead: Lead;
  /** Distinct activities in time order. */
  activities: Activity[];
  outcome: Outcome | null;
}
