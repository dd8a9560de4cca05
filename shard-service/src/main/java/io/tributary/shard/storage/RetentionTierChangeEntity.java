package io.tributary.shard.storage;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A row of {@code retention_tier_changes}. Never leaves the storage and service layers. */
@Entity
@Table(name = "retention_tier_changes")
public class RetentionTierChangeEntity extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "stream_id", nullable = false)
    public Long streamId;

    @Column(name = "old_tier", nullable = false)
    public int oldTier;

    @Column(name = "changed_at", nullable = false)
    public Instant changedAt;
}
