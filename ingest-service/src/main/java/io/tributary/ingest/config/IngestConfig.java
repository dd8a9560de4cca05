package io.tributary.ingest.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Configuration of ingest-service ({@code tributary.ingest.*}). */
@ConfigMapping(prefix = "tributary.ingest")
public interface IngestConfig {

    /** Bytes of record data (plus keys) accepted but not yet acknowledged by shard-service, over all requests; above it producers are throttled. */
    @WithDefault("67108864")
    long maxInFlightBytes();

    Batching batching();

    ShardMaps shardMaps();

    Appends appends();

    WebSocket websocket();

    interface WebSocket {
        /** Records a WebSocket producer may have sent and not yet had acknowledged; its credit window. */
        @WithDefault("1000")
        int credits();

        /** How long a paused connection waits before trying again for room in the in-flight budget. */
        @WithDefault("10ms")
        Duration budgetRetry();
    }

    interface Batching {
        /** How long the first record of a batch waits for more records of the same shard before the batch is sent. */
        @WithDefault("2ms")
        Duration linger();

        /** Records after which a batch is sent at once. */
        @WithDefault("1000")
        int maxRecords();

        /** Encoded bytes after which a batch is sent at once. */
        @WithDefault("1048576")
        int maxBytes();
    }

    interface ShardMaps {
        /** How long a stream's shard map is used before it is described again. */
        @WithDefault("10s")
        Duration refreshAfter();
    }

    interface Appends {
        /** Concurrent Append streams to shard-service; batches are spread over them by shard. */
        @WithDefault("2")
        int streams();

        /**
         * How long a batch may wait for shard-service's acknowledgement before its records fail. Below the AWS
         * SDK's 30 s read timeout, so a client gets an answer naming the failed records rather than a timeout.
         */
        @WithDefault("20s")
        Duration timeout();
    }
}
