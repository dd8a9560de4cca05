package io.tributary.shard.service;

import io.smallrye.mutiny.Uni;
import io.tributary.shard.Position;
import io.tributary.shard.config.ShardServiceConfig;
import jakarta.enterprise.context.ApplicationScoped;

/** Opens push subscriptions on shards. */
@ApplicationScoped
public class SubscriptionService {

    private final ReadService reads;
    private final ShardServiceConfig config;

    public SubscriptionService(ReadService reads, ShardServiceConfig config) {
        this.reads = reads;
        this.config = config;
    }

    /**
     * Opens a subscription from a position. It sends nothing until credit is granted.
     */
    public Uni<Subscription> subscribe(String tenantId, String streamName, String shardId, Position position,
                                       SubscriptionSink sink) {
        return reads.open(tenantId, streamName, shardId).chain(open -> reads.resolve(open, position)
                .map(start -> new Subscription(reads, open, start, sink, config.subscribe(), () -> reads.cutoff(open))));
    }
}
