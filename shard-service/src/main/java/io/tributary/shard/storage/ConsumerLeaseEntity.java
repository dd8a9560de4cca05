package io.tributary.shard.storage;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A row of {@code consumer_leases}. Never leaves the storage and service layers. */
@Entity
@Table(name = "consumer_leases")
public class ConsumerLeaseEntity extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "group_id", nullable = false)
    public Long groupId;

    @Column(name = "shard_index", nullable = false)
    public int shardIndex;

    @Column
    public String owner;

    @Column(nullable = false)
    public long epoch;

    @Column(name = "checkpoint_position")
    public Long checkpointPosition;

    @Column(nullable = false)
    public boolean finished;

    @Column(name = "checkpointed_at")
    public Instant checkpointedAt;
}
