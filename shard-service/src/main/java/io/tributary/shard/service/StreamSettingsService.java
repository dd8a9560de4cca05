package io.tributary.shard.service;

import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import io.tributary.shard.LogException;
import io.tributary.shard.LogException.Reason;
import io.tributary.shard.storage.ShardRepository;
import io.tributary.shard.storage.StreamEntity;
import io.tributary.shard.storage.StreamRepository;
import io.tributary.shard.storage.StreamTagEntity;
import io.tributary.shard.storage.StreamTagRepository;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A stream's settings that change after creation: retention and tags; and the account's shard usage. */
@ApplicationScoped
public class StreamSettingsService {

    /** Kinesis's bounds. */
    public static final int MIN_RETENTION_HOURS = 24;
    public static final int MAX_RETENTION_HOURS = 8760;
    public static final int MAX_TAGS_PER_STREAM = 50;
    /** The tag that holds a stream's writes to Kinesis's per-shard limits (value {@value #SHARD_QUOTAS_ON}). */
    public static final String SHARD_QUOTAS_TAG = "tributary:shard-quotas";
    public static final String SHARD_QUOTAS_ON = "kinesis";

    private final StreamRepository streams;
    private final StreamTagRepository tags;
    private final ShardRepository shards;
    private final StreamCatalog catalog;
    private final StorageMaintenance storage;
    private final ShardClock clock;
    private final KeyRing keyRing;

    private final ShardOwnership ownership;

    public StreamSettingsService(StreamRepository streams, StreamTagRepository tags, ShardRepository shards,
                                 StreamCatalog catalog, StorageMaintenance storage, ShardClock clock, KeyRing keyRing,
                                 ShardOwnership ownership) {
        this.ownership = ownership;
        this.keyRing = keyRing;
        this.storage = storage;
        this.clock = clock;
        this.streams = streams;
        this.tags = tags;
        this.shards = shards;
        this.catalog = catalog;
    }

    /**
     * Changes the retention period. An increase must not shorten it and a decrease must not lengthen it;
     * asking for the current value changes nothing.
     */
    public Uni<Void> changeRetention(String tenantId, String name, int hours, boolean increase) {
        if (hours < MIN_RETENTION_HOURS) {
            return fail(Reason.INVALID_ARGUMENT, "Minimum allowed retention period is " + MIN_RETENTION_HOURS
                    + " hours. Requested retention period (" + hours + " hours) is too short.");
        }
        if (hours > MAX_RETENTION_HOURS) {
            return fail(Reason.INVALID_ARGUMENT, "Maximum allowed retention period is " + MAX_RETENTION_HOURS
                    + " hours. Requested retention period (" + hours + " hours) is too long.");
        }
        // Batches written after the change may go to another retention tier: its partitions exist first.
        return storage.ensureTier(io.tributary.shard.RetentionTiers.tierOf(hours))
                .chain(() -> updateRetention(tenantId, name, hours, increase))
                .invoke(() -> catalog.evict(tenantId, name));
    }

    @WithTransaction
    Uni<Void> updateRetention(String tenantId, String name, int hours, boolean increase) {
        return live(tenantId, name).chain(stream -> {
            if (increase && hours < stream.retentionHours) {
                return fail(Reason.INVALID_ARGUMENT, "Requested retention period (" + hours + " hours) for stream "
                        + name + " can not be shorter than existing retention period (" + stream.retentionHours
                        + " hours). Use DecreaseRetentionPeriod API.");
            }
            if (!increase && hours > stream.retentionHours) {
                return fail(Reason.INVALID_ARGUMENT, "Requested retention period (" + hours + " hours) for stream "
                        + name + " can not be longer than existing retention period (" + stream.retentionHours
                        + " hours). Use IncreaseRetentionPeriod API.");
            }
            java.time.Instant now = clock.now();
            if (hours > stream.retentionHours) {
                // Records that expired under the old period stay expired: an increase only lengthens the
                // life of records still readable.
                java.time.Instant expired = now.minus(java.time.Duration.ofHours(stream.retentionHours));
                if (stream.expiredBefore == null || stream.expiredBefore.isBefore(expired)) {
                    stream.expiredBefore = expired;
                }
            }
            int oldTier = io.tributary.shard.RetentionTiers.tierOf(stream.retentionHours);
            stream.retentionHours = hours;
            // Writers on every instance must see the new period (and store in its tier) from now on.
            Uni<Void> fenced = ownership.fenceStream(stream.id);
            if (io.tributary.shard.RetentionTiers.tierOf(hours) == oldTier) {
                return fenced;
            }
            // Its earlier batches stay in the old tier: StorageMaintenance keeps them until they expire.
            io.tributary.shard.storage.RetentionTierChangeEntity change = new io.tributary.shard.storage.RetentionTierChangeEntity();
            change.streamId = stream.id;
            change.oldTier = oldTier;
            change.changedAt = now;
            return fenced.chain(() -> change.persist()).replaceWithVoid();
        });
    }

    /**
     * Encrypts records appended from now on with a new data key under the ring key {@code keyId} names
     * (an id, an alias or a KMS ARN). Records already stored stay as they are and remain readable.
     */
    public Uni<Void> startEncryption(String tenantId, String name, String keyId) {
        String masterKeyId;
        try {
            masterKeyId = keyRing.resolve(keyId);
        } catch (LogException e) {
            return Uni.createFrom().failure(e);
        }
        return storeDataKey(tenantId, name, keyId, masterKeyId).invoke(() -> catalog.evict(tenantId, name)).replaceWithVoid();
    }

    @WithTransaction
    Uni<Long> storeDataKey(String tenantId, String name, String keyId, String masterKeyId) {
        return live(tenantId, name).chain(stream -> {
            if (!io.tributary.shard.StreamStatus.ACTIVE.name().equals(stream.status)) {
                return fail(Reason.STREAM_NOT_ACTIVE, "Stream " + name + " under account " + tenantId + " is "
                        + stream.status + ", not ACTIVE.");
            }
            KeyRing.NewDataKey key = keyRing.newDataKey(masterKeyId, stream.id);
            io.tributary.shard.storage.DataKeyEntity row = new io.tributary.shard.storage.DataKeyEntity();
            row.streamId = stream.id;
            row.masterKeyId = masterKeyId;
            row.wrapped = key.wrapped();
            row.createdAt = clock.now();
            return row.<io.tributary.shard.storage.DataKeyEntity>persistAndFlush().map(saved -> {
                keyRing.remember(saved.id, key.key());
                stream.encryptionKeyId = keyId;
                stream.dataKeyId = saved.id;
                return saved.id;
            }).call(() -> ownership.fenceStream(stream.id));
        });
    }

    /** Stores records appended from now on in the clear; encrypted ones stay readable while their key is in the ring. */
    public Uni<Void> stopEncryption(String tenantId, String name) {
        return clearDataKey(tenantId, name).invoke(() -> catalog.evict(tenantId, name));
    }

    @WithTransaction
    Uni<Void> clearDataKey(String tenantId, String name) {
        return live(tenantId, name).invoke(stream -> {
            stream.encryptionKeyId = null;
            stream.dataKeyId = null;
        }).call(stream -> ownership.fenceStream(stream.id)).replaceWithVoid();
    }

    /**
     * Sets a stream's capacity mode. Tributary puts no per-shard cap on either mode; ON_DEMAND only takes
     * the shard count out of the user's hands (no SplitShard, MergeShards or UpdateShardCount).
     */
    public Uni<Void> changeMode(String tenantId, String name, io.tributary.shard.StreamMode mode) {
        return updateMode(tenantId, name, mode).invoke(() -> catalog.evict(tenantId, name));
    }

    @WithTransaction
    Uni<Void> updateMode(String tenantId, String name, io.tributary.shard.StreamMode mode) {
        return live(tenantId, name).chain(stream -> {
            if (!io.tributary.shard.StreamStatus.ACTIVE.name().equals(stream.status)) {
                return fail(Reason.STREAM_NOT_ACTIVE, "Stream " + name + " under account " + tenantId + " is "
                        + stream.status + ", not ACTIVE.");
            }
            stream.streamMode = mode.name();
            return Uni.createFrom().voidItem();
        });
    }

    /** Adds tags or replaces their values; a stream holds at most {@value #MAX_TAGS_PER_STREAM}. */
    public Uni<Void> addTags(String tenantId, String name, Map<String, String> newTags) {
        String quotas = newTags.get(SHARD_QUOTAS_TAG);
        if (quotas != null && !quotas.equals(SHARD_QUOTAS_ON) && !quotas.equals("off")) {
            return fail(Reason.INVALID_ARGUMENT, "Tag " + SHARD_QUOTAS_TAG + " takes the value '" + SHARD_QUOTAS_ON
                    + "' (Kinesis's per-shard write limits) or 'off', not '" + quotas + "'.");
        }
        return addTagsChecked(tenantId, name, newTags).invoke(() -> catalog.evict(tenantId, name));
    }

    @WithTransaction
    Uni<Void> addTagsChecked(String tenantId, String name, Map<String, String> newTags) {
        return live(tenantId, name).chain(stream -> tags.findByStream(stream.id).chain(existing -> {
            if (newTags.containsKey(SHARD_QUOTAS_TAG)) {
                stream.kinesisShardQuotas = SHARD_QUOTAS_ON.equals(newTags.get(SHARD_QUOTAS_TAG));
            }
            Map<String, StreamTagEntity> byKey = new LinkedHashMap<>();
            for (StreamTagEntity t : existing) {
                byKey.put(t.tagKey, t);
            }
            Set<String> keys = new HashSet<>(byKey.keySet());
            keys.addAll(newTags.keySet());
            if (keys.size() > MAX_TAGS_PER_STREAM) {
                return fail(Reason.LIMIT_EXCEEDED, "Stream " + name + " would have " + keys.size()
                        + " tags; the limit is " + MAX_TAGS_PER_STREAM + ".");
            }
            List<StreamTagEntity> toPersist = new ArrayList<>();
            for (Map.Entry<String, String> e : newTags.entrySet()) {
                StreamTagEntity t = byKey.get(e.getKey());
                if (t != null) {
                    t.tagValue = e.getValue();
                } else {
                    t = new StreamTagEntity();
                    t.streamId = stream.id;
                    t.tagKey = e.getKey();
                    t.tagValue = e.getValue();
                    toPersist.add(t);
                }
            }
            return tags.persist(toPersist).replaceWithVoid();
        }));
    }

    public Uni<Void> removeTags(String tenantId, String name, List<String> keys) {
        return removeTagsChecked(tenantId, name, keys).invoke(() -> catalog.evict(tenantId, name));
    }

    @WithTransaction
    Uni<Void> removeTagsChecked(String tenantId, String name, List<String> keys) {
        return live(tenantId, name).chain(stream -> {
            if (keys.contains(SHARD_QUOTAS_TAG)) {
                stream.kinesisShardQuotas = false;
            }
            return tags.deleteKeys(stream.id, keys);
        }).replaceWithVoid();
    }

    /** The stream's tags in key order. */
    @WithSession
    public Uni<Map<String, String>> tags(String tenantId, String name) {
        return live(tenantId, name).chain(stream -> tags.findByStream(stream.id)).map(list -> {
            Map<String, String> out = new LinkedHashMap<>();
            for (StreamTagEntity t : list) {
                out.put(t.tagKey, t.tagValue);
            }
            return out;
        });
    }

    /** Open shards over all of a tenant's streams. */
    @WithSession
    public Uni<Long> openShardCount(String tenantId) {
        return shards.countOpenShards(tenantId);
    }

    private Uni<StreamEntity> live(String tenantId, String name) {
        return streams.findByName(tenantId, name).onItem().ifNull()
                .failWith(() -> StreamCatalog.notFound(tenantId, name));
    }

    private static <T> Uni<T> fail(Reason reason, String message) {
        return Uni.createFrom().failure(new LogException(reason, message));
    }
}
