import type { Connection, ConnectorKind, TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

interface ConnectionRow {
  tenant_id: string;
  connection_id: string;
  kind: ConnectorKind;
  external_account_id: string | null;
  status: Connection['status'];
  settings: Record<string, unknown>;
  credentials_encrypted: Buffer | Uint8Array | null;
  created_at: Date;
  updated_at: Date;
}

const toConnection = (r: ConnectionRow): Connection & { credentials: Buffer | null } => ({
  tenantId: r.tenant_id as TenantId,
  id: r.connection_id,
  kind: r.kind,
  externalAccountId: r.external_account_id,
  status: r.status,
  settings: r.settings,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  credentials: r.credentials_encrypted ? Buffer.from(r.credentials_encrypted) : null,
});

/** Create or replace a connection; `credentials` are already sealed (the store never sees tokens in clear). */
export async function saveConnection(
  db: Queryable,
  tenant: TenantId,
  c: { id: string; kind: ConnectorKind; externalAccountId: string | null; status: Connection['status']; settings: Record<string, unknown>; credentials: Buffer | null },
): Promise<void> {
  await db.query(
    `INSERT INTO connections (tenant_id, connection_id, kind, external_account_id, status, settings, credentials_encrypted)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
     ON CONFLICT (tenant_id, connection_id) DO UPDATE SET
       kind = excluded.kind, external_account_id = excluded.external_account_id, status = excluded.status,
       settings = connections.settings || excluded.settings, credentials_encrypted = excluded.credentials_encrypted, updated_at = now()`,
    [tenant, c.id, c.kind, c.externalAccountId, c.status, JSON.stringify(c.settings), c.credentials],
  );
}

export async function getConnection(db: Queryable, tenant: TenantId, id: string): Promise<(Connection & { credentials: Buffer | null }) | null> {
  const rows = await db.query<ConnectionRow>(`SELECT * FROM connections WHERE tenant_id = $1 AND connection_id = $2`, [tenant, id]);
  return rows[0] ? toConnection(rows[0]) : null;
}

export async function listConnections(db: Queryable, tenant: TenantId, kind?: ConnectorKind): Promise<Array<Connection & { credentials: Buffer | null }>> {
  const rows = await db.query<ConnectionRow>(
    `SELECT * FROM connections WHERE tenant_id = $1 AND ($2::text IS NULL OR kind = $2) ORDER BY connection_id`,
    [tenant, kind ?? null],
  );
  return rows.map(toConnection);
}

/** Change a connection's status (e.g. needs_reconnect when its refresh token was revoked), merging notes into its settings. */
export async function setConnectionStatus(db: Queryable, tenant: TenantId, id: string, status: Connection['status'], notes: Record<string, unknown> = {}): Promise<void> {
  await db.query(
    `UPDATE connections SET status = $3, settings = settings || $4::jsonb, updated_at = now() WHERE tenant_id = $1 AND connection_id = $2`,
    [tenant, id, status, JSON.stringify(notes)],
  );
}

export async function updateCredentials(db: Queryable, tenant: TenantId, id: string, credentials: Buffer): Promise<void> {
  await db.query(`UPDATE connections SET credentials_encrypted = $3, updated_at = now() WHERE tenant_id = $1 AND connection_id = $2`, [tenant, id, credentials]);
}
