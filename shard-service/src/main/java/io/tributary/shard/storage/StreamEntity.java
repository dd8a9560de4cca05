package io.tributary.shard.storage;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A row of {@code streams}. Never leaves the storage and service layers. */
@Entity
@Table(name = "streams")
public class StreamEntity extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "tenant_id", nullable = false)
    public String tenantId;

    @Column(nullable = false)
    public String name;

    @Column(nullable = false)
    public String status;

    @Column(name = "retention_hours", nullable = false)
    public int retentionHours;

    @Column(name = "max_record_size", nullable = false)
    public int maxRecordSize;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "next_shard_index", nullable = false)
    public int nextShardIndex;

    @Column(name = "kinesis_shard_quotas", nullable = false)
    public boolean kinesisShardQuotas;

    @Column(name = "stream_mode", nullable = false)
    public String streamMode;

    /** Records that arrived before this stay unreadable (set when the retention period is increased). */
    @Column(name = "expired_before")
    public Instant expiredBefore;

    @Column(name = "deleted_at")
    public Instant deletedAt;

    /** The KeyId given to StartStreamEncryption while the stream is encrypted, else null. */
    @Column(name = "encryption_key_id")
    public String encryptionKeyId;

    /** The data key new batches are encrypted with, else null. */
    @Column(name = "data_key_id")
    public Long dataKeyId;
}
