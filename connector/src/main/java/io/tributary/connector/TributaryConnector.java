package io.tributary.connector;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.smallrye.reactive.messaging.annotations.ConnectorAttribute;
import io.smallrye.reactive.messaging.annotations.ConnectorAttribute.Direction;
import io.smallrye.reactive.messaging.connector.InboundConnector;
import io.smallrye.reactive.messaging.connector.OutboundConnector;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * The {@code tributary} connector of SmallRye Reactive Messaging.
 *
 * <p>Incoming: the channel is a member of a consumer group of a stream; shards, leases and checkpoints
 * are kept by shard-service (no lease table of the application's own). Outgoing: every message is
 * appended to a stream and acknowledged once committed.
 *
 * <p>The attributes below are the connector's documentation; {@code connector/README.md} carries the same
 * table, and a test checks the two against each other.
 */
@ApplicationScoped
@Connector(TributaryConnector.NAME)
@ConnectorAttribute(name = "host", type = "string", direction = Direction.INCOMING_AND_OUTGOING, defaultValue = "localhost",
        description = "Host of shard-service's gRPC API.")
@ConnectorAttribute(name = "port", type = "int", direction = Direction.INCOMING_AND_OUTGOING, defaultValue = "9082",
        description = "Port of shard-service's gRPC API.")
@ConnectorAttribute(name = "tenant", type = "string", direction = Direction.INCOMING_AND_OUTGOING, defaultValue = TributaryConnector.DEFAULT_TENANT,
        description = "Account (tenant) id owning the stream, 12 digits.")
@ConnectorAttribute(name = "stream", type = "string", direction = Direction.INCOMING_AND_OUTGOING, mandatory = true,
        description = "Name of the stream to read or to append to.")
@ConnectorAttribute(name = "group", type = "string", direction = Direction.INCOMING,
        description = "Consumer group the channel joins; defaults to the channel name.")
@ConnectorAttribute(name = "member-id", type = "string", direction = Direction.INCOMING,
        description = "This member's id within the group; defaults to host name, process id and a random suffix.")
@ConnectorAttribute(name = "starting-position", type = "string", direction = Direction.INCOMING, defaultValue = "LATEST",
        description = "Where a group created by this channel starts: TRIM_HORIZON, LATEST or AT_TIMESTAMP (shards with a checkpoint resume after it).")
@ConnectorAttribute(name = "starting-timestamp", type = "string", direction = Direction.INCOMING,
        description = "ISO-8601 instant for starting-position AT_TIMESTAMP.")
@ConnectorAttribute(name = "batch-size", type = "int", direction = Direction.INCOMING, defaultValue = "500",
        description = "Records per shard requested from the service ahead of downstream; credit returns only as downstream takes records.")
@ConnectorAttribute(name = "commit-strategy", type = "string", direction = Direction.INCOMING, defaultValue = "throttled",
        description = "When checkpoints are sent: throttled (the acknowledged position every checkpoint-interval-ms) or ack (after every acknowledgement).")
@ConnectorAttribute(name = "checkpoint-interval-ms", type = "long", direction = Direction.INCOMING, defaultValue = "1000",
        description = "Interval of throttled checkpoints, in milliseconds.")
@ConnectorAttribute(name = "failure-strategy", type = "string", direction = Direction.INCOMING, defaultValue = "fail",
        description = "What a nacked message does: fail (the channel fails), ignore (counted as processed) or dead-letter-stream (appended to dead-letter-stream, then counted as processed).")
@ConnectorAttribute(name = "dead-letter-stream", type = "string", direction = Direction.INCOMING,
        description = "Stream receiving nacked records with failure-strategy dead-letter-stream.")
@ConnectorAttribute(name = "ignore-lineage", type = "boolean", direction = Direction.INCOMING, defaultValue = "false",
        description = "Read child shards at once instead of after their parents are checkpointed to their end (gives up per-key order across resharding).")
@ConnectorAttribute(name = "partition-key", type = "string", direction = Direction.OUTGOING,
        description = "Partition key of messages without OutgoingTributaryMetadata; without it each message gets a random key.")
@ConnectorAttribute(name = "max-inflight", type = "int", direction = Direction.OUTGOING, defaultValue = "64",
        description = "Messages appended but not yet committed at most; upstream is not requested beyond it.")
public class TributaryConnector implements InboundConnector, OutboundConnector {

    public static final String NAME = "tributary";
    static final String DEFAULT_TENANT = "000000000000";

    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

    private ManagedChannel channel(Config c) {
        String host = c.getOptionalValue("host", String.class).orElse("localhost");
        int port = c.getOptionalValue("port", Integer.class).orElse(9082);
        return channels.computeIfAbsent(host + ":" + port, k -> ManagedChannelBuilder.forAddress(host, port)
                .usePlaintext().maxInboundMessageSize(64 * 1024 * 1024).build());
    }

    /** A channel to the shard-service instance at {@code host:port} (a shard's owner endpoint). */
    private ManagedChannel channel(String endpoint) {
        return channels.computeIfAbsent(endpoint, k -> ManagedChannelBuilder.forTarget(k)
                .usePlaintext().maxInboundMessageSize(64 * 1024 * 1024).build());
    }

    @Override
    public Flow.Publisher<? extends Message<?>> getPublisher(Config config) {
        TributaryIncomingConfig c = new TributaryIncomingConfig(config);
        ManagedChannel ch = channel(config);
        StreamAppender deadLetters = null;
        if (c.deadLetterStream() != null) {
            deadLetters = new StreamAppender(ch, this::channel, c.tenant(), c.deadLetterStream());
            closeables.add(deadLetters);
        }
        return new ConsumerGroupSource(c, ch, this::channel, deadLetters).publisher();
    }

    @Override
    public Flow.Subscriber<? extends Message<?>> getSubscriber(Config config) {
        String stream = config.getOptionalValue("stream", String.class).orElseThrow(() -> new IllegalArgumentException(
                "channel " + config.getOptionalValue("channel-name", String.class).orElse("?")
                        + " (connector tributary): the attribute stream is required"));
        String tenant = config.getOptionalValue("tenant", String.class).orElse(DEFAULT_TENANT);
        String partitionKey = config.getOptionalValue("partition-key", String.class).orElse(null);
        int maxInflight = config.getOptionalValue("max-inflight", Integer.class).orElse(64);
        StreamAppender appender = new StreamAppender(channel(config), this::channel, tenant, stream);
        closeables.add(appender);
        return new AppendingSubscriber(appender, partitionKey, maxInflight);
    }

    @PreDestroy
    void close() {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
        for (ManagedChannel ch : channels.values()) {
            ch.shutdown();
            try {
                ch.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The outgoing side: appends each message, acknowledges it once committed (nacks it if refused), and
     * requests a new message from upstream for each one that completes, so at most {@code max-inflight}
     * are on their way.
     */
    static final class AppendingSubscriber implements Flow.Subscriber<Message<?>> {

        private final StreamAppender appender;
        private final String partitionKey;
        private final int maxInflight;
        private Flow.Subscription subscription;

        AppendingSubscriber(StreamAppender appender, String partitionKey, int maxInflight) {
            this.appender = appender;
            this.partitionKey = partitionKey;
            this.maxInflight = Math.max(1, maxInflight);
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(maxInflight);
        }

        @Override
        public void onNext(Message<?> message) {
            OutgoingTributaryMetadata meta = message.getMetadata(OutgoingTributaryMetadata.class).orElse(null);
            String key = meta != null && meta.partitionKey() != null ? meta.partitionKey()
                    : partitionKey != null ? partitionKey : UUID.randomUUID().toString();
            String explicit = meta == null ? null : meta.explicitHashKey();
            appender.append(key, explicit, bytes(message.getPayload())).whenComplete((seq, error) -> {
                (error == null ? message.ack() : message.nack(error)).whenComplete((v, e) -> subscription.request(1));
            });
        }

        private static byte[] bytes(Object payload) {
            if (payload instanceof byte[] b) {
                return b;
            }
            if (payload instanceof io.vertx.core.buffer.Buffer b) {
                return b.getBytes();
            }
            if (payload instanceof io.vertx.mutiny.core.buffer.Buffer b) {
                return b.getBytes();
            }
            return String.valueOf(payload).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void onError(Throwable throwable) {
            // Upstream failed: nothing more to append.
        }

        @Override
        public void onComplete() {
            // Everything sent; acknowledgements complete as commits return.
        }
    }
}
