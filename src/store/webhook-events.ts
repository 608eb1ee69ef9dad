import type { ConnectorKind, TenantId } from '../domain/index.js';
import type { Queryable } from './db.js';

/**
 * The connections of every tenant for one CRM account (a HubSpot portal). The one lookup across
 * tenants: a webhook names the account, not the tenant.
 */
export async function connectionsForAccount(db: Queryable, kind: ConnectorKind, accountId: string): Promise<Array<{ tenantId: TenantId; connectionId: string; status: string }>> {
  const rows = await db.query<{ tenant_id: string; connection_id: string; status: string }>(
    `SELECT tenant_id, connection_id, status FROM connections WHERE kind = $1 AND external_account_id = $2 ORDER BY tenant_id, connection_id`,
    [kind, accountId],
  );
  return rows.map((r) => ({ tenantId: r.tenant_id as TenantId, connectionId: r.connection_id, status: r.status }));
}

export interface StoredWebhookEvent {
  connectionId: string;
  accountId: string;
  eventId: string;
  subscriptionType: string;
  objectId: string | null;
  occurredAt: Date;
  payload: Record<string, unknown>;
}

/** Store events for processing; an event already stored (a redelivery, a replay) is not stored again. */
export async function enqueueWebhookEvents(db: Queryable, tenant: TenantId, events: readonly StoredWebhookEvent[]): Promise<{ queued: number; duplicates: number }> {
  if (events.length === 0) return { queued: 0, duplicates: 0 };
  const rows = await db.query(
    `INSERT INTO webhook_events (tenant_id, connection_id, account_id, event_id, subscription_type, object_id, occurred_at, payload)
     SELECT $1, e.connection_id, e.account_id, e.event_id, e.subscription_type, e.object_id, e.occurred_at, e.payload
     FROM jsonb_to_recordset($2::jsonb) AS e(connection_id text, account_id text, event_id text, subscription_type text, object_id text, occurred_at timestamptz, payload jsonb)
     ON CONFLICT (tenant_id, account_id, event_id) DO NOTHING
     RETURNING event_id`,
    [
      tenant,
      JSON.stringify(
        events.map((e) => ({ connection_id: e.connectionId, account_id: e.accountId, event_id: e.eventId, subscription_type: e.subscriptionType, object_id: e.objectId, occurred_at: e.occurredAt.toISOString(), payload: e.payload })),
      ),
    ],
  );
  return { queued: rows.length, duplicates: events.length - rows.length };
}

interface EventRow {
  connection_id: string;
  account_id: string;
  event_id: string;
  subscription_type: string;
  object_id: string | null;
  occurred_at: Date;
  payload: Record<string, unknown>;
}

/** Events not processed yet, in the order they happened. */
export async function pendingWebhookEvents(db: Queryable, tenant: TenantId, limit = 500): Promise<StoredWebhookEvent[]> {
  const rows = await db.query<EventRow>(
    `SELECT connection_id, account_id, event_id, subscription_type, object_id, occurred_at, payload FROM webhook_events
     WHERE tenant_id = $1 AND processed_at IS NULL ORDER BY occurred_at, event_id LIMIT $2`,
    [tenant, limit],
  );
  return rows.map((r) => ({ connectionId: r.connection_id, accountId: r.account_id, eventId: r.event_id, subscriptionType: r.subscription_type, objectId: r.object_id, occurredAt: r.occurred_at, payload: r.payload }));
}

export async function settleWebhookEvents(db: Queryable, tenant: TenantId, outcomes: ReadonlyArray<{ accountId: string; eventId: string; outcome: string }>): Promise<void> {
  if (outcomes.length === 0) return;
  await db.query(
    `UPDATE webhook_events w SET processed_at = now(), outcome = o.outcome
     FROM jsonb_to_recordset($2::jsonb) AS o(account_id text, event_id text, outcome text)
     WHERE w.tenant_id = $1 AND w.account_id = o.account_id AND w.event_id = o.event_id`,
    [tenant, JSON.stringify(outcomes.map((o) => ({ account_id: o.accountId, event_id: o.eventId, outcome: o.outcome })))],
  );
}

/** Tenants with events left unprocessed (a stop in between): processed again at the next start. */
export async function tenantsWithPendingWebhookEvents(db: Queryable): Promise<TenantId[]> {
  const rows = await db.query<{ tenant_id: string }>(`SELECT DISTINCT tenant_id FROM webhook_events WHERE processed_at IS NULL ORDER BY tenant_id`);
  return rows.map((r) => r.tenant_id as TenantId);
}
