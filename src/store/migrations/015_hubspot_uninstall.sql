-- A HubSpot portal that uninstalled the app (or revoked its grant) is 'uninstalled': no sync,
-- writeback or webhook work for it; its data is deleted once the tenant's retention period has
-- passed (settings.hubspot.retentionDays), unless the app is installed again before then.
ALTER TABLE connections DROP CONSTRAINT IF EXISTS connections_status_check;
ALTER TABLE connections ADD CONSTRAINT connections_status_check CHECK (status IN ('active', 'needs_reconnect', 'disconnected', 'uninstalled'));
