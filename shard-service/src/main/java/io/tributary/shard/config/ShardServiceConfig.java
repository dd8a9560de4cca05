package io.tributary.shard.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Settings of shard-service, under {@code tributary.shard}. */
@ConfigMapping(prefix = "tributary.shard")
public interface ShardServiceConfig {

    /** Region written into stream ARNs. */
    @WithDefault("us-east-1")
    String region();

    Streams streams();

    Append append();

    Read read();

    Subscribe subscribe();

    Storage storage();

    Consumers consumers();

    Encryption encryption();

    Ownership ownership();

    /** Shard ownership between instances sharing one PostgreSQL: write leases and failover. */
    interface Ownership {
        /**
         * This instance's gRPC endpoint as other services reach it ({@code host:port}); by default
         * {@code localhost} and the gRPC server port, right for instances on one machine.
         */
        java.util.Optional<String> advertisedEndpoint();

        /** How often the instance tells the others it is alive and checks its leases. */
        @WithDefault("1s")
        Duration renewInterval();

        /**
         * An instance that has not renewed for this long is dead: any other instance may take its shards.
         * Also the longest time a shard of a killed instance has no writer, plus one renew interval.
         */
        @WithDefault("4s")
        Duration leaseDuration();

        /**
         * How often subscriptions to shards written by another instance look for new records in storage, in
         * one query for all such shards (subscriptions on the owner are woken by each commit instead).
         */
        @WithDefault("25ms")
        Duration followInterval();
    }

    interface Encryption {
        /**
         * The key ring: master keys as {@code id=base64-of-32-bytes} pairs separated by {@code ;}. Streams
         * name a key by id, by alias, or by a KMS key or alias ARN ending in either.
         */
        java.util.Optional<String> keyRing();

        /** Aliases of ring keys as {@code alias/name=id} pairs separated by {@code ;}. */
        java.util.Optional<String> aliases();
    }

    interface Consumers {
        /** How often consumer group members are asked to heartbeat. */
        @WithDefault("1s")
        Duration heartbeatInterval();

        /** A member that has not heartbeat for this long loses its shards to the others. */
        @WithDefault("10s")
        Duration sessionTimeout();
    }

    interface Streams {
        /** Largest shard count a stream may be created with. */
        @WithDefault("1024")
        int maxShardCount();

        /** Enhanced fan-out consumers one stream may have registered (Kinesis's limit is 20). */
        @WithDefault("20")
        int maxConsumersPerStream();

        /** Open shards one account (tenant) may have over all its streams (Kinesis's shard limit). */
        @WithDefault("10000")
        int maxOpenShardsPerAccount();

        /** Retention given to a stream created without one, in hours. */
        @WithDefault("24")
        int defaultRetentionHours();

        /** Maximum record size (data plus partition key) of a stream created without one, in bytes. */
        @WithDefault("1048576")
        int defaultMaxRecordSizeBytes();

        /** Upper bound a stream's maximum record size may be set to, in bytes (10 MiB). */
        @WithDefault("10485760")
        int maxRecordSizeLimitBytes();
    }

    interface Append {
        /** Most records one appended batch may hold. */
        @WithDefault("10000")
        int maxBatchRecords();

        /** Most bytes (data plus keys) one appended batch may hold. */
        @WithDefault("16777216")
        int maxBatchBytes();

        /**
         * Number of commit pipelines. Each owns a share of the shards and commits its queued batches as one
         * group per transaction; groups of different pipelines commit in parallel.
         */
        @WithDefault("4")
        int commitPipelines();

        /**
         * How a group of batches is written: {@code copy} (binary COPY through the JDBC driver on one thread
         * per pipeline; PostgreSQL then extends the table many pages at a time) or {@code insert} (one
         * INSERT through the reactive client).
         */
        @WithDefault("copy")
        Statement statement();

        /** The two ways of writing a group; see {@link #statement()}. */
        enum Statement { COPY, INSERT }

        /** Largest group one commit takes from a pipeline's queue, in bytes. */
        @WithDefault("8388608")
        int maxGroupBytes();

        /**
         * Bytes waiting to be committed (over all pipelines) above which append streams stop being read;
         * they resume when the queue drains below it.
         */
        @WithDefault("67108864")
        long commitQueueBytes();

        /** Unacknowledged batches one append stream may have in flight before it stops being read. */
        @WithDefault("32")
        int maxInFlightBatchesPerStream();
    }

    interface Read {
        /** Byte budget of one read when the caller does not give one. */
        @WithDefault("10485760")
        int defaultMaxBytes();

        /**
         * Most stored rows fetched from PostgreSQL by one query of a read (a row holds at most
         * {@code storage.row-bytes} of records, unless a single record is larger).
         */
        @WithDefault("256")
        int rowsPerQuery();

        /** Recently committed bytes kept in memory per shard, so live readers never touch PostgreSQL. */
        @WithDefault("8388608")
        long tailBytesPerShard();

        /**
         * Bound of the in-memory tails of all shards together; above it, a shard that commits drops its own
         * oldest tail batches first.
         */
        @WithDefault("268435456")
        long tailBytesTotal();
    }

    interface Subscribe {
        /** Most records in one pushed message. */
        @WithDefault("1000")
        int maxRecordsPerMessage();

        /** Byte budget of one pushed message. */
        @WithDefault("1048576")
        int maxBytesPerMessage();

        /** How long one SubscribeToShard call streams before it ends (Kinesis: 5 minutes). */
        @WithDefault("5m")
        Duration sessionDuration();

        /** Largest credit (records) a subscriber may hold; grants beyond it are capped. */
        @WithDefault("100000")
        long maxCredits();
    }

    interface Storage {
        /**
         * Largest stored row's payload, in bytes: a larger batch is stored as several rows of consecutive
         * records. Rows that fit a page (8 KB with the row's other columns) stay in the table itself rather
         * than in PostgreSQL's TOAST table.
         */
        @WithDefault("7900")
        int rowBytes();

        /** How many daily partitions of the batch table are kept created ahead of today. */
        @WithDefault("3")
        int partitionsAhead();

        /** How often partitions are checked and deleted streams purged. */
        @WithDefault("1m")
        Duration maintenanceInterval();

        /**
         * How long one maintenance round may spend erasing the batches of deleted streams (a few hundred
         * rows per transaction); what is left goes in the next rounds. Erasing competes with live writes
         * for the disk and the WAL, hence a small share of each round. 0 leaves them to expire with their
         * partitions.
         */
        @WithDefault("3s")
        Duration eraseTimePerRound();

        /**
         * After each erasing transaction, maintenance waits this many times as long as the transaction took
         * before the next one, so erasing a large deleted stream takes at most 1/(1+ratio) of a database
         * connection's time and its WAL comes in small doses rather than a burst that live commits would
         * wait behind. 0 erases without pauses.
         */
        @WithDefault("4")
        int erasePauseRatio();
    }
}
