import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/helpers/db.js';
import { tenantId, type Lead } from '../domain/index.js';
import { insertActivities, listActivities } from './activities.js';
import type { Database } from './db.js';
import { getLead, listLeads, upsertLeads } from './leads.js';
import { getOutcome, upsertOutcomes } from './outcomes.js';
import { countTenantData, ensureTenant } from './tenants.js';
import { blankLead } from '../../test/helpers/leads.js';

const acme = tenantId('acme');
const globex = tenantId('globex');

const lead = (id: string, email: string): Lead => blankLead(id, { email });

let db: Database;
beforeEach(async () => {
  db = await openTestDatabase();
  await ensureTenant(db, acme, 'Acme');
  await ensureTenant(db, globex, 'Globex');
});
afterEach(async () => {
  await db.close();
});

describe('tenant isolation', () => {
  it('gives every table but the migration record a tenant_id column that leads its primary key', async () => {
    const tables = await db.query<{ table_name: string; has_tenant: boolean; key_starts_with_tenant: boolean }>(
      `SELECT t.table_name,
         EXISTS (SELECT 1 FROM information_schema.columns c
                 WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.column_name = 'tenant_id') AS has_tenant,
         coalesce((SELECT a.attname = 'tenant_id' FROM pg_index i
                   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                   WHERE i.indrelid = (quote_ident(t.table_schema) || '.' || quote_ident(t.table_name))::regclass AND i.indisprimary), false)
           AS key_starts_with_tenant
       FROM information_schema.tables t
       WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND t.table_name <> 'schema_migrations'`,
    );
    expect(tables.length).toBeGreaterThanOrEqual(7);
    expect(tables.filter((t) => !t.has_tenant || !t.key_starts_with_tenant).map((t) => t.table_name)).toEqual([]);
  });

  it('keeps two tenants apart when they use the same lead id', async () => {
    await upsertLeads(db, acme, [lead('L1', 'ana@acme.com')]);
    await upsertLeads(db, globex, [lead('L1', 'bo@globex.com')]);
    expect((await getLead(db, acme, 'L1'))?.email).toBe('ana@acme.com');
    expect((await getLead(db, globex, 'L1'))?.email).toBe('bo@globex.com');

    await insertActivities(db, acme, [{ leadId: 'L1', type: 'demo_request', occurredAt: new Date('2024-03-02T00:00:00Z'), channel: null, detail: null }]);
    await upsertOutcomes(db, acme, [{ leadId: 'L1', converted: true, outcomeAt: new Date('2024-04-01T00:00:00Z'), amount: 100 }]);
    expect(await listActivities(db, globex, 'L1')).toEqual([]);
    expect(await getOutcome(db, globex, 'L1')).toBeNull();
    expect(await countTenantData(db, globex)).toEqual({ leads: 1, openLeads: 1, activities: 0, outcomes: 0, converted: 0 });
    expect(await countTenantData(db, acme)).toEqual({ leads: 1, openLeads: 0, activities: 1, outcomes: 1, converted: 1 });
    expect((await listLeads(db, globex, { limit: 10 })).map((l) => l.email)).toEqual(['bo@globex.com']);
  });

  it('refuses an activity of one tenant that points at a lead only another tenant has', async () => {
    await upsertLeads(db, acme, [lead('L1', 'ana@acme.com')]);
    await expect(
      insertActivities(db, globex, [{ leadId: 'L1', type: 'call', occurredAt: new Date(), channel: null, detail: null }]),
    ).rejects.toThrow(/foreign key/);
  });
});
