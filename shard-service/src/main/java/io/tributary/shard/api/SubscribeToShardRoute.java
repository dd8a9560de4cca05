package io.tributary.shard.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.aws.AwsException;
import io.tributary.aws.AwsRequest;
import io.tributary.aws.AwsResponses;
import io.tributary.aws.AwsWireFormat;
import io.tributary.aws.EventStreamMessage;
import io.tributary.aws.GatewayHeaders;
import io.tributary.aws.KinesisConsumerAddress;
import io.tributary.shard.LogException;
import io.tributary.shard.LogRecord;
import io.tributary.shard.Position;
import io.tributary.shard.ReadResult;
import io.tributary.shard.ShardInfo;
import io.tributary.shard.config.ShardServiceConfig;
import io.tributary.shard.service.StreamConsumerService;
import io.tributary.shard.service.Subscription;
import io.tributary.shard.service.SubscriptionService;
import io.tributary.shard.service.SubscriptionSink;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Kinesis {@code SubscribeToShard}: a registered consumer subscribes to one shard and receives its records
 * as they commit, in {@code application/vnd.amazon.eventstream} framing — an {@code initial-response}
 * event, then {@code SubscribeToShardEvent}s with the records, {@code ContinuationSequenceNumber} and
 * {@code MillisBehindLatest} (and {@code ChildShards} once a closed shard is read to its end) — for up to
 * {@code subscribe.session-duration} (5 minutes, as Kinesis), after which the stream ends and the client
 * subscribes again from the continuation.
 *
 * <p>Served by a Vert.x route in front of the JSON/CBOR resource because the answer is a long-lived stream.
 * It is pushed by the same {@link Subscription} as the internal API: records go out the moment they
 * commit (no polling tick), and only while the HTTP response can take them, so a slow client is never
 * buffered for.
 */
@ApplicationScoped
public class SubscribeToShardRoute {

    private static final Logger LOG = Logger.getLogger(SubscribeToShardRoute.class);
    private static final String TARGET = KinesisResource.TARGET_PREFIX + "SubscribeToShard";
    private static final String EVENT_STREAM = "application/vnd.amazon.eventstream";
    private static final Pattern TENANT = Pattern.compile("[0-9]{12}");

    private final SubscriptionService subscriptions;
    private final StreamConsumerService consumers;
    private final ShardServiceConfig config;
    private final Vertx vertx;

    public SubscribeToShardRoute(SubscriptionService subscriptions, StreamConsumerService consumers,
                                 ShardServiceConfig config, Vertx vertx) {
        this.subscriptions = subscriptions;
        this.consumers = consumers;
        this.config = config;
        this.vertx = vertx;
    }

    void routes(@Observes Router router) {
        router.post("/").order(-10).handler(rc -> {
            if (!TARGET.equals(rc.request().getHeader("X-Amz-Target"))) {
                rc.next();
                return;
            }
            subscribe(rc);
        });
    }

    private void subscribe(RoutingContext rc) {
        String requestId = rc.request().getHeader("x-amzn-RequestId");
        String id = requestId == null || requestId.isBlank() ? UUID.randomUUID().toString() : requestId;
        AwsWireFormat format = AwsWireFormat.ofContentType(rc.request().getHeader("Content-Type"));
        if (format == null) {
            fail(rc, AwsWireFormat.JSON, id, AwsException.serialization("Content-Type must be application/x-amz-json-1.1 or application/x-amz-cbor-1.1"));
            return;
        }
        String tenant = rc.request().getHeader(GatewayHeaders.TENANT);
        if (tenant == null || !TENANT.matcher(tenant).matches()) {
            fail(rc, format, id, new AwsException("MissingAuthenticationTokenException", 403,
                    "Missing Authentication Token: requests reach shard-service through the gateway"));
            return;
        }
        rc.request().body().onSuccess(body -> {
            Target target;
            try {
                target = target(tenant, AwsRequest.parse(format, body.getBytes()));
            } catch (AwsException e) {
                fail(rc, format, id, e);
                return;
            }
            consumers.describe(tenant, target.stream(), target.consumer(), target.createdAtSeconds())
                    .chain(c -> subscriptions.subscribe(tenant, target.stream(), target.shardId(), target.position(),
                            new EventSink(rc.response(), format)))
                    .subscribe().with(s -> start(rc, format, id, s), e -> fail(rc, format, id, KinesisErrors.of(e)));
        }).onFailure(e -> rc.response().setStatusCode(400).end());
        // Quarkus hands routes a paused request: reading the body needs it flowing.
        rc.request().resume();
    }

    /** What a SubscribeToShard request names. */
    private record Target(String stream, String consumer, long createdAtSeconds, String shardId, Position position) {
    }

    private static Target target(String tenant, AwsRequest request) {
        KinesisConsumerAddress consumer = KinesisConsumerAddress.ofArn(tenant, request.requiredString("ConsumerARN"));
        String shardId = request.requiredString("ShardId");
        AwsRequest start = request.structure("StartingPosition");
        if (start == null) {
            throw AwsException.validation("1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null");
        }
        String type = start.requiredString("Type");
        Position position = switch (type) {
            case "TRIM_HORIZON" -> Position.trimHorizon();
            case "LATEST" -> Position.latest();
            case "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER" -> new Position(type.equals("AT_SEQUENCE_NUMBER")
                    ? Position.Type.AT_SEQUENCE_NUMBER : Position.Type.AFTER_SEQUENCE_NUMBER,
                    start.requiredString("SequenceNumber"), 0);
            case "AT_TIMESTAMP" -> {
                Long ts = start.timestampMillis("Timestamp");
                if (ts == null) {
                    throw AwsException.invalidArgument("Timestamp is required for StartingPosition AT_TIMESTAMP.");
                }
                yield new Position(Position.Type.AT_TIMESTAMP, null, ts);
            }
            default -> throw AwsException.validation("1 validation error detected: Value '" + type
                    + "' at 'startingPosition.type' failed to satisfy constraint: Member must satisfy enum value set: "
                    + "[AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]");
        };
        return new Target(consumer.stream().name(), consumer.name(), consumer.createdAtSeconds(), shardId, position);
    }

    private void start(RoutingContext rc, AwsWireFormat format, String id, Subscription subscription) {
        HttpServerResponse response = rc.response();
        response.setStatusCode(200).setChunked(true).putHeader("Content-Type", EVENT_STREAM)
                .putHeader("x-amzn-RequestId", id);
        response.write(Buffer.buffer(EventStreamMessage.event("initial-response", format.contentType(),
                AwsResponses.write(format, AwsResponses.object()))));
        long session = vertx.setTimer(config.subscribe().sessionDuration().toMillis(), t -> {
            subscription.cancel();
            if (!response.ended() && !response.closed()) {
                response.end();
            }
        });
        response.closeHandler(v -> {
            vertx.cancelTimer(session);
            subscription.cancel();
        });
        response.drainHandler(v -> subscription.pump());
        ((EventSink) subscription.sink()).attach(subscription, session);
        subscription.grant(config.subscribe().maxCredits());
    }

    private static void fail(RoutingContext rc, AwsWireFormat format, String id, AwsException e) {
        if (rc.response().headWritten()) {
            rc.response().reset();
            return;
        }
        rc.response().setStatusCode(e.status()).putHeader("Content-Type", format.contentType())
                .putHeader("x-amzn-RequestId", id).putHeader("x-amzn-ErrorType", e.type())
                .end(Buffer.buffer(AwsResponses.error(format, e)));
    }

    /** Writes pushed records as SubscribeToShardEvents, only while the response can take them. */
    private final class EventSink implements SubscriptionSink {

        private final HttpServerResponse response;
        private final AwsWireFormat format;
        private Subscription subscription;
        private long session = -1;

        EventSink(HttpServerResponse response, AwsWireFormat format) {
            this.response = response;
            this.format = format;
        }

        synchronized void attach(Subscription subscription, long session) {
            this.subscription = subscription;
            this.session = session;
        }

        @Override
        public boolean isReady() {
            return response.headWritten() && !response.ended() && !response.closed() && !response.writeQueueFull();
        }

        @Override
        public void send(ReadResult result) {
            ObjectNode event = AwsResponses.object();
            ArrayNode records = event.putArray("Records");
            int index = result.shard().index();
            for (LogRecord r : result.records()) {
                records.add(KinesisOperations.record(r, index));
            }
            event.put("ContinuationSequenceNumber", result.continuationSequenceNumber());
            event.put("MillisBehindLatest", result.millisBehindLatest());
            if (result.shardEnded()) {
                ArrayNode children = event.putArray("ChildShards");
                for (ShardInfo child : result.childShards()) {
                    children.add(KinesisOperations.childShard(child));
                }
            }
            // The frame's array is wrapped, not copied into another heap buffer.
            Buffer frame = Buffer.buffer(io.netty.buffer.Unpooled.wrappedBuffer(EventStreamMessage.event(
                    "SubscribeToShardEvent", format.contentType(), AwsResponses.write(format, event))));
            Subscription s;
            synchronized (this) {
                s = subscription;
            }
            if (response.ended() || response.closed()) {
                return;
            }
            response.write(frame);
            if (s != null) {
                s.grant(result.records().size());
            }
            if (result.shardEnded()) {
                vertx.cancelTimer(session);
                response.end();
            }
        }

        @Override
        public void fail(LogException error) {
            LOG.debugf("SubscribeToShard ended: %s", error.getMessage());
            if (response.ended() || response.closed()) {
                return;
            }
            AwsException e = KinesisErrors.of(error);
            response.write(Buffer.buffer(EventStreamMessage.exception(e.type(), format.contentType(),
                    AwsResponses.error(format, e))));
            response.end();
        }
    }
}
