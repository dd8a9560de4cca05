package io.tributary.bench.load;

import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.ByteString;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.tributary.bench.Payload;
import io.tributary.bench.measure.DeliveryLedger;
import io.tributary.bench.measure.Latencies;
import io.tributary.bench.measure.LoadStats;
import io.tributary.connector.IncomingTributaryMetadata;
import io.tributary.connector.TributaryConnector;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * A consumer group member through Tributary's SmallRye Reactive Messaging connector, as an application's
 * {@code @Incoming} method would be fed: the connector heartbeats, is given the shards, subscribes to each
 * and checkpoints what was acknowledged. Every message is acknowledged once recorded, and one more is
 * requested, so at most {@code window} messages are outstanding.
 */
public final class GroupConsumer implements ShardConsumer, Flow.Subscriber<Message<?>> {

    private final DeliveryLedger ledger;
    private final Latencies latencies;
    private final LoadStats stats;
    private final int window;
    private final Map<String, String> lastSequenceNumber = new HashMap<>();
    private final long[] one = new long[1];
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile Flow.Subscription subscription;
    private volatile String failure;
    private volatile boolean closing;

    public GroupConsumer(DeliveryLedger ledger, Latencies latencies, LoadStats stats, int window) {
        this.ledger = ledger;
        this.latencies = latencies;
        this.stats = stats;
        this.window = window;
    }

    /** Joins {@code group} of the stream at {@code host:port}; a new group starts at TRIM_HORIZON. */
    public void start(String host, int port, String tenant, String stream, String group) {
        Map<String, String> attributes = new HashMap<>();
        attributes.put("channel-name", "bench-group");
        attributes.put("host", host);
        attributes.put("port", Integer.toString(port));
        attributes.put("tenant", tenant);
        attributes.put("stream", stream);
        attributes.put("group", group);
        attributes.put("starting-position", "TRIM_HORIZON");
        attributes.put("batch-size", Integer.toString(window));
        Config config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(attributes, "bench-group", 400)).build();
        new TributaryConnector().getPublisher(config).subscribe(this);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(window);
    }

    @Override
    public void onNext(Message<?> message) {
        long now = System.nanoTime();
        byte[] bytes = (byte[]) message.getPayload();
        ByteString data = UnsafeByteOperations.unsafeWrap(bytes);
        IncomingTributaryMetadata meta = message.getMetadata(IncomingTributaryMetadata.class).orElse(null);
        if (meta != null) {
            String previous = lastSequenceNumber.put(meta.shardId(), meta.sequenceNumber());
            if (previous != null && SequenceNumbers.compare(previous, meta.sequenceNumber()) >= 0) {
                stats.outOfOrder(1);
                stats.problem(meta.shardId() + ": the group delivered sequence number " + meta.sequenceNumber()
                        + " after " + previous);
            }
        }
        if (data.size() < Payload.HEADER_BYTES) {
            ledger.foreign(1);
        } else {
            long word = Payload.word(data);
            if (Payload.producerOf(word) != Payload.PROBE_PRODUCER) {
                latencies.recordEndToEnd(now - Payload.sendNanos(data), Payload.isMeasured(word));
                one[0] = Payload.idOf(word);
                ledger.received(one, 1);
                stats.received(1);
            }
        }
        message.ack();
        subscription.request(1);
    }

    @Override
    public void onError(Throwable t) {
        if (!closing && failure == null) {
            failure = "consumer group member failed: " + t;
        }
        done.countDown();
    }

    @Override
    public void onComplete() {
        if (!closing && failure == null) {
            failure = "the consumer group's stream of messages ended before the bench closed it";
        }
        done.countDown();
    }

    @Override
    public String failure() {
        return failure;
    }

    /** Leaves the group (the connector checkpoints what was acknowledged, then leaves). */
    @Override
    public void close() throws InterruptedException {
        closing = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        done.await(1, TimeUnit.SECONDS);
    }
}
