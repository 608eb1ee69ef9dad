-- Writeback workers (issue 7): a write that failed for a while waits until next_attempt_at; a
-- worker leases the rows it is sending so a second worker leaves them alone, and a lease that runs
-- out (a killed worker) hands them back. The audit log keeps every field write and assignment.

ALTER TABLE outbox ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE outbox ADD COLUMN lease_until timestamptz;
ALTER TABLE outbox ADD COLUMN lease_holder text;
-- Set when a newer score of the same lead was written instead: this one is never sent.
ALTER TABLE outbox ADD COLUMN superseded_by bigint;

DROP INDEX outbox_pending_idx;
CREATE INDEX outbox_pending_idx ON outbox (tenant_id, outbox_id) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_lead_idx ON outbox (tenant_id, lead_id, outbox_id);
CREATE INDEX outbox_dead_idx ON outbox (tenant_id, failed_at, outbox_id) WHERE failed_at IS NOT NULL;

CREATE TABLE audit_log (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  audit_id bigint GENERATED ALWAYS AS IDENTITY,
  at timestamptz NOT NULL DEFAULT now(),
  -- 'field_write', 'assignment', 'dead_letter_retry'
  action text NOT NULL,
  record_id text NOT NULL,
  connection_id text,
  before jsonb,
  after jsonb,
  -- What caused it: 'score 1234' (the outbox id is the score's version) or a rule and settings version.
  cause text NOT NULL,
  -- 'written', 'failed', 'retry', 'superseded', 'assigned', 'fallback', 'requeued'
  outcome text NOT NULL,
  note text,
  PRIMARY KEY (tenant_id, audit_id)
);

CREATE INDEX audit_log_record_idx ON audit_log (tenant_id, record_id, audit_id);
CREATE INDEX audit_log_action_idx ON audit_log (tenant_id, action, audit_id);
