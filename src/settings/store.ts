import { LeadscoreError, type TenantId } from '../domain/index.js';
import type { Database, Queryable } from '../store/index.js';
import { DEFAULT_SETTINGS, SettingsSchema, type Settings } from './schema.js';

export interface SettingsVersion {
  /** 0 for the defaults of a tenant that never saved settings. */
  version: number;
  settings: Settings;
  changedBy: string | null;
  changedAt: Date | null;
  changes: SettingsChange[];
  restoredFrom: number | null;
}

export interface SettingsChange {
  field: string;
  from: unknown;
  to: unknown;
}

interface VersionRow {
  version: number;
  settings: unknown;
  changed_by: string;
  changed_at: Date;
  changes: SettingsChange[];
  restored_from: number | null;
}

const toVersion = (row: VersionRow): SettingsVersion => ({
  version: row.version,
  // Stored versions were valid when saved; defaults fill fields added since.
  settings: SettingsSchema.parse({ ...DEFAULT_SETTINGS, ...(row.settings as object) }),
  changedBy: row.changed_by,
  changedAt: row.changed_at,
  changes: row.changes,
  restoredFrom: row.restored_from,
});

const SELECT = `SELECT version, settings, changed_by, changed_at, changes, restored_from FROM settings_versions`;

/** The settings in force: the newest saved version, or the defaults. */
export async function currentSettings(db: Queryable, tenant: TenantId): Promise<SettingsVersion> {
  const rows = await db.query<VersionRow>(`${SELECT} WHERE tenant_id = $1 ORDER BY version DESC LIMIT 1`, [tenant]);
  return rows[0] ? toVersion(rows[0]) : { version: 0, settings: DEFAULT_SETTINGS, changedBy: null, changedAt: null, changes: [], restoredFrom: null };
}

/** Every saved version, newest first. */
export async function settingsHistory(db: Queryable, tenant: TenantId, limit = 100): Promise<SettingsVersion[]> {
  const rows = await db.query<VersionRow>(`${SELECT} WHERE tenant_id = $1 ORDER BY version DESC LIMIT $2`, [tenant, limit]);
  return rows.map(toVersion);
}

/**
 * Save `settings` as the tenant's next version, recording who and what changed. `expectedVersion`
 * guards against overwriting a change saved since the caller read the settings. Saving settings
 * equal to those in force saves nothing and returns the current version.
 */
export async function saveSettings(
  db: Database,
  tenant: TenantId,
  settings: Settings,
  by: string,
  options: { expectedVersion?: number; restoredFrom?: number } = {},
): Promise<SettingsVersion> {
  return db.transaction(async (tx) => {
    // One writer at a time per tenant, so two saves cannot both become version n + 1.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('settings:' || $1))`, [tenant]);
    const current = await currentSettings(tx, tenant);
    if (options.expectedVersion !== undefined && options.expectedVersion !== current.version) {
      throw new LeadscoreError(
        'SETTINGS_INVALID',
        `expected_version ${options.expectedVersion} is not the version in force (${current.version}): someone saved settings since; read them again`,
      );
    }
    const changes = diffSettings(current.settings, settings);
    if (changes.length === 0) return current;
    const rows = await tx.query<VersionRow>(
      `INSERT INTO settings_versions (tenant_id, version, settings, changed_by, changes, restored_from)
       VALUES ($1, $2, $3::jsonb, $4, $5::jsonb, $6)
       RETURNING version, settings, changed_by, changed_at, changes, restored_from`,
      [tenant, current.version + 1, JSON.stringify(settings), by, JSON.stringify(changes), options.restoredFrom ?? null],
    );
    return toVersion(rows[0]!);
  });
}

/** Put an earlier version back in force, as a new version (the history only grows). */
export async function restoreSettings(db: Database, tenant: TenantId, version: number, by: string): Promise<SettingsVersion> {
  let settings: Settings;
  if (version === 0) settings = DEFAULT_SETTINGS;
  else {
    const rows = await db.query<VersionRow>(`${SELECT} WHERE tenant_id = $1 AND version = $2`, [tenant, version]);
    if (!rows[0]) throw new LeadscoreError('NOT_FOUND', `settings version ${version} does not exist for this tenant`);
    settings = toVersion(rows[0]).settings;
  }
  return saveSettings(db, tenant, settings, by, { restoredFrom: version });
}

/** Leaf-by-leaf differences, with paths like "tiers.levels[0].min". */
export function diffSettings(before: unknown, after: unknown, path = ''): SettingsChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffSettings(before[k], after[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((v, i) => diffSettings(v, after[i], `${path}[${i}]`));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ field: path || '(all)', from: before ?? null, to: after ?? null }];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
