import type { TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

/** Where each stream of a connection's sync resumes. */
export async function getSyncCursors(db: Queryable, tenant: TenantId, connectionId: string): Promise<Record<string, string>> {
  const rows = await db.query<{ stream: string; cursor: string }>(`SELECT stream, cursor FROM sync_cursors WHERE tenant_id = $1 AND connection_id = $2`, [tenant, connectionId]);
  return Object.fromEntries(rows.map((r) => [r.stream, r.cursor]));
}

export async function saveSyncCursor(db: Queryable, tenant: TenantId, connectionId: string, stream: string, cursor: string): Promise<void> {
  await db.query(
    `INSERT INTO sync_cursors (tenant_id, connection_id, stream, cursor) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, connection_id, stream) DO UPDATE SET cursor = excluded.cursor, updated_at = now()`,
    [tenant, connectionId, stream, cursor],
  );
}

/** Forget where a connection's sync was: the next sync reads everything (a full resync). */
export async function clearSyncCursors(db: Queryable, tenant: TenantId, connectionId: string): Promise<void> {
  await db.query(`DELETE FROM sync_cursors WHERE tenant_id = $1 AND connection_id = $2`, [tenant, connectionId]);
}
