import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { signedUri, verifySignatureV3 } from '../../connectors/hubspot/index.js';
import type { TenantId } from '../domain/index.js';
import { submitFeedback } from '../learning/feedback.js';
import { replayRouting } from '../routing/index.js';
import { previewSettings } from '../scoring/preview.js';
import { rescore, type ModelSource } from '../scoring/rescore.js';
import { currentSettings, saveSettings, type Settings, type SettingsVersion } from '../settings/index.js';
import { connectionsForAccount, getLeadSource, getScoreHistory, getScores, type Database } from '../store/index.js';
import { ApiError, parseBody } from './api/errors.js';
import { checkResolvable, previewOut, scoreOut, settingsOut } from './api/routes.js';
import { simulationOut } from './api/routing-routes.js';
import { SettingsPreviewRequestSchema, SettingsPutSchema } from './api/schemas.js';

/**
 * The app's side of the HubSpot card and settings page (hubspot-app/). HubSpot sends their
 * `hubspot.fetch` calls signed like webhooks (signature v3 over method, the public URI with the
 * query HubSpot appends, the raw body and the timestamp) and names the portal and the user in
 * that query (`portalId`, `userId`, `userEmail`, `appId`). Only the signature vouches for them,
 * so nothing is read before it is checked; the portal then names the tenant through its stored
 * HubSpot connection, and every handler works inside that tenant only.
 */
export interface HubSpotUiDeps {
  db: Database;
  models: ModelSource;
  app: { clientSecret: string; publicUrl: string };
  /** Called after a tenant's settings changed (schedules follow them). */
  onSettingsSaved?: (tenant: TenantId) => Promise<void>;
  /** Milliseconds since the epoch; tests move it. */
  now?: () => number;
}

/** Who is calling, as HubSpot signed it. */
interface Caller {
  tenant: TenantId;
  portalId: string;
  userId: string | null;
  userEmail: string | null;
}

const numericId = (what: string) => z.string().regex(/^\d{1,20}$/, `is not a HubSpot ${what} id (digits)`);

/** The query HubSpot appends to every hubspot.fetch URL; other query parameters are left alone. */
const CallerQuerySchema = z.object({
  portalId: numericId('portal'),
  userId: numericId('user').optional(),
  userEmail: z.string().max(320).optional(),
  appId: numericId('app').optional(),
});

/** What a rep says about a score: the feedback contract's body, minus the user (HubSpot names them). */
const FeedbackBodySchema = z.strictObject({
  reason: z.enum(['too_high', 'too_low', 'wrong_reasons', 'other']),
  comment: z.string().max(1000).optional(),
});

const RoutingBodySchema = z.strictObject({
  routing: z.unknown(),
  expected_version: z.number().int().min(0).optional(),
});

const RoutingCheckSchema = z.strictObject({
  routing: z.unknown(),
  /** How many past days of arrivals the simulation replays. */
  days: z.number().int().min(1).max(366).default(90),
});
/** Scores the card's trend shows at most. */
const HISTORY_POINTS = 20;

export function hubspotUiRouter(deps: HubSpotUiDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  router.use('/hubspot/ui', express.raw({ type: () => true, limit: '1mb' }), (req, res, next) => void authenticate(deps, now, req, res, next));

  router.get('/hubspot/ui/contacts/:id/score', async (req, res) => {
    const caller = callerOf(res);
    const id = contactIdOf(req);
    const { settings } = await currentSettings(deps.db, caller.tenant);
    const tiers = settings.tiers.levels.map((l) => l.name);
    if ((await getLeadSource(deps.db, caller.tenant, id)) !== 'hubspot') {
      res.json({
        source: 'hubspot',
        lead_id: id,
        score: { status: 'not_scored', lead_id: id, reason: 'Leadscore has not read this contact yet; it is scored after the next sync', scored_at: new Date(now()).toISOString() },
        history: [],
        tiers,
      });
      return;
    }
    let score = (await getScores(deps.db, caller.tenant, [id])).get(id)?.score;
    if (!score) {
      // Synced but never scored (it just arrived): score it now rather than show a blank.
      await rescore(deps.db, deps.models, caller.tenant, { ids: [id] });
      score = (await getScores(deps.db, caller.tenant, [id])).get(id)?.score ?? {
        status: 'not_scored',
        leadId: id,
        reason: 'the contact already has an outcome (converted or closed); only open leads are scored',
        scoredAt: new Date(now()),
      };
    }
    const history = await getScoreHistory(deps.db, caller.tenant, id, HISTORY_POINTS);
    res.json({
      source: 'hubspot',
      lead_id: id,
      score: scoreOut(score),
      history: history.map((h) => ({ scored_at: h.scoredAt.toISOString(), status: h.status, composite: h.composite, fit: h.fit, engagement: h.engagement, tier: h.tier })),
      tiers,
    });
  });

  router.post('/hubspot/ui/contacts/:id/feedback', async (req, res) => {
    const caller = callerOf(res);
    const id = contactIdOf(req);
    const body = parseBody(FeedbackBodySchema, jsonBody(req));
    if ((await getLeadSource(deps.db, caller.tenant, id)) !== 'hubspot') throw new ApiError(404, 'NOT_FOUND', `contact ${id} of portal ${caller.portalId} has not been read by Leadscore yet`);
    // The same store as POST /api/v1/leads/:source/:id/feedback, the HubSpot user named.
    const saved = await submitFeedback(deps.db, caller.tenant, 'hubspot', id, { ...body, user: changedBy(caller).slice(0, 200) });
    if (!saved) throw new ApiError(404, 'NOT_FOUND', `contact ${id} of portal ${caller.portalId} has not been read by Leadscore yet`);
    res.status(201).json({ id: String(saved.id), lead_id: saved.leadId, reason: saved.reason, created_at: saved.createdAt.toISOString() });
  });

  router.get('/hubspot/ui/settings', async (_req, res) => {
    res.json(settingsOut(await currentSettings(deps.db, callerOf(res).tenant)));
  });

  router.post('/hubspot/ui/settings/preview', async (req, res) => {
    const caller = callerOf(res);
    const body = parseBody(SettingsPreviewRequestSchema, jsonBody(req));
    res.json(await preview(deps, caller.tenant, body.settings));
  });

  router.put('/hubspot/ui/settings', async (req, res) => {
    const caller = callerOf(res);
    const body = parseBody(SettingsPutSchema, jsonBody(req));
    res.json(settingsOut(await save(deps, caller, body.settings, body.expected_version)));
  });

  router.post('/hubspot/ui/routing/validate', async (req, res) => {
    const caller = callerOf(res);
    const body = parseBody(RoutingCheckSchema, jsonBody(req));
    const settings = await withRouting(deps, caller.tenant, body.routing);
    // The same replay as POST /api/v1/routing/simulate: the period's arrivals, each with its first score.
    const to = new Date(now());
    const from = new Date(to.getTime() - body.days * 86_400_000);
    res.json({ valid: true, simulation: simulationOut(await replayRouting(deps.db, caller.tenant, settings, { from, to })) });
  });

  router.put('/hubspot/ui/routing', async (req, res) => {
    const caller = callerOf(res);
    const body = parseBody(RoutingBodySchema, jsonBody(req));
    const settings = await withRouting(deps, caller.tenant, body.routing);
    res.json(settingsOut(await save(deps, caller, settings, body.expected_version)));
  });

  router.use('/hubspot/ui', (req, _res, next) => next(new ApiError(404, 'NOT_FOUND', `no HubSpot UI route ${req.method} ${req.path}`)));
  return router;
}

/** Signature, then the query HubSpot signed, then the portal's tenant; anything else stops here. */
async function authenticate(deps: HubSpotUiDeps, now: () => number, req: Request, res: Response, next: NextFunction): Promise<void> {
  try {
    const check = verifySignatureV3(
      deps.app.clientSecret,
      { method: req.method, uri: signedUri(deps.app.publicUrl, req.originalUrl), rawBody: rawBodyOf(req), signature: req.get('x-hubspot-signature-v3'), timestamp: req.get('x-hubspot-request-timestamp') },
      now(),
    );
    if (!check.ok) {
      req.log.warn('hubspot ui request refused', { reason: check.reason });
      throw new ApiError(401, 'UNAUTHENTICATED', `not a request signed by HubSpot: ${check.reason}`);
    }
    const query = parseBody(CallerQuerySchema, req.query, 'query');
    const owner = (await connectionsForAccount(deps.db, 'hubspot', query.portalId)).find((c) => c.status !== 'disconnected');
    if (!owner) {
      throw new ApiError(404, 'PORTAL_NOT_CONNECTED', `HubSpot portal ${query.portalId} is not connected to Leadscore; install the app in that portal (or connect it) first`);
    }
    const caller: Caller = { tenant: owner.tenantId, portalId: query.portalId, userId: query.userId ?? null, userEmail: query.userEmail ?? null };
    res.locals.hubspotCaller = caller;
    next();
  } catch (err) {
    next(err);
  }
}

const callerOf = (res: Response): Caller => res.locals.hubspotCaller as Caller;
const rawBodyOf = (req: Request): string => (Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '');

/** The body as JSON (undefined when there is none, which parseBody names). */
function jsonBody(req: Request): unknown {
  const raw = rawBodyOf(req);
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new ApiError(400, 'MALFORMED_JSON', `the request body is not valid JSON: ${(err as Error).message}`);
  }
}

function contactIdOf(req: Request): string {
  const id = (req.params as { id: string }).id;
  if (!/^\d{1,20}$/.test(id)) throw new ApiError(400, 'INVALID_REQUEST', `contact id "${id}" is not a HubSpot record id (digits)`, [{ field: 'id', message: 'is not a HubSpot record id (digits)' }]);
  return id;
}

/** Who changed settings, for the settings history: the HubSpot user the signed query names. */
function changedBy(c: Caller): string {
  const who = c.userId ? `hubspot-user:${c.userId}${c.userEmail ? ` (${c.userEmail})` : ''}` : 'hubspot-user:unknown';
  return `${who} in portal ${c.portalId}`;
}

/** The tenant's settings with `routing` replaced, checked as a whole (tier names live outside routing). */
async function withRouting(deps: HubSpotUiDeps, tenant: TenantId, routing: unknown): Promise<Settings> {
  const { settings } = await currentSettings(deps.db, tenant);
  return parseBody(SettingsPreviewRequestSchema, { settings: { ...settings, routing } }).settings;
}

async function save(deps: HubSpotUiDeps, caller: Caller, settings: Settings, expectedVersion: number | undefined): Promise<SettingsVersion> {
  await checkResolvable(deps, caller.tenant, settings);
  const saved = await saveSettings(deps.db, caller.tenant, settings, changedBy(caller), expectedVersion === undefined ? {} : { expectedVersion });
  await deps.onSettingsSaved?.(caller.tenant);
  return saved;
}

async function preview(deps: HubSpotUiDeps, tenant: TenantId, settings: Settings) {
  await checkResolvable(deps, tenant, settings);
  if (!(await deps.models.forTenant(tenant))) throw new ApiError(409, 'NO_MODEL', 'no model is available for this account yet, so there is nothing to preview');
  return previewOut(await previewSettings(deps.db, deps.models, tenant, settings));
}
