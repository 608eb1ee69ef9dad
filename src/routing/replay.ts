import type { TenantId } from '../domain/index.js';
import { routingOf, type Settings } from '../settings/index.js';
import { inactiveCrmUsers, leadsArrivedBetween, type Database } from '../store/index.js';
import { simulateRouting, type SimulationReport } from './simulate.js';

/** The most leads one replay takes; a longer period is cut at this many (and says so). */
export const REPLAY_MAX_LEADS = 50_000;

export interface ReplayResult {
  from: Date;
  to: Date;
  /** True when the period held more leads than one replay takes: the report covers the oldest. */
  truncated: boolean;
  report: SimulationReport;
}

/**
 * Replay the leads that arrived in a past period through draft routing settings, each with the
 * score it had when it arrived, before the rules go live. Nothing stored changes.
 */
export async function replayRouting(db: Database, tenant: TenantId, draft: Settings, period: { from: Date; to: Date }, maxLeads = REPLAY_MAX_LEADS): Promise<ReplayResult> {
  const arrived = await leadsArrivedBetween(db, tenant, period.from, period.to, maxLeads + 1);
  const truncated = arrived.length > maxLeads;
  const leads = arrived.slice(0, maxLeads).map((a) => ({ lead: a.lead, score: a.firstScore, at: a.lead.createdAt }));
  const crmUsers = routingOf(draft.routing).owners.map((o) => o.crmUserId);
  const inactive = await inactiveCrmUsers(db, tenant, crmUsers);
  const report = await simulateRouting(draft, leads, { inactiveCrmUserIds: inactive });
  return { from: period.from, to: period.to, truncated, report };
}
