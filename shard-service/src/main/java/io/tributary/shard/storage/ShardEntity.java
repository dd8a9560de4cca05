package io.tributary.shard.storage;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.math.BigDecimal;
import java.time.Instant;

/** A row of {@code shards}. Never leaves the storage and service layers. */
@Entity
@Table(name = "shards")
public class ShardEntity extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    @Column(name = "shard_key")
    public Long shardKey;

    @Column(name = "stream_id", nullable = false)
    public Long streamId;

    @Column(name = "shard_index", nullable = false)
    public int shardIndex;

    @Column(name = "hash_start", nullable = false, precision = 39, scale = 0)
    public BigDecimal hashStart;

    @Column(name = "hash_end", nullable = false, precision = 39, scale = 0)
    public BigDecimal hashEnd;

    @Column(name = "parent_index")
    public Integer parentIndex;

    @Column(name = "adjacent_parent_index")
    public Integer adjacentParentIndex;

    @Column(name = "starting_position", nullable = false)
    public long startingPosition;

    @Column(name = "ending_position")
    public Long endingPosition;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "closed_at")
    public Instant closedAt;
}
