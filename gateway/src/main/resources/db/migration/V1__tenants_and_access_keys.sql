-- Tenants (accounts) and their access keys. Secret access keys are needed in clear to verify SigV4
-- signatures, so they are stored encrypted (AES-GCM, key outside the database), never hashed.
CREATE TABLE tenants (
    account_id  varchar(12) PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE access_keys (
    access_key_id     varchar(128) PRIMARY KEY,
    account_id        varchar(12)  NOT NULL REFERENCES tenants (account_id),
    secret_ciphertext bytea        NOT NULL,
    status            varchar(16)  NOT NULL,
    created_at        timestamptz  NOT NULL
);
CREATE INDEX access_keys_account ON access_keys (account_id);
