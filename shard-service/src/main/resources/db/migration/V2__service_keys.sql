-- Secret keys of the service, shared by every instance: for example the key that signs shard iterators,
-- so that an iterator issued by one instance is accepted by another and after a restart.
CREATE TABLE service_keys (
    name       text PRIMARY KEY,
    key_bytes  bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
