import path from 'node:path';
import type { TenantId } from '../domain/index.js';
import type { LoadedModelSet } from '../model/artifact.js';
import { FolderModelSource } from '../scoring/model-source.js';
import type { ModelSource } from '../scoring/rescore.js';
import { getChampion, newestChallenger, type Queryable } from '../store/index.js';
import { loadStoredVersion } from './model-files.js';

export interface ChampionModelSourceOptions {
  db: Queryable;
  /** Where stored versions are written as folders to be loaded (`<cacheDir>/<tenant>/<version>`). */
  cacheDir: string;
  /** What scores a tenant without a champion of its own: the shipped default (FolderModelSource). */
  fallback: ModelSource & { close?(): Promise<void>; defaultLoaded?(): Promise<boolean> };
  onError?: (tenant: TenantId, error: Error) => void;
  /** How long the champion's name is trusted before the database is asked again (other processes promote too). */
  championTtlMs?: number;
}

/**
 * Each tenant's champion model version from the store; the fallback (the shipped default) while
 * the tenant has none, and when its champion's files fail to load (reported, never a silent
 * nonsense score). Scoring sees only the ModelSource interface.
 */
export class ChampionModelSource implements ModelSource {
  private readonly champion = new Map<TenantId, { version: string | null; until: number }>();
  private readonly loaded = new Map<string, Promise<LoadedModelSet>>();
  private readonly challenger = new Map<TenantId, { version: string | null; until: number }>();
  private readonly failures = new Map<TenantId, { version: string; message: string; at: Date }>();

  constructor(private readonly options: ChampionModelSourceOptions) {}

  async forTenant(tenant: TenantId): Promise<LoadedModelSet | null> {
    let known = this.champion.get(tenant);
    if (!known || known.until < Date.now()) {
      const row = await getChampion(this.options.db, tenant);
      known = { version: row?.version ?? null, until: Date.now() + (this.options.championTtlMs ?? 30_000) };
      this.champion.set(tenant, known);
    }
    if (known.version === null) return this.options.fallback.forTenant(tenant);
    try {
      const set = await this.version(tenant, known.version);
      this.failures.delete(tenant);
      return set;
    } catch (err) {
      this.failures.set(tenant, { version: known.version, message: (err as Error).message, at: new Date() });
      this.options.onError?.(tenant, err as Error);
      return this.options.fallback.forTenant(tenant);
    }
  }

  /** Why the tenant's champion is not the model scoring it right now (its files did not load), or null. */
  championFailure(tenant: TenantId): { version: string; message: string; at: Date } | null {
    return this.failures.get(tenant) ?? null;
  }

  /**
   * The newest challenger trained since the champion came into force, for the live A/B split;
   * null when there is none or its files do not load (reported: the split pauses, scoring goes on).
   */
  async abChallenger(tenant: TenantId): Promise<{ version: string; models: LoadedModelSet } | null> {
    let known = this.challenger.get(tenant);
    if (!known || known.until < Date.now()) {
      const row = await newestChallenger(this.options.db, tenant);
      known = { version: row?.version ?? null, until: Date.now() + (this.options.championTtlMs ?? 30_000) };
      this.challenger.set(tenant, known);
    }
    if (known.version === null) return null;
    try {
      return { version: known.version, models: await this.version(tenant, known.version) };
    } catch (err) {
      this.options.onError?.(tenant, err as Error);
      return null;
    }
  }

  /** A stored version of the tenant's, loaded once and kept (champion, challenger or an older one). */
  version(tenant: TenantId, version: string): Promise<LoadedModelSet> {
    const key = `${tenant}/${version}`;
    let entry = this.loaded.get(key);
    if (!entry) {
      entry = loadStoredVersion(this.options.db, tenant, version, this.options.cacheDir);
      entry.catch(() => this.loaded.delete(key));
      this.loaded.set(key, entry);
    }
    return entry;
  }

  /** What scores the tenant when it has no champion of its own (the shipped default). */
  fallbackFor(tenant: TenantId): Promise<LoadedModelSet | null> {
    return this.options.fallback.forTenant(tenant);
  }

  /** Forget the tenant's champion: the next request asks the database (after a promotion or rollback). */
  invalidate(tenant: TenantId): void {
    this.champion.delete(tenant);
    this.challenger.delete(tenant);
  }

  /** Ready when the default model loads: what `/readyz` asks. */
  async defaultLoaded(): Promise<boolean> {
    return this.options.fallback.defaultLoaded ? this.options.fallback.defaultLoaded() : true;
  }

  async close(): Promise<void> {
    const sets = await Promise.allSettled(this.loaded.values());
    this.loaded.clear();
    await Promise.all(sets.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
    await this.options.fallback.close?.();
  }
}

/**
 * The models every process uses: each tenant's champion from the database (files cached under
 * `<dataDir>/model-cache`), else a model folder of its own under `<dataDir>/models/<tenant>`, else
 * the shipped default.
 */
export function tenantModelSource(db: Queryable, dataDir: string, options: { defaultDir: string; onError?: (tenant: TenantId, error: Error) => void }): ChampionModelSource {
  const onError = options.onError;
  return new ChampionModelSource({
    db,
    cacheDir: path.join(dataDir, 'model-cache'),
    fallback: new FolderModelSource({ defaultDir: options.defaultDir, tenantsDir: path.join(dataDir, 'models'), ...(onError ? { onError } : {}) }),
    ...(onError ? { onError } : {}),
  });
}
