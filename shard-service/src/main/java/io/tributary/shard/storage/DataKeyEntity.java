package io.tributary.shard.storage;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A row of {@code data_keys}: a stream's data key, wrapped under a master key. Never leaves storage and services. */
@Entity
@Table(name = "data_keys")
public class DataKeyEntity extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "stream_id", nullable = false)
    public Long streamId;

    @Column(name = "master_key_id", nullable = false)
    public String masterKeyId;

    @Column(nullable = false)
    public byte[] wrapped;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
