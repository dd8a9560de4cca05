package io.tributary.gateway.storage;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A bearer API key of a tenant, stored as the SHA-256 of the key. */
@Entity
@Table(name = "api_keys", schema = "gateway")
public class ApiKeyEntity {

    @Id
    @Column(name = "key_sha256")
    public byte[] keySha256;

    @Column(name = "account_id", nullable = false)
    public String accountId;

    @Column(nullable = false)
    public String status;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
