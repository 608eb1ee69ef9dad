-- Leadscore's first schema. Every table carries tenant_id and every key starts with it, so
-- rows of one tenant can neither be reached nor referenced from another.

CREATE TABLE tenants (
  tenant_id text PRIMARY KEY CHECK (tenant_id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE connections (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  connection_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('file', 'salesforce', 'hubspot')),
  external_account_id text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_reconnect', 'disconnected')),
  settings jsonb NOT NULL DEFAULT '{}',
  -- AES-GCM ciphertext of the OAuth tokens; the key never reaches the database.
  credentials_encrypted bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, connection_id)
);

CREATE TABLE sync_cursors (
  tenant_id text NOT NULL,
  connection_id text NOT NULL,
  stream text NOT NULL,
  cursor text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, connection_id, stream),
  FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, connection_id) ON DELETE CASCADE
);

CREATE TABLE leads (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  lead_id text NOT NULL,
  created_at timestamptz NOT NULL,
  email text,
  first_name text,
  last_name text,
  title text,
  company text,
  industry text,
  employees integer,
  annual_revenue double precision,
  country text,
  lead_source text,
  attributes jsonb NOT NULL DEFAULT '{}',
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, lead_id)
);

CREATE INDEX leads_created_idx ON leads (tenant_id, created_at);

CREATE TABLE activities (
  tenant_id text NOT NULL,
  lead_id text NOT NULL,
  type text NOT NULL,
  occurred_at timestamptz NOT NULL,
  channel text,
  detail text,
  detail_key text GENERATED ALWAYS AS (md5(coalesce(detail, ''))) STORED,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  -- Same lead, time, type and detail is the same activity, however often it is delivered. The
  -- key also serves reading a lead's history in time order; one index keeps imports fast.
  PRIMARY KEY (tenant_id, lead_id, occurred_at, type, detail_key),
  FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, lead_id) ON DELETE CASCADE
);

CREATE TABLE outcomes (
  tenant_id text NOT NULL,
  lead_id text NOT NULL,
  converted boolean NOT NULL,
  outcome_at timestamptz NOT NULL,
  amount double precision,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, lead_id),
  FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, lead_id) ON DELETE CASCADE
);

CREATE INDEX outcomes_time_idx ON outcomes (tenant_id, outcome_at);

CREATE TABLE import_runs (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  import_id bigint GENERATED ALWAYS AS IDENTITY,
  source text NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'rejected_rows', 'failed')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  report jsonb,
  PRIMARY KEY (tenant_id, import_id)
);
