-- Bearer API keys for the REST and WebSocket APIs. Only a SHA-256 of the key is stored: unlike SigV4
-- secrets, a bearer key is only ever compared, never used to compute a signature.
CREATE TABLE api_keys (
    key_sha256  bytea        PRIMARY KEY,
    account_id  varchar(12)  NOT NULL REFERENCES tenants (account_id),
    status      varchar(16)  NOT NULL,
    created_at  timestamptz  NOT NULL
);
