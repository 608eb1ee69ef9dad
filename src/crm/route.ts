import { isLeadscoreError, type LeadSink, type TenantId } from '../domain/index.js';
import { assignLead } from '../routing/index.js';
import { currentSettings, routingOf } from '../settings/index.js';
import { getLeadsByIds, getScores, leadsAwaitingRoute, markAssignmentsWritten, markTasksAttempted, pendingTasks, recordAudit, settleTasks, unwrittenAssignments, type Database } from '../store/index.js';

export interface RouteReport {
  considered: number;
  assigned: number;
  fallback: number;
  unassigned: number;
  noRule: number;
}

/**
 * Assign owners to the tenant's scored open leads that have none, through the rules in force
 * (atomic per lead, so two workers never assign one lead twice). Nothing happens without rules.
 */
export async function routeTenant(db: Database, tenant: TenantId, options: { limit?: number } = {}): Promise<RouteReport> {
  const report: RouteReport = { considered: 0, assigned: 0, fallback: 0, unassigned: 0, noRule: 0 };
  const settings = await currentSettings(db, tenant);
  if (routingOf(settings.settings.routing).rules.length === 0) return report;
  const ids = await leadsAwaitingRoute(db, tenant, options.limit ?? 2000);
  const leads = await getLeadsByIds(db, tenant, ids);
  const scores = await getScores(db, tenant, ids);
  for (const lead of leads) {
    report.considered++;
    const result = await assignLead(db, tenant, lead, scores.get(lead.id)?.score ?? null, settings);
    if (result.status === 'assigned') report.assigned++;
    else if (result.status === 'fallback') report.fallback++;
    else if (result.status === 'unassigned') report.unassigned++;
    else if (result.status === 'no_rule') report.noRule++;
  }
  return report;
}

/**
 * Write the owners routing chose to the CRM (its leads only), and audit each write. A write the
 * CRM refuses (an inactive owner) stays unwritten with its reason in the audit; it is tried again
 * at the next run.
 */
export async function writeOwners(db: Database, tenant: TenantId, sink: LeadSink, leadIdsOfThisCrm: (ids: string[]) => Promise<Set<string>>, connectionId: string): Promise<{ written: number; refused: number; tasks: { created: number; refused: number } }> {
  const pending = await unwrittenAssignments(db, tenant, 1000);
  const mine = await leadIdsOfThisCrm(pending.map((a) => a.leadId));
  const changes = pending.filter((a) => mine.has(a.leadId));
  let written = 0;
  let refused = 0;
  for (let i = 0; i < changes.length; i += sink.maxBatchSize) {
    const batch = changes.slice(i, i + sink.maxBatchSize);
    let results;
    try {
      results = await sink.changeOwners(batch.map((a) => a.ownerChange));
    } catch (err) {
      if (isLeadscoreError(err)) break; // the CRM is unreachable or over its limit: the next run tries again
      throw err;
    }
    const ok = results.filter((r) => r.ok).map((r) => r.leadId);
    await markAssignmentsWritten(db, tenant, ok);
    await recordAudit(
      db,
      tenant,
      results.map((r, k) => ({
        action: 'assignment' as const,
        recordId: r.leadId,
        connectionId,
        before: null,
        after: { ownerId: batch[k]!.ownerChange.ownerId },
        cause: `rule ${batch[k]!.ownerChange.rule}`,
        outcome: r.ok ? 'written' : 'failed',
        note: r.ok ? null : `${r.error!.code}: ${r.error!.message}`,
      })),
    );
    written += ok.length;
    refused += results.length - ok.length;
  }
  const tasks = await writeTasks(db, tenant, sink, leadIdsOfThisCrm, connectionId);
  return { written, refused, tasks };
}

/**
 * Create the follow-up tasks of leads whose new owner is written. Each is marked tried before it
 * is sent, so after a crash or a failed call the sink looks for the task before making it again.
 */
async function writeTasks(db: Database, tenant: TenantId, sink: LeadSink, leadIdsOfThisCrm: (ids: string[]) => Promise<Set<string>>, connectionId: string): Promise<{ created: number; refused: number }> {
  const counts = { created: 0, refused: 0 };
  if (!sink.createTasks) return counts;
  const pending = await pendingTasks(db, tenant, 1000);
  const mine = await leadIdsOfThisCrm(pending.map((t) => t.leadId));
  const tasks = pending.filter((t) => mine.has(t.leadId));
  for (let i = 0; i < tasks.length; i += sink.maxBatchSize) {
    const batch = tasks.slice(i, i + sink.maxBatchSize);
    await markTasksAttempted(db, tenant, batch.map((t) => t.leadId));
    let results;
    try {
      results = await sink.createTasks(batch.map((t) => ({ ...t.task, key: t.key, assignedAt: t.assignedAt, triedBefore: t.triedBefore })));
    } catch (err) {
      if (isLeadscoreError(err)) break; // unreachable or over its limit: the next run looks for them, then tries again
      throw err;
    }
    await db.transaction(async (tx) => {
      await settleTasks(tx, tenant, results.map((r) => ({ leadId: r.leadId, ok: r.ok, ...(r.taskId ? { taskId: r.taskId } : {}), ...(r.error ? { error: `${r.error.code}: ${r.error.message}` } : {}) })));
      await recordAudit(
        tx,
        tenant,
        results.map((r, k) => ({
          action: 'follow_up_task' as const,
          recordId: r.leadId,
          connectionId,
          before: null,
          after: { ownerId: batch[k]!.task.ownerId, subject: batch[k]!.task.subject, dueAt: batch[k]!.task.dueAt?.toISOString() ?? null, taskId: r.taskId ?? null },
          cause: `rule ${batch[k]!.task.rule}`,
          outcome: r.ok ? 'written' : 'failed',
          note: r.ok ? null : `${r.error!.code}: ${r.error!.message}`,
        })),
      );
    });
    for (const r of results) counts[r.ok ? 'created' : 'refused']++;
  }
  return counts;
}
