import type { TaskResult, TaskToCreate } from '../../src/domain/index.js';
import type { HubSpotApi } from './api.js';
import { HubSpotRequestError } from './errors.js';

/** HubSpot's association type for a task to a contact (HUBSPOT_DEFINED). */
export const TASK_TO_CONTACT = 204;

interface CreatedTask {
  id: string;
  properties: Record<string, string | null>;
}

/** The time a task is due: its service level, or when the lead was assigned. Stable across tries. */
const taskTime = (t: TaskToCreate) => (t.dueAt ?? t.assignedAt).getTime();

/** What identifies a task among those HubSpot answers or holds: subject, owner and time. */
const identity = (subject: string, owner: string, ms: number) => `${subject}\u0000${owner}\u0000${ms}`;

const properties = (t: TaskToCreate) => ({
  hs_timestamp: new Date(taskTime(t)).toISOString(),
  hs_task_subject: t.subject,
  hs_task_body: t.description,
  hubspot_owner_id: t.ownerId,
  hs_task_status: 'NOT_STARTED',
  hs_task_priority: t.priority === 'high' ? 'HIGH' : 'MEDIUM',
  hs_task_type: 'CALL',
});

/**
 * Follow-up tasks on contacts, 100 a call (`/crm/v3/objects/tasks/batch/create`, associated to
 * the contact). HubSpot has no idempotency key for tasks, so a task tried before is first looked
 * up by subject, owner and time (the search API) and only created when it is not there.
 */
export async function createHubSpotTasks(api: HubSpotApi, tasks: TaskToCreate[], batchLimit: number, onCall: () => void): Promise<TaskResult[]> {
  const results = new Map<string, TaskResult>();
  const toCreate: TaskToCreate[] = [];
  for (const t of tasks) {
    const found = t.triedBefore ? await findTask(api, t, onCall) : null;
    if (found) results.set(t.leadId, { leadId: t.leadId, ok: true, taskId: found });
    else toCreate.push(t);
  }
  for (let i = 0; i < toCreate.length; i += batchLimit) await createBatch(api, toCreate.slice(i, i + batchLimit), results, onCall);
  return tasks.map((t) => results.get(t.leadId)!);
}

async function findTask(api: HubSpotApi, t: TaskToCreate, onCall: () => void): Promise<string | null> {
  onCall();
  const answer = (await api.send('the task search', {
    method: 'POST',
    path: '/crm/v3/objects/tasks/search',
    body: {
      filterGroups: [
        {
          filters: [
            { propertyName: 'hs_task_subject', operator: 'EQ', value: t.subject },
            { propertyName: 'hubspot_owner_id', operator: 'EQ', value: t.ownerId },
            { propertyName: 'hs_timestamp', operator: 'EQ', value: String(taskTime(t)) },
          ],
        },
      ],
      properties: ['hs_task_subject'],
      limit: 1,
    },
  })) as { total: number; results: Array<{ id: string }> };
  return answer.results[0]?.id ?? null;
}

/** One batch create; a batch HubSpot refuses as a whole (an unknown owner) is split to find the task at fault. */
async function createBatch(api: HubSpotApi, batch: TaskToCreate[], results: Map<string, TaskResult>, onCall: () => void): Promise<void> {
  let answer: { results: CreatedTask[] };
  try {
    onCall();
    answer = (await api.send('the task batch creation', {
      method: 'POST',
      path: '/crm/v3/objects/tasks/batch/create',
      body: {
        inputs: batch.map((t) => ({
          properties: properties(t),
          associations: [{ to: { id: t.leadId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: TASK_TO_CONTACT }] }],
        })),
      },
    })) as { results: CreatedTask[] };
  } catch (err) {
    if (!(err instanceof HubSpotRequestError) || err.status !== 400) throw err;
    if (batch.length === 1) {
      const t = batch[0]!;
      results.set(t.leadId, { leadId: t.leadId, ok: false, error: { code: err.category ?? 'VALIDATION_ERROR', message: `task for contact ${t.leadId}: ${err.body?.message ?? err.message}`, retryable: false } });
      return;
    }
    const half = Math.ceil(batch.length / 2);
    await createBatch(api, batch.slice(0, half), results, onCall);
    await createBatch(api, batch.slice(half), results, onCall);
    return;
  }
  // HubSpot does not promise the answer's order: match each created task by what identifies it.
  const created = new Map<string, string[]>();
  for (const r of answer.results) {
    const key = identity(r.properties.hs_task_subject ?? '', r.properties.hubspot_owner_id ?? '', Date.parse(r.properties.hs_timestamp ?? ''));
    created.set(key, [...(created.get(key) ?? []), r.id]);
  }
  for (const t of batch) {
    const id = created.get(identity(t.subject, t.ownerId, taskTime(t)))?.shift();
    results.set(t.leadId, id ? { leadId: t.leadId, ok: true, taskId: id } : { leadId: t.leadId, ok: false, error: { code: 'NOT_CONFIRMED', message: `task for contact ${t.leadId}: HubSpot's answer did not list it; looked up before a new try`, retryable: true } });
  }
}
