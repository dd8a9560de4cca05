-- A deleted stream's name is free at once, as in Kinesis clients' eyes: the row stays (status DELETING)
-- until its data is purged in the background, but only one live stream per tenant may hold a name.
ALTER TABLE streams DROP CONSTRAINT streams_tenant_name;
CREATE UNIQUE INDEX streams_tenant_live_name ON streams (tenant_id, name) WHERE status <> 'DELETING';
