-- Scheduled runs (a tenant's sync, rescoring, retraining on its cron schedule), one row per fire.
-- Every worker process keeps the schedules; the one that inserts a fire's row sends its job, so
-- a fire is acted on once however many processes, on however many machines, see it.
CREATE TABLE schedule_runs (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  schedule text NOT NULL,
  -- The time the cron pattern names (the same in every process, whatever its clock skew).
  slot timestamptz NOT NULL,
  claimed_by text NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  job_id text,
  PRIMARY KEY (tenant_id, schedule, slot)
);

-- Follow-up tasks of routed leads: created in the CRM after the owner is written. A task is keyed
-- by its assignment, and a task tried before (a crash, a failed call) is looked up in the CRM
-- before it is created again, so a repeat never makes a second task.
ALTER TABLE routing_assignments
  ADD COLUMN task_attempted_at timestamptz,
  ADD COLUMN task_written_at timestamptz,
  ADD COLUMN task_crm_id text,
  ADD COLUMN task_error text;

CREATE INDEX routing_assignments_task_pending_idx ON routing_assignments (tenant_id, assigned_at)
  WHERE task IS NOT NULL AND task_written_at IS NULL AND written_at IS NOT NULL;
