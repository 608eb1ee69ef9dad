import fs from 'node:fs';
import path from 'node:path';
import type { TenantId } from '../domain/index.js';
import { loadModelFolder, type LoadedModelSet } from '../model/artifact.js';
import type { ModelSource } from './rescore.js';

/** The model shipped in the package: models/default at the package root (above src/ or dist/src/). */
export const SHIPPED_DEFAULT_MODEL = path.join(packageRoot(import.meta.dirname), 'models/default');

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return from;
  }
}

export interface FolderModelSourceOptions {
  /** Folder of the model every tenant without its own uses. */
  defaultDir: string;
  /** Where tenants' own models live: `<dir>/<tenant>/manifest.json`. */
  tenantsDir: string | null;
  onError?: (tenant: TenantId, error: Error) => void;
}

/**
 * Model sets from folders, each loaded once and kept: a tenant's own (trained on its outcomes)
 * when its folder has one, otherwise the shipped default. A folder that fails to load is reported
 * and the tenant falls back to the default; with no default either, leads say "no model".
 */
export class FolderModelSource implements ModelSource {
  private readonly loaded = new Map<string, Promise<LoadedModelSet | null>>();
  /** Whether a tenant has a model folder of its own, looked up at most every 30 s (it is asked per request). */
  private readonly ownFolder = new Map<TenantId, { dir: string | null; until: number }>();

  constructor(private readonly options: FolderModelSourceOptions) {}

  forTenant(tenant: TenantId): Promise<LoadedModelSet | null> {
    let own = this.ownFolder.get(tenant);
    if (!own || own.until < Date.now()) {
      const dir = this.options.tenantsDir ? path.join(this.options.tenantsDir, tenant) : null;
      own = { dir: dir && fs.existsSync(path.join(dir, 'manifest.json')) ? dir : null, until: Date.now() + 30_000 };
      this.ownFolder.set(tenant, own);
    }
    return this.load(own.dir ?? this.options.defaultDir, tenant);
  }

  /** Ready when the default model loads: what `/readyz` asks. */
  async defaultLoaded(): Promise<boolean> {
    return (await this.defaultSet()) !== null;
  }

  /** The model set of every tenant without its own (null when it does not load). */
  defaultSet(): Promise<LoadedModelSet | null> {
    return this.load(this.options.defaultDir, null);
  }

  private load(dir: string, tenant: TenantId | null): Promise<LoadedModelSet | null> {
    let entry = this.loaded.get(dir);
    if (!entry) {
      entry = loadModelFolder(dir).catch((err: Error) => {
        if (tenant) this.options.onError?.(tenant, err);
        this.loaded.delete(dir);
        return dir === this.options.defaultDir ? null : this.load(this.options.defaultDir, tenant);
      });
      this.loaded.set(dir, entry);
    }
    return entry;
  }

  async close(): Promise<void> {
    const sets = await Promise.all(this.loaded.values());
    this.loaded.clear();
    await Promise.all(sets.map((s) => s?.close()));
  }
}
