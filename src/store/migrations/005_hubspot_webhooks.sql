-- CRM webhook events (HubSpot).

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

-- Privacy deletions are recorded in audit_log (004) under a keyed hash of the contact id.
