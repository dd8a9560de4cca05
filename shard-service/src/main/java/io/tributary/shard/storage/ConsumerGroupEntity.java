package io.tributary.shard.storage;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A row of {@code consumer_groups}. Never leaves the storage and service layers. */
@Entity
@Table(name = "consumer_groups")
public class ConsumerGroupEntity extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "stream_id", nullable = false)
    public Long streamId;

    @Column(nullable = false)
    public String name;

    @Column(name = "initial_position", nullable = false)
    public String initialPosition;

    @Column(name = "initial_timestamp")
    public Instant initialTimestamp;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
