import { z } from 'zod';

/** Activity types the scoring core knows; any other type is kept as it comes. */
export const KNOWN_ACTIVITY_TYPES = [
  'page_view',
  'pricing_page_view',
  'content_download',
  'webinar_attended',
  'email_open',
  'email_click',
  'form_submit',
  'demo_request',
  'meeting',
  'call',
  'trial_signup',
] as const;
export type KnownActivityType = (typeof KNOWN_ACTIVITY_TYPES)[number];

const known: ReadonlySet<string> = new Set(KNOWN_ACTIVITY_TYPES);
export function isKnownActivityType(type: string): type is KnownActivityType {
  return known.has(type);
}

/** Activity types are compared in one spelling: lower case words joined by "_". */
export function normalizeActivityType(raw: string): string {
  return raw
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

const ACTIVITY_TYPE = /^[a-z0-9_.:/]+$/;
const ACTIVITY_TYPE_RULE = 'activity types are lower case words joined by "_"';

/**
 * What is wrong with an activity type (as normalizeActivityType gives it), or null when nothing:
 * the same rule as ActivitySchema's `type`, for callers that check many activities and need no
 * parsed copy (the scoring API checks every activity of every request).
 */
export function activityTypeProblem(type: string): string | null {
  if (type.length === 0) return 'an activity type cannot be empty';
  if (type.length > 100) return 'an activity type has at most 100 characters';
  return ACTIVITY_TYPE.test(type) ? null : ACTIVITY_TYPE_RULE;
}

export const ActivitySchema = z.object({
  leadId: z.string().min(1).max(255),
  type: z.string().min(1).max(100).regex(ACTIVITY_TYPE, ACTIVITY_TYPE_RULE),
  occurredAt: z.date(),
  channel: z.string().max(255).nullable(),
  detail: z.string().max(2000).nullable(),
});
export type Activity = z.infer<typeof ActivitySchema>;
