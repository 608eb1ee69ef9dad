import type { FollowUpTask, Lead, OwnerChange, Score, TenantId } from '../domain/index.js';
import { routingOf, type SettingsVersion } from '../settings/index.js';
import {
  claimDailySlot,
  dailyCounts,
  getAssignment,
  inactiveCrmUsers,
  insertAssignment,
  insertRoutingAudit,
  lockLeadForRouting,
  lockRotation,
  saveRotation,
  type Database,
  type Queryable,
  type StoredAssignment,
} from '../store/index.js';
import { decide, type RoutingBackend } from './engine.js';
import { leadFacts } from './facts.js';
import { rotationState } from './rotation.js';
import { followUpTask } from './task.js';
import { dayIn } from './time.js';

export interface AssignOptions {
  /** The time of the assignment (its day counts against capacity); now if left out. */
  now?: Date;
  /** The lead's owner in the CRM before routing (a lead queue, an integration user), for the audit. */
  ownerBefore?: string | null;
}

export type AssignmentResult =
  /** Placed now (by its rule, or with the fallback owner): write `ownerChange` and create `task`. */
  | { status: 'assigned' | 'fallback'; assignment: StoredAssignment; ownerChange: OwnerChange; task: FollowUpTask | null; reason: string | null }
  /** Placed before: nothing changed; the first assignment is returned as it was. */
  | { status: 'existing'; assignment: StoredAssignment; ownerChange: OwnerChange; task: FollowUpTask | null; reason: null }
  /** No rule matched, or not even the fallback owner could take it (the audit says why). */
  | { status: 'no_rule' | 'unassigned'; assignment: null; ownerChange: null; task: null; reason: string };

/** Rotation states and counts in Postgres, under the transaction's locks. */
function databaseBackend(tx: Queryable, tenant: TenantId, day: string): RoutingBackend {
  return {
    rotation: async (key) => rotationState(await lockRotation(tx, tenant, key)),
    saveRotation: (key, state) => saveRotation(tx, tenant, key, state),
    countsToday: (ownerIds) => dailyCounts(tx, tenant, day, ownerIds),
    claim: (ownerId, capacity) => claimDailySlot(tx, tenant, ownerId, day, capacity),
    inactive: (crmUserIds) => inactiveCrmUsers(tx, tenant, crmUserIds),
  };
}

/** Thrown inside the transaction to undo it when the lead turns out to be assigned already. */
class AlreadyAssigned extends Error {}

const existing = (assignment: StoredAssignment): AssignmentResult => ({ status: 'existing', assignment, ownerChange: assignment.ownerChange, task: assignment.task, reason: null });

/**
 * Route one lead through the tenant's rules and store the result, atomically: the lead is
 * locked for the transaction, so a second worker routing it waits and then gets the first one's
 * assignment back unchanged; a rotation's row is locked while its next turn is taken, so two
 * leads never get the same turn and no turn is skipped. Every decision is audited with the
 * settings version that made it.
 */
export async function assignLead(
  db: Database,
  tenant: TenantId,
  lead: Lead,
  score: Score | null,
  settings: Pick<SettingsVersion, 'version' | 'settings'>,
  options: AssignOptions = {},
): Promise<AssignmentResult> {
  const input: AssignInput = { tenant, lead, score, settings, now: options.now ?? new Date(), ownerBefore: options.ownerBefore ?? null };
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction((tx) => assignInTransaction(tx, input));
    } catch (err) {
      if (err instanceof AlreadyAssigned) return existing((await getAssignment(db, tenant, lead.id))!);
      // Two workers filling the same reps from different rules can, rarely, deadlock; Postgres
      // undoes one of them, which is then simply run again.
      if ((err as { code?: string }).code === '40P01' && attempt < 3) continue;
      throw err;
    }
  }
}

interface AssignInput {
  tenant: TenantId;
  lead: Lead;
  score: Score | null;
  settings: Pick<SettingsVersion, 'version' | 'settings'>;
  now: Date;
  ownerBefore: string | null;
}

async function assignInTransaction(tx: Queryable, { tenant, lead, score, settings, now, ownerBefore }: AssignInput): Promise<AssignmentResult> {
  await lockLeadForRouting(tx, tenant, lead.id);
  const before = await getAssignment(tx, tenant, lead.id);
  if (before) return existing(before);

  const backend = databaseBackend(tx, tenant, dayIn(now, settings.settings.schedules.timezone));
  const decision = await decide(routingOf(settings.settings.routing), leadFacts(lead, score), backend);
  if (decision.outcome === 'no_rule') return { status: 'no_rule', assignment: null, ownerChange: null, task: null, reason: 'no rule matches the lead' };
  const audit = { leadId: lead.id, rule: decision.rule.name, settingsVersion: settings.version, ownerBefore, at: now, reason: decision.reason };
  if (decision.outcome === 'unassigned') {
    await insertRoutingAudit(tx, tenant, { ...audit, ownerAfter: null, outcome: 'unassigned' });
    return { status: 'unassigned', assignment: null, ownerChange: null, task: null, reason: decision.reason };
  }
  const ownerChange: OwnerChange = { leadId: lead.id, ownerId: decision.owner.crmUserId, rule: decision.rule.name };
  const task = followUpTask(lead, score, decision.owner, decision.rule, settings.settings, now);
  const assignment: StoredAssignment = {
    leadId: lead.id,
    ownerId: decision.owner.id,
    crmOwnerId: decision.owner.crmUserId,
    rule: decision.rule.name,
    outcome: decision.outcome,
    reason: decision.reason,
    settingsVersion: settings.version,
    assignedAt: now,
    ownerChange,
    task,
    writtenAt: null,
  };
  // The lead lock makes this conflict all but impossible; the key is the guarantee.
  if (!(await insertAssignment(tx, tenant, assignment))) throw new AlreadyAssigned();
  await insertRoutingAudit(tx, tenant, { ...audit, ownerAfter: decision.owner.crmUserId, outcome: decision.outcome });
  return { status: decision.outcome, assignment, ownerChange, task, reason: decision.reason };
}
