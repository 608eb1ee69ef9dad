import { z } from 'zod';
import { LeadscoreError } from '../../src/domain/index.js';

export const DEFAULT_API_BASE = 'https://api.hubapi.com';
/** Where an admin's browser is sent to install the app (a browser page, not an API call). */
export const INSTALL_PAGE = 'https://app.hubspot.com/oauth/authorize';
/** What the app asks for: contacts read and written, their property definitions, deals for outcomes. */
export const REQUIRED_SCOPES = [
  'oauth',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'crm.objects.deals.read',
] as const;
/** Granted where the portal has them: marketing email events and sales email engagements. */
export const OPTIONAL_SCOPES = ['content', 'sales-email-read'] as const;

/** HubSpot's published limits: a public app gets 110 requests per 10 s per portal, search 5 a second. */
export const DEFAULT_RATE = { requests: 110, perMs: 10_000 };
export const DEFAULT_SEARCH_RATE = { requests: 5, perMs: 1000 };

const baseUrl = z
  .string()
  .url()
  .refine((u) => /^https:\/\//.test(u) || /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/.test(u), 'must be an https URL (http only for localhost)')
  .transform((u) => u.replace(/\/+$/, ''));

const RateSchema = z.object({ requests: z.number().int().min(1).max(10_000), perMs: z.number().int().min(100).max(86_400_000) });

/** The HubSpot app Leadscore runs as, from the environment; checked once at start. */
export const HubSpotAppSchema = z
  .object({
    /** HUBSPOT_API_BASE: every API call goes here (tests and emulators stand in for HubSpot). */
    apiBase: baseUrl.default(DEFAULT_API_BASE),
    /** PUBLIC_URL: the OAuth redirect and the URI HubSpot signs webhooks with are built from it. */
    publicUrl: baseUrl.optional(),
    clientId: z.string().min(1).optional(),
    clientSecret: z.string().min(1).optional(),
    /** A private app's token: one portal, no OAuth. */
    privateAppToken: z.string().min(1).optional(),
    /** Requests allowed per window and portal (HUBSPOT_RATE_LIMIT, "110/10s"). */
    rate: RateSchema.default(DEFAULT_RATE),
  })
  .superRefine((app, ctx) => {
    if (app.clientId && !app.clientSecret) ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'is required with HUBSPOT_CLIENT_ID (token exchange and webhook signatures use it)' });
  });
export type HubSpotApp = z.infer<typeof HubSpotAppSchema>;

const ENV_NAMES: Record<string, string> = {
  apiBase: 'HUBSPOT_API_BASE',
  publicUrl: 'PUBLIC_URL',
  clientId: 'HUBSPOT_CLIENT_ID',
  clientSecret: 'HUBSPOT_CLIENT_SECRET',
  privateAppToken: 'HUBSPOT_PRIVATE_APP_TOKEN',
  rate: 'HUBSPOT_RATE_LIMIT',
};

/** "110/10s", "100/10000ms": requests per window. */
function parseRate(text: string | undefined): unknown {
  if (!text) return undefined;
  const m = /^(\d+)\s*\/\s*(\d+)\s*(ms|s)$/.exec(text.trim());
  if (!m) return text;
  return { requests: Number(m[1]), perMs: Number(m[2]) * (m[3] === 's' ? 1000 : 1) };
}

/**
 * The HubSpot settings from environment variables. Always an app (API base and rate limit have
 * defaults), so connections made with a private app token work without an OAuth app.
 */
export function hubspotAppFromEnv(env: NodeJS.ProcessEnv): HubSpotApp {
  const parsed = HubSpotAppSchema.safeParse({
    apiBase: env.HUBSPOT_API_BASE || undefined,
    publicUrl: env.PUBLIC_URL || undefined,
    clientId: env.HUBSPOT_CLIENT_ID || undefined,
    clientSecret: env.HUBSPOT_CLIENT_SECRET || undefined,
    privateAppToken: env.HUBSPOT_PRIVATE_APP_TOKEN || undefined,
    rate: parseRate(env.HUBSPOT_RATE_LIMIT),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    const message = key === 'rate' ? 'expected requests per window, e.g. "110/10s"' : issue.message;
    throw new LeadscoreError('CONFIG_INVALID', `${ENV_NAMES[key] ?? key}: ${message}`);
  }
  return parsed.data;
}

/** PUBLIC_URL + /oauth/hubspot/callback, or a clear error when there is no public URL. */
export function redirectUri(app: HubSpotApp): string {
  if (!app.publicUrl) throw new LeadscoreError('CRM_NOT_CONFIGURED', 'PUBLIC_URL is not set, so there is no callback address for HubSpot to return to');
  return `${app.publicUrl}/oauth/hubspot/callback`;
}
