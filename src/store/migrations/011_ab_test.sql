-- The live A/B split (issue 9): while settings learning.abTest is enabled, every open lead that is
-- rescored gets an arm for the newest challenger, once (it stays in it), and the leads in the
-- challenger's arm get the challenger's score kept here, each change a row, so the arms can be
-- compared on the outcomes that arrive later. The champion arm's scores are the score history.

CREATE TABLE ab_test_leads (
  tenant_id text NOT NULL,
  challenger_version text NOT NULL,
  lead_id text NOT NULL,
  arm text NOT NULL CHECK (arm IN ('champion', 'challenger')),
  assigned_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, challenger_version, lead_id),
  FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, lead_id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, challenger_version) REFERENCES model_versions (tenant_id, version) ON DELETE CASCADE
);

CREATE TABLE ab_test_scores (
  tenant_id text NOT NULL,
  challenger_version text NOT NULL,
  lead_id text NOT NULL,
  scored_at timestamptz NOT NULL,
  composite double precision NOT NULL,
  tier text,
  -- Whether this score was the one stored as the lead's score and written to the CRM (settings abTest.writes).
  written boolean NOT NULL,
  PRIMARY KEY (tenant_id, challenger_version, lead_id, scored_at),
  FOREIGN KEY (tenant_id, challenger_version, lead_id) REFERENCES ab_test_leads (tenant_id, challenger_version, lead_id) ON DELETE CASCADE
);
