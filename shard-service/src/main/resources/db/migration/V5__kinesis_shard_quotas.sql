-- Streams whose writes are held to Kinesis's per-shard limits (1 MiB/s and 1 000 records/s per shard),
-- switched on with the tag tributary:shard-quotas=kinesis.
ALTER TABLE streams ADD COLUMN kinesis_shard_quotas boolean NOT NULL DEFAULT false;
