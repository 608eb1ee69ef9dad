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

export const ActivitySchema = z.object({
  leadId: z.string().min(1).max(255),
  type: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[a-z0-9_.:/]+$/, 'activity types are lower case words joined by "_"'),
  occurredAt: z.date(),
  channel: z.string().max(255).nullable(),
  detail: z.string().max(2000).nullable(),
});
export type Activity = z.infer<typeof ActivitySchema>;
