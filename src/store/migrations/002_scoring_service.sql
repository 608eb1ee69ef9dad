-- The scoring service: settings with their history, current scores, every change of a score,
-- the outbox of CRM writes, API keys and background jobs.

-- Where a lead came from ('file', 'salesforce', 'hubspot'): record cards ask by source and id.
ALTER TABLE leads ADD COLUMN source text NOT NULL DEFAULT 'file';

-- Every saved version of a tenant's settings; the newest is in force. Restoring an old version
-- saves it again as a new one, so the history only grows.
CREATE TABLE settings_versions (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  version integer NOT NULL CHECK (version > 0),
  settings jsonb NOT NULL,
  changed_by text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  -- What differs from the version before, as [{path, from, to}].
  changes jsonb NOT NULL DEFAULT '[]',
  restored_from integer,
  PRIMARY KEY (tenant_id, version)
);

-- The current score of each lead. last_written_* is what the last write job carried, so small
-- moves add up until they are worth a CRM write instead of each being dropped.
CREATE TABLE scores (
  tenant_id text NOT NULL,
  lead_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('scored', 'not_scored')),
  composite double precision,
  fit double precision,
  engagement double precision,
  probability double precision,
  grade text,
  tier text,
  reasons jsonb NOT NULL DEFAULT '[]',
  next_action text,
  not_scored_reason text,
  model_version text,
  feature_spec_version text,
  scored_at timestamptz NOT NULL,
  last_written_composite double precision,
  last_written_tier text,
  last_written_grade text,
  last_written_status text,
  PRIMARY KEY (tenant_id, lead_id),
  FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, lead_id) ON DELETE CASCADE
);

-- One row for every change of a lead's score: "why did this move?" and the trend.
CREATE TABLE score_history (
  tenant_id text NOT NULL,
  lead_id text NOT NULL,
  scored_at timestamptz NOT NULL,
  status text NOT NULL,
  composite double precision,
  fit double precision,
  engagement double precision,
  grade text,
  tier text,
  reasons jsonb NOT NULL DEFAULT '[]',
  model_version text,
  PRIMARY KEY (tenant_id, lead_id, scored_at),
  FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, lead_id) ON DELETE CASCADE
);

-- Write jobs for the CRM, committed with the score that caused them (the outbox pattern):
-- the writeback worker sends them and marks them sent.
CREATE TABLE outbox (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  outbox_id bigint GENERATED ALWAYS AS IDENTITY,
  lead_id text NOT NULL,
  kind text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  -- Set when the CRM refused the write for good (a validation rule, a deleted record).
  failed_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  PRIMARY KEY (tenant_id, outbox_id)
);

CREATE INDEX outbox_pending_idx ON outbox (tenant_id, outbox_id) WHERE sent_at IS NULL AND failed_at IS NULL;

-- API keys: only a SHA-256 of the secret is kept; the key id is the part before the secret.
CREATE TABLE api_keys (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  key_id text NOT NULL,
  secret_sha256 text NOT NULL,
  scopes text[] NOT NULL,
  label text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  PRIMARY KEY (tenant_id, key_id)
);

-- A key is presented without its tenant, so the id alone must find it.
CREATE UNIQUE INDEX api_keys_key_id_idx ON api_keys (key_id);

-- Background jobs a tenant asked for (rescoring), with progress and result.
CREATE TABLE jobs (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  job_id uuid NOT NULL,
  kind text NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  request jsonb NOT NULL DEFAULT '{}',
  progress jsonb NOT NULL DEFAULT '{}',
  result jsonb,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  PRIMARY KEY (tenant_id, job_id)
);
