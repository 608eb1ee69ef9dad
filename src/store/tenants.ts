import type { Tenant, TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

interface TenantRow {
  tenant_id: TenantId;
  name: string;
  created_at: Date;
}

const toTenant = (row: TenantRow): Tenant => ({ id: row.tenant_id, name: row.name, createdAt: row.created_at });

/** Create the tenant if it does not exist; an existing tenant keeps its name. */
export async function ensureTenant(db: Queryable, tenant: TenantId, name: string): Promise<Tenant> {
  await db.query('INSERT INTO tenants (tenant_id, name) VALUES ($1, $2) ON CONFLICT (tenant_id) DO NOTHING', [tenant, name]);
  const found = await getTenant(db, tenant);
  if (!found) throw new Error(`tenant ${tenant} vanished right after it was created`);
  return found;
}

export async function getTenant(db: Queryable, tenant: TenantId): Promise<Tenant | null> {
  const rows = await db.query<TenantRow>('SELECT tenant_id, name, created_at FROM tenants WHERE tenant_id = $1', [tenant]);
  return rows[0] ? toTenant(rows[0]) : null;
}

export interface TenantCounts {
  leads: number;
  openLeads: number;
  activities: number;
  outcomes: number;
  converted: number;
}

export async function countTenantData(db: Queryable, tenant: TenantId): Promise<TenantCounts> {
  const rows = await db.query<TenantCounts>(
    `SELECT
       (SELECT count(*)::int FROM leads WHERE tenant_id = $1) AS "leads",
       (SELECT count(*)::int FROM leads l WHERE l.tenant_id = $1
          AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.tenant_id = l.tenant_id AND o.lead_id = l.lead_id)) AS "openLeads",
       (SELECT count(*)::int FROM activities WHERE tenant_id = $1) AS "activities",
       (SELECT count(*)::int FROM outcomes WHERE tenant_id = $1) AS "outcomes",
       (SELECT count(*)::int FROM outcomes WHERE tenant_id = $1 AND converted) AS "converted"`,
    [tenant],
  );
  return rows[0]!;
}
