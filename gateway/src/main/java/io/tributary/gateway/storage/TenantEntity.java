package io.tributary.gateway.storage;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A tenant: an account id, as in ARNs. */
@Entity
@Table(name = "tenants", schema = "gateway")
public class TenantEntity {

    @Id
    @Column(name = "account_id")
    public String accountId;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
