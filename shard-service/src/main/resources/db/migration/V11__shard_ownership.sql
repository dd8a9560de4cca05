-- Shard ownership between shard-service instances (ShardOwnership).
--
-- Every running instance keeps a row here alive; it is live while expires_at is in the future (database
-- time, so the instances' clocks never matter).
CREATE TABLE shard_service_instances (
    instance_id     varchar(64)  PRIMARY KEY,
    grpc_endpoint   varchar(256) NOT NULL,
    started_at      timestamptz  NOT NULL,
    expires_at      timestamptz  NOT NULL
);

-- The write lease of a shard: the instance allowed to append to it, and the fencing epoch it appends
-- with. The epoch grows by one whenever the lease changes hands or the shard is fenced (resharding), and
-- every batch carries the epoch it was written under (record_batches.writer_epoch). A lease whose owner
-- is NULL or no longer live may be taken by any live instance.
CREATE TABLE shard_leases (
    shard_key       bigint       PRIMARY KEY REFERENCES shards (shard_key) ON DELETE CASCADE,
    owner_id        varchar(64),
    epoch           bigint       NOT NULL,
    acquired_at     timestamptz  NOT NULL
);
CREATE INDEX shard_leases_owner ON shard_leases (owner_id);

-- The fence every append passes: the batch's epoch must still be its shard's lease epoch. The lease row
-- is share-locked until the append commits, so a takeover (which updates the row) waits for appends in
-- flight, and an append that starts after a takeover sees the new epoch and fails: a stale owner can
-- never add a batch after its lease moved on, nor after its shard was closed by resharding (which moves
-- the epoch on in the same transaction). SQLSTATE TRB01 tells the writer it lost the lease.
CREATE FUNCTION shard_lease_holds(p_shard_key bigint, p_epoch bigint) RETURNS boolean
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM 1 FROM shard_leases l JOIN shards s ON s.shard_key = l.shard_key
    WHERE l.shard_key = p_shard_key AND l.epoch = p_epoch AND s.ending_position IS NULL
    FOR SHARE OF l;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the write lease of shard % is no longer held at epoch %', p_shard_key, p_epoch
            USING ERRCODE = 'TRB01';
    END IF;
    RETURN true;
END
$$;
