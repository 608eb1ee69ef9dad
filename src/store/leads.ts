import type { Lead, TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';
import { lastByKey, type UpsertCounts } from './counts.js';

const COLUMNS = `lead_id text, created_at timestamptz, email text, first_name text, last_name text, title text,
  company text, industry text, employees integer, annual_revenue double precision, country text,
  lead_source text, attributes jsonb`;

const toRow = (lead: Lead) => ({
  lead_id: lead.id,
  created_at: lead.createdAt.toISOString(),
  email: lead.email,
  first_name: lead.firstName,
  last_name: lead.lastName,
  title: lead.title,
  company: lead.company,
  industry: lead.industry,
  employees: lead.employees,
  annual_revenue: lead.annualRevenue,
  country: lead.country,
  lead_source: lead.leadSource,
  attributes: lead.attributes,
});

/**
 * Insert or update leads by id in one statement. A lead whose fields are all the same as stored
 * is not written at all, so re-importing the same data changes nothing.
 */
export async function upsertLeads(db: Queryable, tenant: TenantId, leads: readonly Lead[], source = 'file'): Promise<UpsertCounts> {
  const unique = lastByKey(leads, (l) => l.id);
  if (unique.length === 0) return { inserted: 0, updated: 0, unchanged: leads.length };
  const rows = await db.query<{ inserted: boolean; lead_id: string }>(
    `INSERT INTO leads AS l (tenant_id, source, lead_id, created_at, email, first_name, last_name, title, company,
       industry, employees, annual_revenue, country, lead_source, attributes)
     SELECT $1, $3, r.lead_id, r.created_at, r.email, r.first_name, r.last_name, r.title, r.company, r.industry,
       r.employees, r.annual_revenue, r.country, r.lead_source, coalesce(r.attributes, '{}')
     FROM jsonb_to_recordset($2::jsonb) AS r(${COLUMNS})
     ON CONFLICT (tenant_id, lead_id) DO UPDATE SET
       created_at = excluded.created_at, email = excluded.email, first_name = excluded.first_name,
       last_name = excluded.last_name, title = excluded.title, company = excluded.company,
       industry = excluded.industry, employees = excluded.employees, annual_revenue = excluded.annual_revenue,
       country = excluded.country, lead_source = excluded.lead_source, attributes = excluded.attributes,
       source = excluded.source, updated_at = now()
     WHERE (l.source, l.created_at, l.email, l.first_name, l.last_name, l.title, l.company, l.industry, l.employees,
            l.annual_revenue, l.country, l.lead_source, l.attributes)
       IS DISTINCT FROM
           (excluded.source, excluded.created_at, excluded.email, excluded.first_name, excluded.last_name, excluded.title,
            excluded.company, excluded.industry, excluded.employees, excluded.annual_revenue, excluded.country,
            excluded.lead_source, excluded.attributes)
     RETURNING (xmax = 0) AS inserted, lead_id`,
    [tenant, JSON.stringify(unique.map(toRow)), source],
  );
  const inserted = rows.filter((r) => r.inserted).length;
  return { inserted, updated: rows.length - inserted, unchanged: leads.length - rows.length, changedLeadIds: rows.map((r) => r.lead_id) };
}

export interface LeadRow {
  lead_id: string;
  created_at: Date;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  title: string | null;
  company: string | null;
  industry: string | null;
  employees: number | null;
  annual_revenue: number | null;
  country: string | null;
  lead_source: string | null;
  attributes: Record<string, string>;
}

export const toLead = (row: LeadRow): Lead => ({
  id: row.lead_id,
  createdAt: row.created_at,
  email: row.email,
  firstName: row.first_name,
  lastName: row.last_name,
  title: row.title,
  company: row.company,
  industry: row.industry,
  employees: row.employees,
  annualRevenue: row.annual_revenue,
  country: row.country,
  leadSource: row.lead_source,
  attributes: row.attributes,
});

export const SELECT_LEAD_COLUMNS = `leads.lead_id, leads.created_at, leads.email, leads.first_name, leads.last_name, leads.title,
  leads.company, leads.industry, leads.employees, leads.annual_revenue, leads.country, leads.lead_source, leads.attributes`;
const SELECT_LEAD = `SELECT ${SELECT_LEAD_COLUMNS} FROM leads`;

export async function getLead(db: Queryable, tenant: TenantId, leadId: string): Promise<Lead | null> {
  const rows = await db.query<LeadRow>(`${SELECT_LEAD} WHERE tenant_id = $1 AND lead_id = $2`, [tenant, leadId]);
  return rows[0] ? toLead(rows[0]) : null;
}

/** Leads in id order, a page at a time: pass the last id of a page to get the next. `openOnly` skips leads with an outcome. */
export async function listLeads(
  db: Queryable,
  tenant: TenantId,
  page: { after?: string; limit: number; openOnly?: boolean },
): Promise<Lead[]> {
  const open = page.openOnly
    ? `AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.tenant_id = leads.tenant_id AND o.lead_id = leads.lead_id)`
    : '';
  const rows = await db.query<LeadRow>(
    `${SELECT_LEAD} WHERE tenant_id = $1 AND lead_id > $2 ${open} ORDER BY lead_id LIMIT $3`,
    [tenant, page.after ?? '', page.limit],
  );
  return rows.map(toLead);
}

/** The stored leads among `ids`, in id order; ids that are not leads of the tenant are left out. */
export async function getLeadsByIds(db: Queryable, tenant: TenantId, ids: readonly string[]): Promise<Lead[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<LeadRow>(
    `${SELECT_LEAD} WHERE tenant_id = $1 AND lead_id IN (SELECT jsonb_array_elements_text($2::jsonb)) ORDER BY lead_id`,
    [tenant, JSON.stringify([...new Set(ids)])],
  );
  return rows.map(toLead);
}

/** Where a stored lead came from ('file', 'salesforce', 'hubspot'), or null when it is not a lead of the tenant. */
export async function getLeadSource(db: Queryable, tenant: TenantId, leadId: string): Promise<string | null> {
  const rows = await db.query<{ source: string }>(`SELECT source FROM leads WHERE tenant_id = $1 AND lead_id = $2`, [tenant, leadId]);
  return rows[0]?.source ?? null;
}

/** For each id that is a stored lead of the tenant, its creation time. */
export async function findLeadCreationTimes(
  db: Queryable,
  tenant: TenantId,
  leadIds: readonly string[],
): Promise<Map<string, Date>> {
  if (leadIds.length === 0) return new Map();
  const rows = await db.query<{ lead_id: string; created_at: Date }>(
    `SELECT lead_id, created_at FROM leads
     WHERE tenant_id = $1 AND lead_id IN (SELECT jsonb_array_elements_text($2::jsonb))`,
    [tenant, JSON.stringify([...new Set(leadIds)])],
  );
  return new Map(rows.map((r) => [r.lead_id, r.created_at]));
}

/** Remove leads deleted in their CRM (with their activities, outcomes and scores); only leads from `source`. */
export async function deleteLeads(db: Queryable, tenant: TenantId, leadIds: readonly string[], source: string): Promise<number> {
  if (leadIds.length === 0) return 0;
  const rows = await db.query(
    `DELETE FROM leads WHERE tenant_id = $1 AND source = $2 AND lead_id IN (SELECT jsonb_array_elements_text($3::jsonb)) RETURNING lead_id`,
    [tenant, source, JSON.stringify(leadIds)],
  );
  return rows.length;
}

/** Which of these leads came from `source`. */
export async function leadIdsFromSource(db: Queryable, tenant: TenantId, leadIds: readonly string[], source: string): Promise<Set<string>> {
  if (leadIds.length === 0) return new Set();
  const rows = await db.query<{ lead_id: string }>(`SELECT lead_id FROM leads WHERE tenant_id = $1 AND lead_id = ANY($2::text[]) AND source = $3`, [tenant, leadIds, source]);
  return new Set(rows.map((r) => r.lead_id));
}
