package io.tributary.shard.storage;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A row of {@code consumer_members}. Never leaves the storage and service layers. */
@Entity
@Table(name = "consumer_members")
public class ConsumerMemberEntity extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "group_id", nullable = false)
    public Long groupId;

    @Column(name = "member_id", nullable = false)
    public String memberId;

    @Column(name = "ignore_lineage", nullable = false)
    public boolean ignoreLineage;

    @Column(name = "joined_at", nullable = false)
    public Instant joinedAt;

    @Column(name = "last_heartbeat", nullable = false)
    public Instant lastHeartbeat;
}
