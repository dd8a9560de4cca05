package io.tributary.bench;

import io.quarkus.picocli.runtime.annotations.TopCommand;
import io.tributary.bench.BenchSettings.StartPosition;
import io.tributary.bench.BenchSettings.Api;
import io.tributary.bench.BenchSettings.AppendForm;
import io.tributary.bench.BenchSettings.ConsumerKind;
import io.tributary.bench.ShardMap.KeyMode;
import io.tributary.bench.config.DurationConverter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * The command line of the bench. Options are the bench's whole configuration: it is a tool run by hand, so
 * there is no {@code @ConfigMapping}; every option has its default in {@code --help} and in the README.
 */
@TopCommand
@Command(name = "tributary-bench", mixinStandardHelpOptions = true, version = "tributary-bench 0.1.0",
        sortOptions = false, showDefaultValues = true, usageHelpWidth = 110,
        description = {
                "Load generator for the durable append path of shard-service over gRPC.",
                "Creates its own stream, appends with N producers (Append streams), receives everything with one",
                "subscription per shard, and reports throughput, acknowledgement and end-to-end latency, and whether",
                "every acknowledged record was delivered exactly once.",
                ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:every acknowledged record was delivered exactly once",
                "1:records lost, duplicated, corrupted or out of order",
                "2:invalid options",
                "3:run incomplete or invalid (cannot connect, refused or unanswered batches, failed streams)"})
public class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--target", defaultValue = "localhost:9082", description = "host:port of shard-service's gRPC server.")
    String target;

    @Option(names = "--tenant", defaultValue = "000000000000", description = "Tenant (12-digit account id) of the stream.")
    String tenant;

    @Option(names = "--stream", defaultValue = "", showDefaultValue = CommandLine.Help.Visibility.NEVER,
            description = "Name of the stream to create (default: bench-<epoch millis>). It must not exist.")
    String stream;

    @Option(names = "--shards", defaultValue = "4", description = "Shards of the stream.")
    int shards;

    @Option(names = "--producers", defaultValue = "4",
            description = "Concurrent producers, each with its own connection and Append stream.")
    int producers;

    @Option(names = "--batch-records", defaultValue = "500", description = "Records per batch (all for one shard).")
    int batchRecords;

    @Option(names = "--record-bytes", defaultValue = "1024",
            description = "Bytes of data per record (at least 16: producer, counter, send time).")
    int recordBytes;

    @Option(names = "--window", defaultValue = "8", description = "Unacknowledged batches allowed per producer.")
    int window;

    @Option(names = "--rate", defaultValue = "0",
            description = "Target records/s over all producers; 0 = as fast as the window allows.")
    long rate;

    @Option(names = "--warmup-rate", defaultValue = "-1", paramLabel = "<rate>",
            description = "Target records/s during the warm-up only (0 = unlimited); default: the same as --rate. "
                    + "A rate the consumers can follow lets the JIT compilers of every process finish while nobody "
                    + "falls behind, before an unlimited measured phase.")
    long warmupRate;

    @Option(names = "--duration", converter = DurationConverter.class, paramLabel = "<duration>",
            description = "Length of the measured phase (default 30s; with --records: no limit unless given).")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "5s", converter = DurationConverter.class, paramLabel = "<duration>",
            description = "Load before the measured phase, not counted in throughput and latency.")
    Duration warmup;

    @Option(names = "--records", defaultValue = "0",
            description = "Records to send in the measured phase, then stop; 0 = run for --duration.")
    long records;

    @Option(names = "--keys", defaultValue = "MD5", paramLabel = "md5|explicit",
            description = "md5: random partition keys grouped by the shard of MD5(key); explicit: also an explicit_hash_key in the shard's range.")
    KeyMode keys;

    @Option(names = "--append-form", defaultValue = "ENCODED", paramLabel = "encoded|records",
            description = "encoded: batches in the log's encoding (encoded_records), as ingest-service sends them; records: one Record message per record.")
    AppendForm appendForm;

    @Option(names = "--api", defaultValue = "GRPC", paramLabel = "grpc|kinesis|kinesis_put_record|websocket",
            description = "grpc: shard-service's internal append stream (the log alone); kinesis: PutRecords through the gateway with the AWS SDK (the whole public write path); kinesis_put_record: PutRecord, one record per request; websocket: WebSocket ingest through the gateway.")
    Api api;

    @Option(names = "--endpoint", defaultValue = "http://localhost:4566", description = "The gateway, for --api kinesis and --consumer polling.")
    String endpoint;

    @Option(names = "--access-key", defaultValue = "test", description = "Access key id for the gateway (its account must be --tenant).")
    String accessKey;

    @Option(names = "--secret-key", defaultValue = "test", description = "Secret access key for the gateway.")
    String secretKey;

    @Option(names = "--api-key", defaultValue = "test", description = "Bearer API key for the gateway's WebSocket ingest (its account must be --tenant).")
    String apiKey;

    @Option(names = "--consumer", defaultValue = "PUSH", paramLabel = "push|polling|subscribe_to_shard|group|none",
            description = "push: a shard-service subscription per shard (gRPC); polling: Kinesis GetRecords per shard through the gateway; "
                    + "subscribe_to_shard: Kinesis SubscribeToShard (enhanced fan-out) per shard through the gateway; "
                    + "group: one consumer group member through Tributary's Reactive Messaging connector (shard-service at --target), "
                    + "acknowledging every message, --subscriber-credits messages outstanding; "
                    + "none: no consumer during the load (no end-to-end latency), every shard read back and checked afterwards.")
    ConsumerKind consumer;

    @Option(names = "--poll-interval", defaultValue = "10ms", converter = DurationConverter.class, paramLabel = "<duration>",
            description = "With --consumer polling: the pause after a GetRecords that returned nothing.")
    Duration pollInterval;

    @Option(names = "--fan-out-consumers", defaultValue = "1", paramLabel = "<n>",
            description = "With --consumer subscribe_to_shard: this many registered consumers read every shard at once; each is checked for exactly-once delivery and timed.")
    int fanOutConsumers;

    @Option(names = "--start-position", defaultValue = "LATEST", paramLabel = "latest|trim_horizon",
            description = "Where the subscriptions start.")
    StartPosition startPosition;

    @Option(names = "--subscriber-credits", defaultValue = "10000",
            description = "Records each subscription keeps granted (credits are renewed as records are consumed).")
    int subscriberCredits;

    @Option(names = "--ack-timeout", defaultValue = "60s", converter = DurationConverter.class, paramLabel = "<duration>",
            description = "How long a producer waits for its last acknowledgements after the load stops.")
    Duration ackTimeout;

    @Option(names = "--catch-up-timeout", defaultValue = "30s", converter = DurationConverter.class, paramLabel = "<duration>",
            description = "After the load, how long the subscribers may receive nothing while acknowledged records are still missing.")
    Duration catchUpTimeout;

    @Option(names = "--catch-up-max", defaultValue = "10m", converter = DurationConverter.class, paramLabel = "<duration>",
            description = "Upper bound of the whole wait for the subscribers after the load, even while they make progress.")
    Duration catchUpMax;

    @Option(names = "--progress-interval", defaultValue = "5s", converter = DurationConverter.class, paramLabel = "<duration>",
            description = "Interval of the progress line.")
    Duration progressInterval;

    @Option(names = "--verify-read", description = "Afterwards, read every shard from TRIM_HORIZON with Read and check it too.")
    boolean verifyRead;

    @Option(names = "--verify-data", description = "Check every payload byte the subscribers receive (costs client CPU).")
    boolean verifyData;

    @Option(names = "--keep-stream", description = "Do not delete the stream at the end.")
    boolean keepStream;

    @Option(names = "--pg-waits", arity = "0..1", paramLabel = "<jdbc-url>",
            fallbackValue = "jdbc:postgresql://127.0.0.1:5433/tributary?user=postgres&password=postgres",
            description = "During the measured phase, sample what PostgreSQL's busy backends wait for (pg_stat_activity, "
                    + "every 25 ms) and print the shares. Without a value: the embedded PostgreSQL of ./tributary up.")
    String pgWaits;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the random partition keys and payload filler.")
    long seed;

    /** Parser settings shared by the Quarkus entry point and plain {@code new CommandLine(...)} (tests). */
    public static CommandLine configure(CommandLine commandLine) {
        return commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    }

    @Override
    public Integer call() {
        BenchSettings settings;
        try {
            settings = settings();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        return new BenchRun(settings, spec.commandLine().getOut()).execute();
    }

    BenchSettings settings() {
        String name = stream.isBlank() ? "bench-" + System.currentTimeMillis() : stream;
        Duration measured = duration != null ? duration : records > 0 ? null : Duration.ofSeconds(30);
        return new BenchSettings(target, tenant, name, shards, producers, batchRecords, recordBytes, window, rate,
                warmupRate, measured, warmup, records, keys, appendForm, api, endpoint, accessKey, secretKey, apiKey, consumer, pollInterval, fanOutConsumers, startPosition, subscriberCredits, ackTimeout, catchUpTimeout,
                catchUpMax,
                progressInterval, verifyRead, verifyData, keepStream, seed, pgWaits);
    }
}
