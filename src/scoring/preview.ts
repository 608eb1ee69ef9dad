import type { TenantId } from '../domain/index.js';
import type { Settings } from '../settings/index.js';
import { readHistories, type Queryable } from '../store/index.js';
import type { ModelSource } from './rescore.js';
import { classify, resolveCutoffs } from './service.js';
import { scoreHistories } from './score-leads.js';

export interface SettingsPreview {
  modelVersion: string;
  openLeads: { scored: number; notScored: number };
  historical: { leads: number; from: string | null; to: string | null };
  tiers: Array<{
    name: string;
    min: number;
    probabilityCutoff: number;
    openLeads: number;
    historicalLeads: number;
    historicalConversions: number;
    historicalConversionRate: number | null;
  }>;
}

/** Most recent outcomes scored for the "what converted historically" half of a preview. */
const HISTORY_SAMPLE = 5000;

/**
 * A dry run of settings: open leads per tier from their stored scores, and the newest outcomes
 * scored as of their outcome time (as training sees them) to show each tier's conversion rate.
 * Nothing is saved.
 */
export async function previewSettings(db: Queryable, models: ModelSource, tenant: TenantId, settings: Settings): Promise<SettingsPreview> {
  const modelSet = await models.forTenant(tenant);
  if (!modelSet) throw new Error('no model is available for this tenant yet, so there is nothing to preview');
  const cutoffs = resolveCutoffs(modelSet, settings);
  const tiers = cutoffs.tiers.map((t, i) => ({
    name: t.name,
    min: settings.tiers.levels[i]!.min,
    probabilityCutoff: Math.max(0, t.probability),
    openLeads: 0,
    historicalLeads: 0,
    historicalConversions: 0,
    historicalConversionRate: null as number | null,
  }));
  const index = new Map(tiers.map((t, i) => [t.name, i]));

  const open = await db.query<{ status: string; composite: number | null; fit: number | null; engagement: number | null }>(
    `SELECT s.status, s.composite, s.fit, s.engagement FROM scores s
     WHERE s.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.tenant_id = s.tenant_id AND o.lead_id = s.lead_id)`,
    [tenant],
  );
  let notScored = 0;
  for (const row of open) {
    if (row.status !== 'scored') {
      notScored++;
      continue;
    }
    const p = (x: number | null) => (x === null ? null : x / 100);
    const { tier } = classify({ composite: row.composite! / 100, fit: p(row.fit), engagement: p(row.engagement) }, cutoffs);
    tiers[index.get(tier.name)!]!.openLeads++;
  }

  const ids = await db.query<{ lead_id: string }>(`SELECT lead_id FROM outcomes WHERE tenant_id = $1 ORDER BY outcome_at DESC LIMIT $2`, [tenant, HISTORY_SAMPLE]);
  const histories = await readHistories(db, tenant, { ids: ids.map((r) => r.lead_id) });
  const scored = await scoreHistories(modelSet, histories, (h) => h.outcome!.outcomeAt, { reasons: false });
  const converted = new Map(histories.map((h) => [h.lead.id, h.outcome!.converted]));
  for (const s of scored) {
    const { tier } = classify({ composite: s.probability, fit: s.fitProbability, engagement: s.engagementProbability }, cutoffs);
    const t = tiers[index.get(tier.name)!]!;
    t.historicalLeads++;
    if (converted.get(s.leadId)) t.historicalConversions++;
  }
  for (const t of tiers) t.historicalConversionRate = t.historicalLeads ? t.historicalConversions / t.historicalLeads : null;
  const times = histories.map((h) => h.outcome!.outcomeAt.getTime()).sort((a, b) => a - b);
  return {
    modelVersion: modelSet.manifest.version,
    openLeads: { scored: open.length - notScored, notScored },
    historical: {
      leads: scored.length,
      from: times.length ? new Date(times[0]!).toISOString() : null,
      to: times.length ? new Date(times[times.length - 1]!).toISOString() : null,
    },
    tiers,
  };
}
