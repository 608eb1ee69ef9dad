import type { FollowUpTask, OwnerChange, TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

/**
 * Routing's tables. The functions that lock (`lockLeadForRouting`, `lockRotation`) only mean
 * something inside a transaction: the lock is held until it commits or rolls back.
 */

/** One lead routed at a time: a second worker routing the same lead waits, then finds the first one's assignment. */
export async function lockLeadForRouting(tx: Queryable, tenant: TenantId, leadId: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('routing:' || $1 || ':' || $2))`, [tenant, leadId]);
}

/** The rotation's state, its row locked until the transaction ends; null for a rotation never used. */
export async function lockRotation(tx: Queryable, tenant: TenantId, rotationKey: string): Promise<unknown> {
  // The row must exist to be locked; a new rotation starts empty.
  await tx.query(`INSERT INTO routing_rotations (tenant_id, rotation_key) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [tenant, rotationKey]);
  const rows = await tx.query<{ state: Record<string, unknown> }>(
    `SELECT state FROM routing_rotations WHERE tenant_id = $1 AND rotation_key = $2 FOR UPDATE`,
    [tenant, rotationKey],
  );
  const state = rows[0]?.state;
  return state && Object.keys(state).length > 0 ? state : null;
}

export async function saveRotation(tx: Queryable, tenant: TenantId, rotationKey: string, state: unknown): Promise<void> {
  await tx.query(`UPDATE routing_rotations SET state = $3::jsonb, updated_at = now() WHERE tenant_id = $1 AND rotation_key = $2`, [
    tenant,
    rotationKey,
    JSON.stringify(state),
  ]);
}

/** Leads each owner got on `day` (YYYY-MM-DD in the tenant's time zone). */
export async function dailyCounts(db: Queryable, tenant: TenantId, day: string, ownerIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await db.query<{ owner_id: string; assigned: number }>(
    `SELECT owner_id, assigned FROM routing_daily_counts WHERE tenant_id = $1 AND day = $2::date AND owner_id = ANY($3::text[])`,
    [tenant, day, ownerIds],
  );
  return new Map(rows.map((r) => [r.owner_id, r.assigned]));
}

/**
 * Count one more lead for the owner on `day`, unless that would pass `capacity` (null: no limit).
 * False when the owner is full: the check and the increment are one statement, so two workers
 * cannot both take the last place.
 */
export async function claimDailySlot(db: Queryable, tenant: TenantId, ownerId: string, day: string, capacity: number | null): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO routing_daily_counts AS c (tenant_id, owner_id, day, assigned) VALUES ($1, $2, $3::date, 1)
     ON CONFLICT (tenant_id, owner_id, day) DO UPDATE SET assigned = c.assigned + 1
     WHERE $4::integer IS NULL OR c.assigned < $4::integer
     RETURNING assigned`,
    [tenant, ownerId, day, capacity],
  );
  return rows.length === 1;
}

/** Record CRM users as active or not (from a user sync, or a write the CRM refused for an inactive owner). */
export async function setCrmUserStatus(db: Queryable, tenant: TenantId, users: ReadonlyArray<{ crmUserId: string; active: boolean }>): Promise<void> {
  if (users.length === 0) return;
  await db.query(
    `INSERT INTO routing_crm_users (tenant_id, crm_user_id, active)
     SELECT $1, u.crm_user_id, u.active FROM jsonb_to_recordset($2::jsonb) AS u(crm_user_id text, active boolean)
     ON CONFLICT (tenant_id, crm_user_id) DO UPDATE SET active = excluded.active, checked_at = now()`,
    [tenant, JSON.stringify(users.map((u) => ({ crm_user_id: u.crmUserId, active: u.active })))],
  );
}

/** Which of these CRM users were last seen deactivated. */
export async function inactiveCrmUsers(db: Queryable, tenant: TenantId, crmUserIds: readonly string[]): Promise<Set<string>> {
  const rows = await db.query<{ crm_user_id: string }>(
    `SELECT crm_user_id FROM routing_crm_users WHERE tenant_id = $1 AND crm_user_id = ANY($2::text[]) AND NOT active`,
    [tenant, crmUserIds],
  );
  return new Set(rows.map((r) => r.crm_user_id));
}

export interface StoredAssignment {
  leadId: string;
  ownerId: string;
  crmOwnerId: string;
  rule: string;
  outcome: 'assigned' | 'fallback';
  reason: string | null;
  settingsVersion: number;
  assignedAt: Date;
  ownerChange: OwnerChange;
  task: FollowUpTask | null;
  writtenAt: Date | null;
}

interface AssignmentRow {
  lead_id: string;
  owner_id: string;
  crm_owner_id: string;
  rule_name: string;
  outcome: 'assigned' | 'fallback';
  reason: string | null;
  settings_version: number;
  assigned_at: Date;
  owner_change: OwnerChange;
  task: (Omit<FollowUpTask, 'dueAt'> & { dueAt: string | null }) | null;
  written_at: Date | null;
}

const toAssignment = (r: AssignmentRow): StoredAssignment => ({
  leadId: r.lead_id,
  ownerId: r.owner_id,
  crmOwnerId: r.crm_owner_id,
  rule: r.rule_name,
  outcome: r.outcome,
  reason: r.reason,
  settingsVersion: r.settings_version,
  assignedAt: r.assigned_at,
  ownerChange: r.owner_change,
  task: r.task ? { ...r.task, dueAt: r.task.dueAt === null ? null : new Date(r.task.dueAt) } : null,
  writtenAt: r.written_at,
});

const ASSIGNMENT_COLUMNS = `lead_id, owner_id, crm_owner_id, rule_name, outcome, reason, settings_version, assigned_at, owner_change, task, written_at`;

export async function getAssignment(db: Queryable, tenant: TenantId, leadId: string): Promise<StoredAssignment | null> {
  const rows = await db.query<AssignmentRow>(`SELECT ${ASSIGNMENT_COLUMNS} FROM routing_assignments WHERE tenant_id = $1 AND lead_id = $2`, [tenant, leadId]);
  return rows[0] ? toAssignment(rows[0]) : null;
}

/** Store an assignment; false (and nothing stored) when the lead already has one. */
export async function insertAssignment(db: Queryable, tenant: TenantId, a: Omit<StoredAssignment, 'writtenAt'>): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO routing_assignments (tenant_id, ${ASSIGNMENT_COLUMNS})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, NULL)
     ON CONFLICT (tenant_id, lead_id) DO NOTHING RETURNING lead_id`,
    [tenant, a.leadId, a.ownerId, a.crmOwnerId, a.rule, a.outcome, a.reason, a.settingsVersion, a.assignedAt, JSON.stringify(a.ownerChange), a.task ? JSON.stringify(a.task) : null],
  );
  return rows.length === 1;
}

/** Assignments not yet written to the CRM, oldest first: what the writeback worker sends. */
export async function unwrittenAssignments(db: Queryable, tenant: TenantId, limit = 1000): Promise<StoredAssignment[]> {
  const rows = await db.query<AssignmentRow>(
    `SELECT ${ASSIGNMENT_COLUMNS} FROM routing_assignments WHERE tenant_id = $1 AND written_at IS NULL ORDER BY assigned_at, lead_id LIMIT $2`,
    [tenant, limit],
  );
  return rows.map(toAssignment);
}

export async function markAssignmentsWritten(db: Queryable, tenant: TenantId, leadIds: readonly string[]): Promise<void> {
  await db.query(`UPDATE routing_assignments SET written_at = now() WHERE tenant_id = $1 AND lead_id = ANY($2::text[]) AND written_at IS NULL`, [tenant, leadIds]);
}

/** Scored open leads with no owner assignment yet, oldest first: what a routing run takes. */
export async function leadsAwaitingRoute(db: Queryable, tenant: TenantId, limit = 500): Promise<string[]> {
  const rows = await db.query<{ lead_id: string }>(
    `SELECT s.lead_id FROM scores s JOIN leads l ON l.tenant_id = s.tenant_id AND l.lead_id = s.lead_id
     WHERE s.tenant_id = $1 AND s.status = 'scored'
       AND NOT EXISTS (SELECT 1 FROM routing_assignments a WHERE a.tenant_id = s.tenant_id AND a.lead_id = s.lead_id)
       AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.tenant_id = s.tenant_id AND o.lead_id = s.lead_id)
     ORDER BY l.created_at, s.lead_id LIMIT $2`,
    [tenant, limit],
  );
  return rows.map((r) => r.lead_id);
}

/** A follow-up task whose owner change is written and which the CRM does not have yet. */
export interface PendingTask {
  leadId: string;
  task: FollowUpTask;
  /** Stable for the assignment (the lead and when it was assigned). */
  key: string;
  assignedAt: Date;
  triedBefore: boolean;
}

/** Tasks to create, oldest assignment first: the owner is written, the task is not. */
export async function pendingTasks(db: Queryable, tenant: TenantId, limit = 1000): Promise<PendingTask[]> {
  const rows = await db.query<{ lead_id: string; assigned_at: Date; task: AssignmentRow['task']; task_attempted_at: Date | null }>(
    `SELECT lead_id, assigned_at, task, task_attempted_at FROM routing_assignments
      WHERE tenant_id = $1 AND task IS NOT NULL AND task_written_at IS NULL AND written_at IS NOT NULL
      ORDER BY assigned_at, lead_id LIMIT $2`,
    [tenant, limit],
  );
  return rows.map((r) => ({
    leadId: r.lead_id,
    task: { ...r.task!, dueAt: r.task!.dueAt === null ? null : new Date(r.task!.dueAt) },
    key: `${r.lead_id}@${r.assigned_at.getTime()}`,
    assignedAt: r.assigned_at,
    triedBefore: r.task_attempted_at !== null,
  }));
}

/** Note that these tasks are about to be sent: from now on a repeat looks for them first. */
export async function markTasksAttempted(db: Queryable, tenant: TenantId, leadIds: readonly string[]): Promise<void> {
  await db.query(`UPDATE routing_assignments SET task_attempted_at = now() WHERE tenant_id = $1 AND lead_id = ANY($2::text[]) AND task_written_at IS NULL`, [tenant, leadIds]);
}

/** Settle sent tasks: created ones with the CRM's id, refused ones with the reason (tried again at a later run). */
export async function settleTasks(db: Queryable, tenant: TenantId, results: ReadonlyArray<{ leadId: string; ok: boolean; taskId?: string; error?: string }>): Promise<void> {
  if (results.length === 0) return;
  await db.query(
    `UPDATE routing_assignments a SET
        task_written_at = CASE WHEN r.ok THEN now() ELSE a.task_written_at END,
        task_crm_id = CASE WHEN r.ok THEN r.task_id ELSE a.task_crm_id END,
        task_error = CASE WHEN r.ok THEN NULL ELSE r.error END
       FROM jsonb_to_recordset($2::jsonb) AS r(lead_id text, ok boolean, task_id text, error text)
      WHERE a.tenant_id = $1 AND a.lead_id = r.lead_id AND a.task_written_at IS NULL`,
    [tenant, JSON.stringify(results.map((r) => ({ lead_id: r.leadId, ok: r.ok, task_id: r.taskId ?? null, error: r.error ?? null })))],
  );
}
