-- Lead routing: who each lead was assigned to, the state of each rotation, leads per rep per day
-- and CRM users found deactivated. Every routing decision is also kept in audit_log (004).

-- One row per routed lead: a second assignment of the same lead is refused by the key. It also
-- carries what to write to the CRM, so a crash before the write loses nothing.
CREATE TABLE routing_assignments (
  tenant_id text NOT NULL,
  lead_id text NOT NULL,
  -- The owner's id in the routing roster, and the CRM user or queue written as the record's owner.
  owner_id text NOT NULL,
  crm_owner_id text NOT NULL,
  rule_name text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('assigned', 'fallback')),
  reason text,
  settings_version integer NOT NULL,
  assigned_at timestamptz NOT NULL,
  owner_change jsonb NOT NULL,
  task jsonb,
  written_at timestamptz,
  PRIMARY KEY (tenant_id, lead_id),
  FOREIGN KEY (tenant_id, lead_id) REFERENCES leads (tenant_id, lead_id) ON DELETE CASCADE
);

CREATE INDEX routing_assignments_unwritten_idx ON routing_assignments (tenant_id, assigned_at) WHERE written_at IS NULL;

-- Where each rotation (a round robin or weighted rule, per team for territories) stands: the
-- next place in the order, turns owed to reps who were away, weighted counters. Locked FOR
-- UPDATE while a lead is placed, so two workers take turns one after the other.
CREATE TABLE routing_rotations (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  rotation_key text NOT NULL,
  state jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, rotation_key)
);

-- New leads per rep per day (the tenant's time zone), raised only below the rep's capacity.
CREATE TABLE routing_daily_counts (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  owner_id text NOT NULL,
  day date NOT NULL,
  assigned integer NOT NULL,
  PRIMARY KEY (tenant_id, owner_id, day)
);

-- CRM users as last seen by a sync or a refused write: an inactive one gets no leads.
CREATE TABLE routing_crm_users (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  crm_user_id text NOT NULL,
  active boolean NOT NULL,
  checked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, crm_user_id)
);
