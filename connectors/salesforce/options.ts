import fs from 'node:fs';
import { z } from 'zod';
import { LeadscoreError } from '../../src/domain/index.js';

export const SALESFORCE_API_VERSION = '62.0';
export const PRODUCTION_LOGIN_URL = 'https://login.salesforce.com';
export const SANDBOX_LOGIN_URL = 'https://test.salesforce.com';

const httpsUrl = z
  .string()
  .url()
  .refine((u) => /^https:\/\//.test(u) || /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/|$)/.test(u), 'must be an https URL (http only for localhost)')
  .transform((u) => u.replace(/\/+$/, ''));

/** The Connected App Leadscore authenticates as, from the environment; checked once at start. */
export const SalesforceAppSchema = z.object({
  /** SALESFORCE_LOGIN_URL: the default login host; every OAuth call honours it (tests and emulators stand in). */
  loginUrl: httpsUrl.default(PRODUCTION_LOGIN_URL),
  clientId: z.string().min(1, 'SALESFORCE_CLIENT_ID is required'),
  clientSecret: z.string().min(1).optional(),
  /** PUBLIC_URL + /oauth/salesforce/callback. */
  redirectUri: httpsUrl.optional(),
  /** JWT bearer flow: the user to act as and the Connected App's certificate key. */
  username: z.string().min(1).optional(),
  privateKey: z.string().min(1).optional(),
  /** SALESFORCE_LONG_RUNNING_LIMIT: long-running calls per org at once (the org allows 25 for all its integrations). */
  longRunningLimit: z.number().int().min(1).max(25, 'must be at most 25, the org-wide limit of concurrent long-running requests').optional(),
});
export type SalesforceApp = z.infer<typeof SalesforceAppSchema>;

/** Read the app's settings from environment variables; null when Salesforce is not configured. */
export function salesforceAppFromEnv(env: NodeJS.ProcessEnv): SalesforceApp | null {
  if (!env.SALESFORCE_CLIENT_ID) return null;
  const publicUrl = env.PUBLIC_URL?.replace(/\/+$/, '');
  let privateKey = env.SALESFORCE_PRIVATE_KEY || undefined;
  // PEM text or the path of a PEM file.
  if (privateKey && !privateKey.includes('-----BEGIN')) {
    if (!fs.existsSync(privateKey)) throw new LeadscoreError('CONFIG_INVALID', `SALESFORCE_PRIVATE_KEY: neither PEM text nor a readable file (${privateKey})`);
    privateKey = fs.readFileSync(privateKey, 'utf8');
  }
  const parsed = SalesforceAppSchema.safeParse({
    loginUrl: env.SALESFORCE_LOGIN_URL || undefined,
    clientId: env.SALESFORCE_CLIENT_ID,
    clientSecret: env.SALESFORCE_CLIENT_SECRET || undefined,
    redirectUri: publicUrl ? `${publicUrl}/oauth/salesforce/callback` : undefined,
    username: env.SALESFORCE_USERNAME || undefined,
    privateKey,
    longRunningLimit: env.SALESFORCE_LONG_RUNNING_LIMIT ? Number(env.SALESFORCE_LONG_RUNNING_LIMIT) : undefined,
  });
  if (!parsed.success) {
    const names: Record<string, string> = { loginUrl: 'SALESFORCE_LOGIN_URL', clientId: 'SALESFORCE_CLIENT_ID', redirectUri: 'PUBLIC_URL', username: 'SALESFORCE_USERNAME', longRunningLimit: 'SALESFORCE_LONG_RUNNING_LIMIT' };
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    throw new LeadscoreError('CONFIG_INVALID', `${names[key] ?? key}: ${issue.message}`);
  }
  return parsed.data;
}

/** The login host for an org: production, sandbox, or its My Domain (e.g. acme.my.salesforce.com). */
export function loginHostFor(app: SalesforceApp, environment: 'production' | 'sandbox' | 'mydomain', myDomain?: string): string {
  if (environment === 'sandbox') return app.loginUrl === PRODUCTION_LOGIN_URL ? SANDBOX_LOGIN_URL : app.loginUrl;
  if (environment === 'mydomain') {
    if (!myDomain || !/^[a-z0-9-]+(\.[a-z0-9-]+)*\.(my\.salesforce\.com|my\.salesforce-sites\.com|sandbox\.my\.salesforce\.com)$/i.test(myDomain)) {
      throw new LeadscoreError('INPUT_INVALID', `domain: "${myDomain ?? ''}" is not a My Domain host (e.g. acme.my.salesforce.com)`);
    }
    return `https://${myDomain.toLowerCase()}`;
  }
  return app.loginUrl;
}
