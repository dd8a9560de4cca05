package io.tributary.shard.service;

import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import io.tributary.shard.LogException;
import io.tributary.shard.LogException.Reason;
import io.tributary.shard.config.ShardServiceConfig;
import io.tributary.shard.storage.StreamConsumerEntity;
import io.tributary.shard.storage.StreamEntity;
import io.tributary.shard.storage.StreamRepository;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.regex.Pattern;

/** Enhanced fan-out consumers of a stream: RegisterStreamConsumer and friends. */
@ApplicationScoped
public class StreamConsumerService {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.-]{1,128}");

    private final StreamRepository streams;
    private final ShardServiceConfig config;
    private final ShardClock clock;

    public StreamConsumerService(StreamRepository streams, ShardServiceConfig config, ShardClock clock) {
        this.streams = streams;
        this.config = config;
        this.clock = clock;
    }

    /** A registered consumer. */
    public record StreamConsumer(String streamName, String name, long createdAtMillis) {
    }

    public Uni<StreamConsumer> register(String tenantId, String streamName, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            return Uni.createFrom().failure(new LogException(Reason.INVALID_ARGUMENT, "consumer name '" + name
                    + "' must be 1 to 128 characters of a-z, A-Z, 0-9, '_', '.' and '-'"));
        }
        return insert(tenantId, streamName, name).onFailure(StorageErrors::isUniqueViolation)
                .transform(e -> exists(streamName, name));
    }

    @WithTransaction
    Uni<StreamConsumer> insert(String tenantId, String streamName, String name) {
        return stream(tenantId, streamName).chain(stream -> StreamConsumerEntity.count("streamId", stream.id).chain(count -> {
            int limit = config.streams().maxConsumersPerStream();
            if (count >= limit) {
                return Uni.createFrom().failure(new LogException(Reason.LIMIT_EXCEEDED, "Stream " + streamName
                        + " already has " + count + " registered consumers; the limit is " + limit + "."));
            }
            return StreamConsumerEntity.<StreamConsumerEntity>find("streamId = ?1 and name = ?2", stream.id, name).firstResult()
                    .chain(existing -> {
                        if (existing != null) {
                            return Uni.createFrom().failure(exists(streamName, name));
                        }
                        StreamConsumerEntity c = new StreamConsumerEntity();
                        c.streamId = stream.id;
                        c.name = name;
                        c.createdAt = clock.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
                        return c.<StreamConsumerEntity>persistAndFlush().map(saved -> view(stream, saved));
                    });
        }));
    }

    /**
     * The consumer of a stream by name; with {@code createdAtSeconds} >= 0 (from a ConsumerARN) it must also
     * be that registration, not a later one of the same name.
     */
    @WithSession
    public Uni<StreamConsumer> describe(String tenantId, String streamName, String name, long createdAtSeconds) {
        return find(tenantId, streamName, name, createdAtSeconds).map(pair -> view(pair.stream(), pair.consumer()));
    }

    @WithSession
    public Uni<List<StreamConsumer>> list(String tenantId, String streamName) {
        return stream(tenantId, streamName).chain(stream -> StreamConsumerEntity.<StreamConsumerEntity>list(
                "streamId = ?1 order by name", stream.id).map(rows -> rows.stream().map(c -> view(stream, c)).toList()));
    }

    @WithTransaction
    public Uni<Void> deregister(String tenantId, String streamName, String name, long createdAtSeconds) {
        return find(tenantId, streamName, name, createdAtSeconds).chain(pair -> pair.consumer().delete());
    }

    /** The number of consumers of each stream is small (a limit); counted for descriptions. */
    @WithSession
    public Uni<Long> count(String tenantId, String streamName) {
        return stream(tenantId, streamName).chain(stream -> StreamConsumerEntity.count("streamId", stream.id));
    }

    private record Found(StreamEntity stream, StreamConsumerEntity consumer) {
    }

    private Uni<Found> find(String tenantId, String streamName, String name, long createdAtSeconds) {
        return stream(tenantId, streamName).chain(stream -> StreamConsumerEntity.<StreamConsumerEntity>find(
                "streamId = ?1 and name = ?2", stream.id, name).firstResult().map(c -> {
                    if (c == null || (createdAtSeconds >= 0 && c.createdAt.getEpochSecond() != createdAtSeconds)) {
                        throw new LogException(Reason.SHARD_NOT_FOUND, "Consumer " + name + " of stream " + streamName
                                + " under account " + tenantId + " not found.");
                    }
                    return new Found(stream, c);
                }));
    }

    private Uni<StreamEntity> stream(String tenantId, String name) {
        return streams.findByName(tenantId, name).onItem().ifNull().failWith(() -> StreamCatalog.notFound(tenantId, name));
    }

    private static StreamConsumer view(StreamEntity stream, StreamConsumerEntity c) {
        return new StreamConsumer(stream.name, c.name, c.createdAt.toEpochMilli());
    }

    private static LogException exists(String streamName, String name) {
        return new LogException(Reason.STREAM_ALREADY_EXISTS, "Consumer " + name + " is already registered on stream "
                + streamName + ".");
    }
}
