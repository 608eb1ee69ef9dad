import type { Request, RequestHandler, Response, Router } from 'express';
import type { TenantId } from '../../domain/index.js';
import { replayRouting, type ReplayResult } from '../../routing/index.js';
import { currentSettings } from '../../settings/index.js';
import type { Database } from '../../store/index.js';
import type { ApiScope } from '../../store/index.js';
import { ApiError, parseBody } from './errors.js';
import { RoutingSimulateRequestSchema } from './schemas.js';

/** The longest period one simulation replays. */
const MAX_PERIOD_DAYS = 366;

const spreadOut = (s: ReplayResult['report']['spread']['leads']) => ({ min: s.min, max: s.max, mean: s.mean, coefficient_of_variation: s.coefficientOfVariation, max_min_ratio: s.maxMinRatio });

export function simulationOut(r: ReplayResult) {
  const p = r.report;
  return {
    from: r.from.toISOString(),
    to: r.to.toISOString(),
    truncated: r.truncated,
    leads: p.leads,
    assigned: p.assigned,
    fallback: p.fallback,
    unassigned: p.unassigned,
    no_rule: p.noRule,
    hot_tier: p.hotTier,
    per_owner: p.perOwner.map((o) => ({ owner: o.owner, name: o.name, leads: o.leads, hot_leads: o.hotLeads, fallback_leads: o.fallbackLeads })),
    spread: { leads: spreadOut(p.spread.leads), hot_leads: spreadOut(p.spread.hotLeads) },
    per_rule: p.perRule,
    rotations: p.rotations.map((t) => ({ rotation: t.rotation, coefficient_of_variation: t.coefficientOfVariation, members: t.members.map((m) => ({ owner: m.owner, leads: m.leads, expected_share: m.expectedShare, share: m.share })) })),
    fell_back: p.fellBack.slice(0, 500).map((f) => ({ lead_id: f.leadId, at: f.at.toISOString(), rule: f.rule, owner: f.owner, reason: f.reason })),
  };
}

/**
 * `POST /routing/simulate`: replay a past period through draft routing rules (or those in force)
 * and report leads and hot leads per rep and how evenly they were spread, before the rules go live.
 */
export function mountRoutingRoutes(
  router: Router,
  deps: { db: Database },
  requireScope: (scope: ApiScope) => RequestHandler,
  handler: (fn: (req: Request, res: Response) => Promise<void>) => RequestHandler,
): void {
  router.post('/routing/simulate', requireScope('admin'), handler(async (req, res) => {
    const body = parseBody(RoutingSimulateRequestSchema, req.body);
    const tenant: TenantId = req.auth!.tenant;
    const from = new Date(body.from);
    const to = new Date(body.to);
    if (!(from < to)) throw new ApiError(400, 'INVALID_REQUEST', '"from" must be before "to"', [{ field: 'from', message: 'must be before "to"' }]);
    if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * 86_400_000) {
      throw new ApiError(400, 'INVALID_REQUEST', `a simulation replays at most ${MAX_PERIOD_DAYS} days`, [{ field: 'to', message: `at most ${MAX_PERIOD_DAYS} days after "from"` }]);
    }
    const settings = body.settings ?? (await currentSettings(deps.db, tenant)).settings;
    res.json(simulationOut(await replayRouting(deps.db, tenant, settings, { from, to })));
  }));
}
