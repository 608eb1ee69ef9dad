import type { Connection, TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

/** The replay id of the last change event handled on a channel, or null when none was. */
export async function getReplayId(db: Queryable, tenant: TenantId, connectionId: string, channel: string): Promise<number | null> {
  const rows = await db.query<{ replay_id: string | number }>(
    `SELECT replay_id FROM cdc_replay WHERE tenant_id = $1 AND connection_id = $2 AND channel = $3`,
    [tenant, connectionId, channel],
  );
  return rows[0] ? Number(rows[0].replay_id) : null;
}

export async function saveReplayId(db: Queryable, tenant: TenantId, connectionId: string, channel: string, replayId: number): Promise<void> {
  await db.query(
    `INSERT INTO cdc_replay (tenant_id, connection_id, channel, replay_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, connection_id, channel) DO UPDATE SET replay_id = excluded.replay_id, updated_at = now()`,
    [tenant, connectionId, channel, replayId],
  );
}

/** Forget a channel's replay id (Salesforce no longer keeps it): the next subscription starts from new events. */
export async function clearReplayId(db: Queryable, tenant: TenantId, connectionId: string, channel: string): Promise<void> {
  await db.query(`DELETE FROM cdc_replay WHERE tenant_id = $1 AND connection_id = $2 AND channel = $3`, [tenant, connectionId, channel]);
}

/**
 * Take or renew the lease on a connection's real-time subscription: true when `holder` has it
 * now (it was free, lapsed, or already its own), false while another holder's lease runs.
 */
export async function claimRealtimeLease(db: Queryable, tenant: TenantId, connectionId: string, holder: string, leaseMs: number): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO realtime_leases AS r (tenant_id, connection_id, holder, lease_until)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4::double precision / 1000))
     ON CONFLICT (tenant_id, connection_id) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
       WHERE r.holder = excluded.holder OR r.lease_until < now()
     RETURNING holder`,
    [tenant, connectionId, holder, leaseMs],
  );
  return rows.length === 1;
}

export async function releaseRealtimeLease(db: Queryable, tenant: TenantId, connectionId: string, holder: string): Promise<void> {
  await db.query(`DELETE FROM realtime_leases WHERE tenant_id = $1 AND connection_id = $2 AND holder = $3`, [tenant, connectionId, holder]);
}

/**
 * Every tenant's active connections of a kind: what a worker offers to subscribe to. The one
 * query across tenants; each row names its tenant, and all work on it is scoped to that tenant.
 */
export async function activeConnectionsOfKind(db: Queryable, kind: Connection['kind']): Promise<Array<{ tenant: TenantId; connectionId: string; externalAccountId: string | null }>> {
  const rows = await db.query<{ tenant_id: string; connection_id: string; external_account_id: string | null }>(
    `SELECT tenant_id, connection_id, external_account_id FROM connections WHERE kind = $1 AND status = 'active' ORDER BY tenant_id, connection_id`,
    [kind],
  );
  return rows.map((r) => ({ tenant: r.tenant_id as TenantId, connectionId: r.connection_id, externalAccountId: r.external_account_id }));
}

/** Merge notes into a connection's settings without touching its status (a revoked grant stays revoked). */
export async function noteConnection(db: Queryable, tenant: TenantId, connectionId: string, notes: Record<string, unknown>): Promise<void> {
  await db.query(`UPDATE connections SET settings = settings || $3::jsonb, updated_at = now() WHERE tenant_id = $1 AND connection_id = $2`, [tenant, connectionId, JSON.stringify(notes)]);
}
