-- The web settings app (issue 8): people who sign in, their role per tenant, and their sessions.
-- A session row keeps only the SHA-256 of its cookie token, so a copy of the table signs no one in.

CREATE TABLE web_users (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  -- 'salesforce:<org id>:<user id>', 'hubspot:<hub id>:<user id>' or 'api-key:<key id>'
  user_key text NOT NULL,
  display_name text NOT NULL,
  email text,
  role text NOT NULL CHECK (role IN ('admin', 'viewer')),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_sign_in_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_key)
);

CREATE TABLE web_sessions (
  tenant_id text NOT NULL,
  token_sha256 text NOT NULL,
  user_key text NOT NULL,
  -- Synchronizer token every form posts back.
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, token_sha256),
  FOREIGN KEY (tenant_id, user_key) REFERENCES web_users (tenant_id, user_key) ON DELETE CASCADE
);

-- A cookie arrives without its tenant: the token's hash alone finds the session.
CREATE UNIQUE INDEX web_sessions_token_idx ON web_sessions (token_sha256);
CREATE INDEX web_sessions_user_idx ON web_sessions (tenant_id, user_key);
CREATE INDEX web_sessions_expiry_idx ON web_sessions (expires_at);
