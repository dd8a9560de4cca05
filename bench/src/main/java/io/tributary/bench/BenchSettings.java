package io.tributary.bench;

import io.tributary.bench.ShardMap.KeyMode;

import java.time.Duration;

/**
 * Everything a run is configured with, validated. Built from the command-line options.
 *
 * @param warmupRate target records/s during the warm-up (0 = unlimited), {@code -1} for the same as {@code rate}
 * @param duration length of the measured phase; with {@code records > 0} an upper bound, or {@code null} for none
 */
public record BenchSettings(
        String target,
        String tenant,
        String streamName,
        int shards,
        int producers,
        int batchRecords,
        int recordBytes,
        int window,
        long rate,
        long warmupRate,
        Duration duration,
        Duration warmup,
        long records,
        KeyMode keyMode,
        AppendForm appendForm,
        Api api,
        String endpoint,
        String accessKeyId,
        String secretAccessKey,
        String apiKey,
        ConsumerKind consumer,
        Duration pollInterval,
        int fanOutConsumers,
        StartPosition startPosition,
        int subscriberCredits,
        Duration ackTimeout,
        Duration catchUpTimeout,
        Duration catchUpMax,
        Duration progressInterval,
        boolean verifyRead,
        boolean verifyData,
        boolean keepStream,
        long seed,
        String pgWaitsUrl) {

    /** How producers put records into an append request. */
    public enum AppendForm {
        /** The log's batch encoding in {@code encoded_records}, as ingest-service sends batches. */
        ENCODED,
        /** One {@code Record} message per record. */
        RECORDS
    }

    /** Which API the producers write through. */
    public enum Api {
        /** shard-service's internal append stream (gRPC), the durable log alone. */
        GRPC,
        /** The public Kinesis API through the gateway (AWS SDK, PutRecords), the whole write path. */
        KINESIS,
        /** The same with PutRecord, one record per request. */
        KINESIS_PUT_RECORD,
        /** WebSocket ingest through the gateway (binary frames, credit-based flow control). */
        WEBSOCKET
    }

    /** How records are consumed. */
    public enum ConsumerKind {
        /** Push: shard-service's subscription (gRPC) per shard. */
        PUSH,
        /** Polling: Kinesis GetRecords per shard through the gateway. */
        POLLING,
        /** Enhanced fan-out: Kinesis SubscribeToShard per shard through the gateway (KinesisAsyncClient, HTTP/2). */
        SUBSCRIBE_TO_SHARD,
        /**
         * A consumer group member through Tributary's Reactive Messaging connector (gRPC): heartbeats,
         * leases, a subscription per leased shard, checkpoints of what was acknowledged.
         */
        GROUP,
        /**
         * No consumer while the load runs (the producers have the machine to themselves, as in a producer
         * benchmark); delivery is checked afterwards by reading every shard ({@code --verify-read} implied).
         */
        NONE
    }

    /** Whether the stored records are read back and checked after the load: asked for, or the only check. */
    public boolean readsBack() {
        return verifyRead || consumer == ConsumerKind.NONE;
    }

    /** Where the subscribers start. */
    public enum StartPosition { LATEST, TRIM_HORIZON }

    /** Largest gRPC message the bench accepts (subscription pushes and reads of 10 000 records). */
    public static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;
    /** grpc-java's default maximum inbound message size, which a server keeps unless configured otherwise. */
    public static final int DEFAULT_SERVER_INBOUND_BYTES = 4 * 1024 * 1024;
    /** Largest record the protocol allows (CreateStreamRequest.max_record_size_bytes). */
    public static final int MAX_RECORD_BYTES = 10 * 1024 * 1024;

    public BenchSettings {
        require(!target.isBlank(), "--target must be host:port");
        require(tenant.matches("\\d{12}"), "--tenant must be 12 digits, got '" + tenant + "'");
        require(streamName.matches("[a-zA-Z0-9_.-]{1,128}"),
                "--stream must be 1..128 characters of a-z, A-Z, 0-9, '_', '.', '-', got '" + streamName + "'");
        require(shards >= 1, "--shards must be at least 1, got " + shards);
        require(producers >= 1 && producers <= Payload.MAX_PRODUCERS,
                "--producers must be 1.." + Payload.MAX_PRODUCERS + ", got " + producers);
        require(batchRecords >= 1 && batchRecords <= 10_000, "--batch-records must be 1..10000, got " + batchRecords);
        require(recordBytes >= Payload.HEADER_BYTES && recordBytes <= MAX_RECORD_BYTES,
                "--record-bytes must be " + Payload.HEADER_BYTES + ".." + MAX_RECORD_BYTES
                        + " (the first 16 bytes carry producer, counter and send time), got " + recordBytes);
        require(window >= 1, "--window must be at least 1, got " + window);
        require(rate >= 0, "--rate must be 0 (unlimited) or positive, got " + rate);
        require(warmupRate >= -1, "--warmup-rate must be 0 (unlimited) or positive, got " + warmupRate);
        require(records >= 0, "--records must be 0 (use --duration) or positive, got " + records);
        require(duration == null || !duration.isNegative() && !duration.isZero(), "--duration must be positive");
        require(records > 0 || duration != null, "give --duration or --records");
        require(!warmup.isNegative(), "--warmup must not be negative");
        require(api != Api.KINESIS || batchRecords <= 500, "--api kinesis sends PutRecords of at most 500 records (--batch-records)");
        require(consumer == ConsumerKind.PUSH || consumer == ConsumerKind.GROUP || consumer == ConsumerKind.NONE || api != Api.GRPC, "--consumer polling and subscribe_to_shard read through the Kinesis API: use them with the gateway (--api kinesis, kinesis_put_record or websocket)");
        require(!pollInterval.isNegative(), "--poll-interval must not be negative");
        require(fanOutConsumers >= 1, "--fan-out-consumers must be at least 1");
        require(fanOutConsumers == 1 || consumer == ConsumerKind.SUBSCRIBE_TO_SHARD,
                "--fan-out-consumers counts enhanced fan-out consumers: use it with --consumer subscribe_to_shard");
        require(subscriberCredits >= 1, "--subscriber-credits must be at least 1, got " + subscriberCredits);
        require(ackTimeout.toMillis() > 0, "--ack-timeout must be positive");
        require(!catchUpTimeout.isNegative(), "--catch-up-timeout must not be negative");
        require(!catchUpMax.isNegative(), "--catch-up-max must not be negative");
        require(progressInterval.toMillis() > 0, "--progress-interval must be positive");
    }

    /** Bytes of record data in one full batch. */
    public long batchBytes() {
        return (long) batchRecords * recordBytes;
    }

    /** Maximum record size to ask for at stream creation: 0 (the service default, 1 MiB) unless records need more. */
    public int maxRecordSizeToRequest() {
        int needed = recordBytes + 256; // data plus the longest partition key the service allows
        return needed <= 1024 * 1024 ? 0 : Math.min(MAX_RECORD_BYTES, needed);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Target records/s in the given phase (0 = unlimited). */
    public long rateFor(boolean measured) {
        return measured || warmupRate < 0 ? rate : warmupRate;
    }
}
