-- The learning loop (issue 9): reps' feedback on scores, and each tenant's trained model versions.

-- "This score looks wrong" from a record card, with the score and reasons the rep saw at that
-- moment (the stored score changes later; the feedback must not). Leaves with its lead.
CREATE TABLE feedback (
  tenant_id text NOT NULL,
  feedback_id bigint GENERATED ALWAYS AS IDENTITY,
  lead_id text NOT NULL,
  source text NOT NULL,
  reason text NOT NULL CHECK (reason IN ('too_high', 'too_low', 'wrong_reasons', 'other')),
  comment text CHECK (length(comment) <= 1000),
  submitted_by text CHECK (length(submitted_by) <= 200),
  -- The lead's score when the feedback was given (null: it had none), and its segment then.
  score jsonb,
  reasons jsonb NOT NULL DEFAULT '[]',
  model_version text,
  tier text,
  segment jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, feedback_id),
  FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, lead_id) ON DELETE CASCADE
);

CREATE INDEX feedback_lead_idx ON feedback (tenant_id, lead_id, feedback_id);
CREATE INDEX feedback_time_idx ON feedback (tenant_id, created_at);

-- Every model set trained for a tenant. One champion at most (it scores); challengers lost or
-- wait; retired ones were champions once (rollback brings them back); failed ones are retrains
-- or promotions that did not happen, kept with the reason.
CREATE TABLE model_versions (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  version text NOT NULL,
  status text NOT NULL CHECK (status IN ('champion', 'challenger', 'retired', 'failed')),
  training_from timestamptz,
  training_to timestamptz,
  outcomes integer,
  data_hash text,
  -- The model set's own holdout figures, and the champion/challenger comparison on new outcomes.
  metrics jsonb NOT NULL DEFAULT '{}',
  evaluation jsonb NOT NULL DEFAULT '{}',
  reason text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  promoted_at timestamptz,
  retired_at timestamptz,
  PRIMARY KEY (tenant_id, version)
);

CREATE UNIQUE INDEX model_versions_one_champion_idx ON model_versions (tenant_id) WHERE status = 'champion';
CREATE INDEX model_versions_created_idx ON model_versions (tenant_id, created_at);

-- The model files (ONNX, trees, manifest, card) as bytes: every web and worker process on any
-- machine reads the same champion, and a promotion is one transaction, never a half-copied folder.
CREATE TABLE model_files (
  tenant_id text NOT NULL,
  version text NOT NULL,
  file_name text NOT NULL CHECK (file_name ~ '^[A-Za-z0-9_.+-]+$'),
  bytes bytea NOT NULL,
  sha256 text NOT NULL,
  PRIMARY KEY (tenant_id, version, file_name),
  FOREIGN KEY (tenant_id, version) REFERENCES model_versions (tenant_id, version) ON DELETE CASCADE
);
