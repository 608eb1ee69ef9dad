import { LeadscoreError, type TenantId } from '../domain/index.js';
import type { LoadedModelSet } from '../model/artifact.js';
import { scoreLeads } from '../scoring/service.js';
import { currentSettings, type Settings } from '../settings/index.js';
import { getChampion, getModelVersion, readHistories, recordAudit, setChampion, updateModelVersion, type Database } from '../store/index.js';
import type { ChampionModelSource } from './model-source.js';

/** The champion "version" that means: no model of the tenant's own, the shipped default scores. */
export const DEFAULT_VERSION = 'default';

export interface TierChanges {
  openLeads: number;
  /** Open leads per tier under the model in force before and after. */
  before: Record<string, number>;
  after: Record<string, number>;
  /** Open leads whose tier differs between the two. */
  changed: number;
  asOf: string;
}

export interface PromotionResult {
  version: string;
  previous: string;
  tierChanges: TierChanges;
}

/**
 * How the tenant's open leads fall into tiers under two model sets, with the settings in force
 * (tiers by percentile use each model's own score distribution, so tier sizes stay put).
 */
export async function compareTiers(db: Database, tenant: TenantId, before: LoadedModelSet | null, after: LoadedModelSet | null, settings: Settings, asOf: Date): Promise<TierChanges> {
  const result: TierChanges = { openLeads: 0, before: {}, after: {}, changed: 0, asOf: asOf.toISOString() };
  const tierOf = (s: { status: string; tier?: string }) => (s.status === 'scored' ? s.tier! : 'Not scored');
  let after_: string | undefined;
  for (;;) {
    const page = await readHistories(db, tenant, { ...(after_ === undefined ? {} : { after: after_ }), limit: 2000, openOnly: true });
    if (page.length === 0) break;
    after_ = page[page.length - 1]!.lead.id;
    const [a, b] = await Promise.all([scoreLeads(before, settings, page, asOf, { reasons: false }), scoreLeads(after, settings, page, asOf, { reasons: false })]);
    for (let i = 0; i < page.length; i++) {
      const x = tierOf(a[i]!);
      const y = tierOf(b[i]!);
      result.before[x] = (result.before[x] ?? 0) + 1;
      result.after[y] = (result.after[y] ?? 0) + 1;
      if (x !== y) result.changed++;
    }
    result.openLeads += page.length;
  }
  return result;
}

export class PromotionError extends LeadscoreError {
  constructor(message: string) {
    super('INPUT_INVALID', message);
  }
}

/**
 * Put a stored version (or `default`) in force as the tenant's champion: its files must load, the
 * open leads' tier moves are counted, then the switch and its audit entry commit together (a
 * failure on the way leaves the champion as it was, and the reason on the version). The caller
 * rescores the open leads afterwards.
 */
export async function promoteVersion(
  db: Database,
  models: ChampionModelSource,
  tenant: TenantId,
  version: string,
  how: { action: 'model_promotion' | 'model_rollback'; reason: string; actor: string; now?: Date },
): Promise<PromotionResult> {
  const champion = await getChampion(db, tenant);
  const previous = champion?.version ?? DEFAULT_VERSION;
  if (version === previous) throw new PromotionError(`model version ${version} is already the champion`);
  let next: LoadedModelSet | null;
  if (version === DEFAULT_VERSION) {
    next = null;
  } else {
    const row = await getModelVersion(db, tenant, version);
    if (!row) throw new LeadscoreError('NOT_FOUND', `no model version "${version}" in this account`);
    if (row.status === 'failed' && row.outcomes === null) throw new PromotionError(`model version ${version} is a failed retrain with no model: ${row.reason}`);
    try {
      next = await models.version(tenant, version);
    } catch (err) {
      const reason = `cannot be promoted: ${(err as Error).message}`;
      await updateModelVersion(db, tenant, version, { status: 'failed', reason });
      throw new PromotionError(`model version ${version} ${reason}; the champion ${previous} stays in force`);
    }
  }
  const settings = (await currentSettings(db, tenant)).settings;
  const current = await models.forTenant(tenant);
  // `default`: what the tenant gets without a champion of its own.
  const incoming = next ?? (await models.fallbackFor(tenant));
  const tierChanges = await compareTiers(db, tenant, current, incoming, settings, how.now ?? new Date());
  try {
    await db.transaction(async (tx) => {
      await setChampion(tx, tenant, version === DEFAULT_VERSION ? null : version, how.reason);
      await recordAudit(tx, tenant, [
        {
          action: how.action,
          recordId: `model:${version}`,
          connectionId: null,
          before: { champion: previous },
          after: { champion: version, tierChanges },
          cause: how.actor,
          outcome: how.action === 'model_promotion' ? 'promoted' : 'rolled_back',
          note: how.reason,
        },
      ]);
    });
  } catch (err) {
    if (version !== DEFAULT_VERSION) await updateModelVersion(db, tenant, version, { reason: `promotion failed, the champion ${previous} stays in force: ${(err as Error).message}` });
    throw new PromotionError(`promoting ${version} failed, the champion ${previous} stays in force: ${(err as Error).message}`);
  } finally {
    models.invalidate(tenant);
  }
  return { version, previous, tierChanges };
}
