-- CRM API calls per connection and hour, for the connection's health ("calls in the last 24 h").
-- Each process adds the calls it made (calls = calls + n), so any number of workers count together.
CREATE TABLE connection_api_calls (
  tenant_id text NOT NULL,
  connection_id text NOT NULL,
  hour timestamptz NOT NULL,
  calls integer NOT NULL CHECK (calls >= 0),
  PRIMARY KEY (tenant_id, connection_id, hour),
  FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, connection_id) ON DELETE CASCADE
);
