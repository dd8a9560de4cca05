package io.tributary.connector;

import io.tributary.protocol.v1.Position;
import io.tributary.protocol.v1.PositionType;
import org.eclipse.microprofile.config.Config;

import java.time.Instant;
import java.util.Locale;
import java.util.UUID;

/** The attributes of an incoming {@code tributary} channel, read and checked once at startup. */
final class TributaryIncomingConfig {

    /** What happens to a record whose message was nacked. */
    enum FailureStrategy {
        FAIL, IGNORE, DEAD_LETTER_STREAM
    }

    private final String channel;
    private final String stream;
    private final String group;
    private final String memberId;
    private final String tenant;
    private final Position initialPosition;
    private final int batchSize;
    private final boolean checkpointEveryAck;
    private final long checkpointIntervalMillis;
    private final FailureStrategy failureStrategy;
    private final String deadLetterStream;
    private final boolean ignoreLineage;

    TributaryIncomingConfig(Config c) {
        channel = c.getOptionalValue("channel-name", String.class).orElse("?");
        stream = required(c, "stream");
        group = c.getOptionalValue("group", String.class).orElse(channel);
        memberId = c.getOptionalValue("member-id", String.class).orElse(defaultMemberId());
        tenant = c.getOptionalValue("tenant", String.class).orElse(TributaryConnector.DEFAULT_TENANT);
        initialPosition = position(c.getOptionalValue("starting-position", String.class).orElse("LATEST"),
                c.getOptionalValue("starting-timestamp", String.class).orElse(null));
        batchSize = c.getOptionalValue("batch-size", Integer.class).orElse(500);
        if (batchSize < 1) {
            throw invalid("batch-size must be at least 1, not " + batchSize);
        }
        String commit = c.getOptionalValue("commit-strategy", String.class).orElse("throttled");
        switch (commit) {
            case "throttled" -> checkpointEveryAck = false;
            case "ack" -> checkpointEveryAck = true;
            default -> throw invalid("unknown commit-strategy '" + commit + "'; valid: throttled, ack");
        }
        checkpointIntervalMillis = c.getOptionalValue("checkpoint-interval-ms", Long.class).orElse(1000L);
        String failure = c.getOptionalValue("failure-strategy", String.class).orElse("fail");
        failureStrategy = switch (failure) {
            case "fail" -> FailureStrategy.FAIL;
            case "ignore" -> FailureStrategy.IGNORE;
            case "dead-letter-stream" -> FailureStrategy.DEAD_LETTER_STREAM;
            default -> throw invalid("unknown failure-strategy '" + failure + "'; valid: fail, ignore, dead-letter-stream");
        };
        deadLetterStream = c.getOptionalValue("dead-letter-stream", String.class).orElse(null);
        if (failureStrategy == FailureStrategy.DEAD_LETTER_STREAM && deadLetterStream == null) {
            throw invalid("failure-strategy dead-letter-stream needs the attribute dead-letter-stream (a stream name)");
        }
        ignoreLineage = c.getOptionalValue("ignore-lineage", Boolean.class).orElse(false);
    }

    private String required(Config c, String name) {
        return c.getOptionalValue(name, String.class).orElseThrow(() -> invalid("the attribute " + name + " is required"));
    }

    private IllegalArgumentException invalid(String message) {
        return new IllegalArgumentException("channel " + channel + " (connector tributary): " + message);
    }

    private Position position(String type, String timestamp) {
        return switch (type.toUpperCase(Locale.ROOT)) {
            case "TRIM_HORIZON" -> Position.newBuilder().setType(PositionType.TRIM_HORIZON).build();
            case "LATEST" -> Position.newBuilder().setType(PositionType.LATEST).build();
            case "AT_TIMESTAMP" -> {
                if (timestamp == null) {
                    throw invalid("starting-position AT_TIMESTAMP needs starting-timestamp (ISO-8601)");
                }
                yield Position.newBuilder().setType(PositionType.AT_TIMESTAMP)
                        .setTimestampMillis(Instant.parse(timestamp).toEpochMilli()).build();
            }
            default -> throw invalid("unknown starting-position '" + type + "'; valid: TRIM_HORIZON, LATEST, AT_TIMESTAMP");
        };
    }

    private static String defaultMemberId() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "member";
        }
        return host + "-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    String stream() { return stream; }
    String group() { return group; }
    String memberId() { return memberId; }
    String tenant() { return tenant; }
    Position initialPosition() { return initialPosition; }
    int batchSize() { return batchSize; }
    boolean checkpointEveryAck() { return checkpointEveryAck; }
    long checkpointIntervalMillis() { return checkpointIntervalMillis; }
    FailureStrategy failureStrategy() { return failureStrategy; }
    String deadLetterStream() { return deadLetterStream; }
    boolean ignoreLineage() { return ignoreLineage; }
}
