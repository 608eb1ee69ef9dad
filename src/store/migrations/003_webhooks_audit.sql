-- CRM webhook events and the audit log.

-- Webhook events are stored when they arrive (the answer to the CRM waits for nothing else) and
-- processed in the background; the key keeps each event once however often it is delivered.
-- Only what processing needs is kept: never a changed property's value.
CREATE TABLE webhook_events (
  tenant_id text NOT NULL,
  connection_id text NOT NULL,
  account_id text NOT NULL,
  event_id text NOT NULL,
  subscription_type text NOT NULL,
  object_id text,
  occurred_at timestamptz NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}',
  received_at timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz,
  outcome text,
  PRIMARY KEY (tenant_id, account_id, event_id),
  FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, connection_id) ON DELETE CASCADE
);

CREATE INDEX webhook_events_pending_idx ON webhook_events (tenant_id, received_at) WHERE processed_at IS NULL;
CREATE INDEX webhook_events_object_idx ON webhook_events (tenant_id, object_id);

-- What was done to a tenant's data, by whom and when. Never personal data: a contact removed
-- for privacy is named by a keyed hash of its id, which proves a removal without keeping the id.
CREATE TABLE audit_log (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  audit_id bigint GENERATED ALWAYS AS IDENTITY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  action text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (tenant_id, audit_id)
);
