import type { Request, Response } from 'express';
import type { HubSpotApp } from '../../../connectors/hubspot/index.js';
import type { SalesforceApp } from '../../../connectors/salesforce/index.js';
import type { Vault } from '../../config/secrets.js';
import type { TenantId } from '../../domain/index.js';
import type { ModelSource } from '../../scoring/rescore.js';
import { describeIssues, saveSettings, SettingsSchema, type Settings, type SettingsVersion } from '../../settings/index.js';
import type { Database } from '../../store/index.js';
import type { Html } from './html.js';
import { layout, type LayoutModel, type NavItem } from './layout.js';

export type FeedbackReason = 'too_high' | 'too_low' | 'wrong_reasons' | 'other';

export interface WebDeps {
  db: Database;
  models: ModelSource;
  /** Signs OAuth states (sign-in and connect). */
  vault: Vault;
  salesforce: SalesforceApp | null;
  hubspot: HubSpotApp | null;
  /** PUBLIC_URL: where the CRMs send the browser back to; sign-in through a CRM needs it. */
  publicUrl: string | null;
  /** Mark cookies Secure even on plain-http requests (the app is behind a TLS proxy). */
  secureCookies: boolean;
  onSettingsSaved?: (tenant: TenantId) => Promise<void>;
  onWritesQueued?: (tenant: TenantId) => Promise<unknown>;
  /** Stores "this score looks wrong" feedback (the feedback contract); absent: the form says it is not available yet. */
  recordFeedback?: (tenant: TenantId, source: string, leadId: string, body: { reason: FeedbackReason; comment?: string; user?: string }) => Promise<{ id: string }>;
  /** Sections other modules add to the nav (e.g. /app/models). */
  extraNav?: NavItem[];
}

export const tenantOf = (req: Request): TenantId => req.web!.user.tenant;
export const isAdmin = (req: Request): boolean => req.web?.user.role === 'admin';
/** Who made a change, as settings versions and the audit log record it. */
export const changedBy = (req: Request): string => `web:${req.web!.user.userKey} (${req.web!.user.displayName})`;

/** Send a page in the layout, with the signed-in person and the nav. */
export function sendPage(
  req: Request,
  res: Response,
  deps: WebDeps,
  page: { title: string; active?: string; body: Html | string; flash?: LayoutModel['flash']; scripts?: string[]; styles?: string[]; status?: number },
): void {
  const user = req.web ? { displayName: req.web.user.displayName, role: req.web.user.role, tenant: req.web.user.tenant } : null;
  res
    .status(page.status ?? 200)
    .type('html')
    .send(
      layout({
        title: page.title,
        user,
        ...(req.web ? { csrfToken: req.web.csrfToken } : {}),
        ...(page.active ? { active: page.active } : {}),
        ...(page.flash ? { flash: page.flash } : {}),
        ...(page.scripts ? { scripts: page.scripts } : {}),
        ...(page.styles ? { styles: page.styles } : {}),
        ...(deps.extraNav ? { extraNav: deps.extraNav } : {}),
        body: page.body,
      }),
    );
}

export type Issues = Array<{ field: string; message: string }>;

/** Check draft settings; the issues name fields like "tiers.levels[1].min". */
export function checkSettings(draft: unknown): { settings: Settings; issues: null } | { settings: null; issues: Issues } {
  const parsed = SettingsSchema.safeParse(draft);
  return parsed.success ? { settings: parsed.data, issues: null } : { settings: null, issues: describeIssues(parsed.error) };
}

/** Percentile tiers or grades need a model that carries its score distribution. */
export async function percentileIssue(deps: WebDeps, tenant: TenantId, settings: Settings): Promise<Issues | null> {
  const models = await deps.models.forTenant(tenant);
  if (!models || models.manifest.distribution) return null;
  if (settings.tiers.basis !== 'percentile' && settings.grades.basis !== 'percentile') return null;
  return [{ field: settings.tiers.basis === 'percentile' ? 'tiers.basis' : 'grades.basis', message: `model ${models.manifest.version} has no score distribution, so use "score" rather than percentiles` }];
}

/** Save settings as the signed-in person, after the checks the API makes; schedules follow the save. */
export async function saveAs(req: Request, deps: WebDeps, settings: Settings, expectedVersion: number | undefined): Promise<SettingsVersion> {
  const tenant = tenantOf(req);
  const saved = await saveSettings(deps.db, tenant, settings, changedBy(req), expectedVersion === undefined ? {} : { expectedVersion });
  await deps.onSettingsSaved?.(tenant);
  req.log.info('settings saved from the web app', { version: saved.version, changes: saved.changes.map((c) => c.field) });
  return saved;
}

/** Issues whose field starts with `prefix`, keyed by the rest of the path. */
export function issuesUnder(issues: Issues, prefix: string): Issues {
  return issues.filter((i) => i.field === prefix || i.field.startsWith(`${prefix}.`) || i.field.startsWith(`${prefix}[`));
}
