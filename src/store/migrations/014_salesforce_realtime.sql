-- Salesforce real time (Change Data Capture) and several orgs per tenant.

-- Where each change event channel of a connection resumes: the replay id of the last event
-- handled. A restart subscribes from it, so nothing between stop and start is missed.
CREATE TABLE cdc_replay (
  tenant_id text NOT NULL,
  connection_id text NOT NULL,
  channel text NOT NULL,
  replay_id bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, connection_id, channel),
  FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, connection_id) ON DELETE CASCADE
);

-- One subscription per connection however many workers run: the worker holding an unexpired
-- lease subscribes; it renews the lease while it runs, and another takes over when it lapses.
CREATE TABLE realtime_leases (
  tenant_id text NOT NULL,
  connection_id text NOT NULL,
  holder text NOT NULL,
  lease_until timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, connection_id),
  FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, connection_id) ON DELETE CASCADE
);

-- Leads of a Salesforce org are now sourced 'salesforce:<org id>', so a tenant's orgs stay apart
-- and each lead's writes go back to its own org. A tenant with one org gets its leads relabelled.
UPDATE leads l SET source = 'salesforce:' || c.external_account_id
  FROM connections c
 WHERE l.source = 'salesforce' AND c.tenant_id = l.tenant_id AND c.kind = 'salesforce' AND c.external_account_id IS NOT NULL
   AND (SELECT count(*) FROM connections o WHERE o.tenant_id = l.tenant_id AND o.kind = 'salesforce') = 1;
