package io.tributary.ingest.service;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.smallrye.mutiny.Uni;
import io.tributary.aws.AwsException;
import io.tributary.ingest.ShardMap;
import io.tributary.ingest.client.ShardAdminClient;
import io.tributary.ingest.config.IngestConfig;
import io.tributary.protocol.v1.Shard;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.protocol.v1.StreamStatus;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cached shard maps of streams. A map is described again after {@code shard-maps.refresh-after}, and at
 * once after shard-service said a batch went to the wrong shard or stream ({@link #invalidate}). Streams
 * are described at the configured shard-service instance, or at any other instance an earlier map named
 * when that one cannot be reached.
 *
 * <p>One description per stream is in flight at a time, however many records ask meanwhile: every put
 * that finds the map missing waits for that one, and a put that finds it merely old is routed with the
 * old map while the new one is fetched (a record routed to a shard that closed meanwhile is refused by
 * shard-service and routed again). Without this, every record arriving while a description was on its way
 * sent its own, thousands a second under WebSocket load, and the puts stalled for seconds.
 */
@ApplicationScoped
public class ShardMaps {

    private final ShardAdminClient admin;
    private final long refreshNanos;
    private final Map<String, ShardMap> maps = new ConcurrentHashMap<>();
    /** Every shard-service instance a shard map named: where to describe streams when the configured one is gone. */
    private final java.util.Set<String> knownEndpoints = ConcurrentHashMap.newKeySet();
    /** The description in flight per stream, shared by everyone who asks while it is. */
    private final Map<String, Uni<ShardMap>> loading = new ConcurrentHashMap<>();

    public ShardMaps(ShardAdminClient admin, IngestConfig config) {
        this.admin = admin;
        this.refreshNanos = config.shardMaps().refreshAfter().toNanos();
    }

    private static String key(String tenantId, String streamName) {
        return tenantId + "/" + streamName;
    }

    /** The shard map of a stream, from the cache while it is fresh. */
    public Uni<ShardMap> get(String tenantId, String streamName) {
        String key = key(tenantId, streamName);
        ShardMap cached = maps.get(key);
        if (cached != null && System.nanoTime() - cached.loadedAtNanos() < refreshNanos) {
            return Uni.createFrom().item(cached);
        }
        Uni<ShardMap> load = loading.computeIfAbsent(key, k -> describe(tenantId, streamName, k));
        if (cached == null) {
            return load;
        }
        // Old but usable: refresh in the background; a failure leaves the old map in place for the next ask.
        load.subscribe().with(m -> { }, e -> { });
        return Uni.createFrom().item(cached);
    }

    private Uni<ShardMap> describe(String tenantId, String streamName, String key) {
        java.util.concurrent.atomic.AtomicReference<Uni<ShardMap>> self = new java.util.concurrent.atomic.AtomicReference<>();
        Uni<ShardMap> load = admin.describe(tenantId, streamName, List.copyOf(knownEndpoints))
                .invoke(d -> d.getShardsList().forEach(s -> {
                    if (!s.getOwnerEndpoint().isEmpty()) {
                        knownEndpoints.add(s.getOwnerEndpoint());
                    }
                }))
                .map(d -> toMap(tenantId, d))
                .invoke(m -> {
                    // A description overtaken by an invalidation still answers its own askers, but does not
                    // replace what the description started after it brings.
                    if (loading.get(key) == self.get()) {
                        maps.put(key, m);
                    }
                })
                .onFailure().transform(ShardMaps::asAwsError)
                .onFailure().invoke(e -> {
                    if (e instanceof AwsException a && ("ResourceNotFoundException".equals(a.type())
                            || "ResourceInUseException".equals(a.type()))) {
                        maps.remove(key); // the stream is gone or no longer active: stop routing with its old map
                    }
                })
                .onTermination().invoke(() -> loading.remove(key, self.get()))
                .memoize().indefinitely();
        self.set(load);
        return load;
    }

    /**
     * The shard-service endpoint that writes a shard according to the cached map (empty: the configured
     * shard-service, which takes the shard or says who has it).
     */
    public String endpointOf(String tenantId, String streamName, String shardId) {
        ShardMap cached = maps.get(key(tenantId, streamName));
        String endpoint = cached == null ? null : cached.endpointOf(shardId);
        return endpoint == null ? "" : endpoint;
    }

    /** Forgets a stream's map: the next record routed to it describes the stream again. */
    public void invalidate(String tenantId, String streamName) {
        maps.remove(key(tenantId, streamName));
        // A description already on its way may predate what made the map wrong: the next ask starts another.
        loading.remove(key(tenantId, streamName));
    }

    private static ShardMap toMap(String tenantId, StreamDescription d) {
        if (d.getStatus() != StreamStatus.ACTIVE) {
            throw AwsException.resourceInUse("Stream " + d.getStream().getStreamName() + " under account " + tenantId
                    + " is " + d.getStatus() + ", not ACTIVE.");
        }
        List<ShardMap.ShardRange> open = new ArrayList<>();
        for (Shard s : d.getShardsList()) {
            if (s.getEndingSequenceNumber().isEmpty()) {
                open.add(new ShardMap.ShardRange(s.getShardId(), ShardMap.toBytes(new BigInteger(s.getStartingHashKey())),
                        ShardMap.toBytes(new BigInteger(s.getEndingHashKey())), s.getOwnerEndpoint()));
            }
        }
        open.sort(Comparator.comparing(ShardMap.ShardRange::start, java.util.Arrays::compareUnsigned));
        return new ShardMap(tenantId, d.getStream().getStreamName(), d.getMaxRecordSizeBytes(), List.copyOf(open),
                d.getKinesisShardQuotas(), System.nanoTime(), d.getEncryptionType().isEmpty() ? "NONE" : d.getEncryptionType());
    }

    private static Throwable asAwsError(Throwable t) {
        if (t instanceof AwsException) {
            return t;
        }
        if (t instanceof StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return AwsException.resourceNotFound(e.getStatus().getDescription());
            }
            if (e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
                return AwsException.invalidArgument(e.getStatus().getDescription());
            }
        }
        return AwsException.serviceUnavailable("shard-service is not reachable: " + t.getMessage());
    }
}
