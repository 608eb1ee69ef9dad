-- Model monitoring: one report per tenant and day (accuracy on arrived outcomes, drift, Hot share),
-- and the alerts raised when a figure crossed its threshold.

CREATE TABLE monitoring_reports (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  day date NOT NULL,
  model_version text,
  computed_at timestamptz NOT NULL DEFAULT now(),
  -- The whole report (see src/monitoring/monitor.ts): small, read whole by the API and dashboard.
  report jsonb NOT NULL,
  PRIMARY KEY (tenant_id, day)
);

-- An alert is raised once per tenant, day, figure and subject (a feature or segment), however
-- often that day's monitoring runs. The in-app alert is the record; Slack delivery is noted beside it.
CREATE TABLE monitoring_alerts (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  alert_id bigint GENERATED ALWAYS AS IDENTITY,
  day date NOT NULL,
  metric text NOT NULL,
  subject text NOT NULL DEFAULT '',
  figure double precision NOT NULL,
  threshold double precision NOT NULL,
  message text NOT NULL,
  action text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  acknowledged_at timestamptz,
  acknowledged_by text,
  slack_status text NOT NULL DEFAULT 'not_configured' CHECK (slack_status IN ('not_configured', 'pending', 'sent', 'failed')),
  slack_attempts integer NOT NULL DEFAULT 0,
  slack_error text,
  PRIMARY KEY (tenant_id, alert_id),
  UNIQUE (tenant_id, day, metric, subject)
);

CREATE INDEX monitoring_alerts_open_idx ON monitoring_alerts (tenant_id, created_at DESC) WHERE acknowledged_at IS NULL;
