-- Bulk API 2.0 ingest jobs a Salesforce writeback started, keyed by the writes they carry (a hash of
-- the records and score versions). A retry or a worker taking over after a crash finds the job
-- already made and reads its results instead of uploading the same records again. Salesforce keeps
-- a job's results for 7 days; rows older than that are removed when new jobs are recorded.
CREATE TABLE salesforce_bulk_jobs (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  connection_id text NOT NULL,
  batch_key text NOT NULL,
  job_id text NOT NULL,
  sobject text NOT NULL,
  records integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, connection_id, batch_key)
);
