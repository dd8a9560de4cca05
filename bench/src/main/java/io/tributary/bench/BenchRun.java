package io.tributary.bench;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tributary.bench.BenchSettings.Api;
import io.tributary.bench.BenchSettings.ConsumerKind;
import io.tributary.bench.BenchSettings.StartPosition;
import io.tributary.bench.ShardMap.KeyPool;
import io.tributary.bench.client.Channels;
import io.tributary.bench.client.KinesisClients;
import io.tributary.bench.client.StreamAdminClient;
import io.tributary.bench.load.Probe;
import io.tributary.bench.load.KinesisPoller;
import io.tributary.bench.load.KinesisProducer;
import io.tributary.bench.load.LoadProducer;
import io.tributary.bench.load.Producer;
import io.tributary.bench.load.ShardConsumer;
import io.tributary.bench.load.WebSocketProducer;
import io.tributary.bench.load.ReadVerifier;
import io.tributary.bench.load.RunControl;
import io.tributary.bench.load.ShardSubscriber;
import io.tributary.bench.measure.DeliveryLedger;
import io.tributary.bench.measure.Format;
import io.tributary.bench.measure.Latencies;
import io.tributary.bench.measure.LoadStats;
import io.tributary.bench.measure.PostgresWaits;
import io.tributary.bench.measure.ProgressReporter;
import io.tributary.protocol.v1.PositionType;
import io.tributary.protocol.v1.Shard;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.protocol.v1.StreamLogGrpc;
import io.tributary.protocol.v1.StreamRef;
import org.HdrHistogram.Histogram;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * One run: create the stream, start the subscriptions, prove them live, load, drain, wait for the subscribers
 * to catch up, check, report, delete the stream.
 */
public final class BenchRun {

    public static final int EXIT_PASS = 0;
    public static final int EXIT_DELIVERY_FAILED = 1;
    public static final int EXIT_INCOMPLETE = 3;

    private static final Duration ACTIVE_TIMEOUT = Duration.ofSeconds(30);
    private static final int KEYS_PER_SHARD = 1024;
    private static final long CATCH_UP_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final BenchSettings settings;
    private final PrintWriter out;
    /** What {@code --pg-waits} saw during the measured phase, or {@code null}. */
    private String pgWaits;
    private final StreamRef stream;

    public BenchRun(BenchSettings settings, PrintWriter out) {
        this.settings = settings;
        this.out = out;
        this.stream = StreamRef.newBuilder().setTenantId(settings.tenant()).setStreamName(settings.streamName()).build();
    }

    public int execute() {
        printSettings();
        try (Channels channels = new Channels(settings.target(), BenchSettings.MAX_INBOUND_MESSAGE_BYTES)) {
            ManagedChannel controlChannel = channels.open();
            StreamAdminClient admin = new StreamAdminClient(controlChannel);
            StreamDescription created;
            try {
                created = admin.create(stream, settings.shards(), settings.maxRecordSizeToRequest());
            } catch (StatusRuntimeException e) {
                out.println("FAILED: cannot create stream " + name() + " at " + settings.target() + ": "
                        + StreamAdminClient.describe(e));
                if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                    out.println("Is shard-service running? Start the platform with ./tributary up, or shard-service alone"
                            + " (see bench/README.md), or point --target at its gRPC port.");
                }
                out.flush();
                return EXIT_INCOMPLETE;
            }
            StreamCleanup cleanup = new StreamCleanup(admin);
            Thread hook = new Thread(cleanup, "bench-stream-cleanup");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                return load(channels, controlChannel, admin, created);
            } catch (StatusRuntimeException e) {
                out.println("FAILED: " + StreamAdminClient.describe(e));
                return EXIT_INCOMPLETE;
            } catch (IllegalStateException | IllegalArgumentException e) {
                out.println("FAILED: " + e.getMessage());
                return EXIT_INCOMPLETE;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                out.println("FAILED: interrupted");
                return EXIT_INCOMPLETE;
            } finally {
                cleanup.run();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running or has run: nothing left to do
                }
                out.flush();
            }
        }
    }

    private int load(Channels channels, ManagedChannel controlChannel, StreamAdminClient admin, StreamDescription created)
            throws InterruptedException {
        StreamDescription active = admin.awaitActive(stream, created, ACTIVE_TIMEOUT);
        List<Shard> listed = admin.listShards(stream);
        printStream(active, listed);
        ShardMap shards = ShardMap.ofOpenShards(listed);
        if (shards.size() != settings.shards()) {
            out.printf("WARNING: asked for %d shards, the stream has %d open ones%n", settings.shards(), shards.size());
        }
        KeyPool keys = shards.keyPool(settings.keyMode(), KEYS_PER_SHARD, settings.seed());
        Payload payload = new Payload(settings.recordBytes(), settings.seed());
        DeliveryLedger ledger = new DeliveryLedger(settings.producers());
        Latencies latencies = new Latencies();
        LoadStats stats = new LoadStats();
        RunControl control = new RunControl(settings.records());

        List<ShardConsumer> subscribers = new ArrayList<>();
        List<KinesisClient> kinesisClients = new ArrayList<>();
        List<software.amazon.awssdk.services.kinesis.KinesisAsyncClient> asyncClients = new ArrayList<>();
        fanOut.clear();
        PositionType position = settings.startPosition() == StartPosition.LATEST ? PositionType.LATEST : PositionType.TRIM_HORIZON;
        try {
            if (settings.consumer() == ConsumerKind.POLLING) {
                KinesisClient reader = KinesisClients.create(settings);
                kinesisClients.add(reader);
                for (ShardMap.ShardRange shard : shards.shards()) {
                    KinesisPoller poller = new KinesisPoller(shard, settings.streamName(), reader, settings.pollInterval(),
                            ledger, latencies, stats);
                    // LATEST is fixed when the iterator is issued, before any load: no probe needed.
                    poller.start(position == PositionType.LATEST ? ShardIteratorType.LATEST : ShardIteratorType.TRIM_HORIZON);
                    subscribers.add(poller);
                }
                out.printf("Polling %d shards with GetRecords through %s from %s%n", shards.size(), settings.endpoint(), position);
            } else if (settings.consumer() == ConsumerKind.SUBSCRIBE_TO_SHARD) {
                KinesisClient kinesisAdmin = KinesisClients.create(settings);
                kinesisClients.add(kinesisAdmin);
                software.amazon.awssdk.services.kinesis.KinesisAsyncClient async = KinesisClients.createAsync(settings);
                asyncClients.add(async);
                String streamArn = kinesisAdmin.describeStreamSummary(b -> b.streamName(settings.streamName()))
                        .streamDescriptionSummary().streamARN();
                long suffix = System.currentTimeMillis();
                for (int c = 0; c < settings.fanOutConsumers(); c++) {
                    String consumerName = "bench-" + suffix + "-" + c;
                    String consumerArn = kinesisAdmin.registerStreamConsumer(b -> b.streamARN(streamArn)
                            .consumerName(consumerName)).consumer().consumerARN();
                    // The first consumer feeds the run's own ledger and latencies; every further one its own.
                    DeliveryLedger receipts = c == 0 ? ledger : new DeliveryLedger(settings.producers());
                    Latencies own = c == 0 ? latencies : new Latencies();
                    LoadStats ownStats = c == 0 ? stats : new LoadStats();
                    if (c > 0) {
                        fanOut.add(new FanOutConsumer(consumerName, receipts, own));
                    }
                    for (ShardMap.ShardRange shard : shards.shards()) {
                        io.tributary.bench.load.KinesisFanOutSubscriber subscriber = new io.tributary.bench.load.KinesisFanOutSubscriber(
                                shard, consumerArn, async, receipts, own, ownStats);
                        subscriber.start();
                        subscribers.add(subscriber);
                    }
                }
                out.printf("SubscribeToShard sessions open on %d shards through %s (%d enhanced fan-out consumer(s))%n",
                        shards.size(), settings.endpoint(), settings.fanOutConsumers());
            } else if (settings.consumer() == ConsumerKind.GROUP) {
                io.tributary.bench.load.GroupConsumer member = new io.tributary.bench.load.GroupConsumer(ledger, latencies,
                        stats, settings.subscriberCredits());
                String[] hostPort = settings.target().split(":");
                String group = "bench-" + System.currentTimeMillis();
                member.start(hostPort[0], Integer.parseInt(hostPort[1]), settings.tenant(), settings.streamName(), group);
                subscribers.add(member);
                long joinStart = System.nanoTime();
                awaitGroupHoldsEveryShard(controlChannel, group, shards.size());
                out.printf("Consumer group %s: one member (the connector) holds all %d shards, from TRIM_HORIZON, after %s%n",
                        group, shards.size(), Format.millis((System.nanoTime() - joinStart) / 1000));
            } else if (settings.consumer() == ConsumerKind.NONE) {
                out.println("No consumer during the load: every shard is read back from TRIM_HORIZON and checked afterwards");
            } else {
                List<ShardSubscriber> pushed = new ArrayList<>();
                for (ShardMap.ShardRange shard : shards.shards()) {
                    ShardSubscriber subscriber = new ShardSubscriber(shard, stream, StreamLogGrpc.newStub(channels.open()),
                            settings.subscriberCredits(), ledger, latencies, stats, settings.verifyData() ? payload : null);
                    subscriber.start(position);
                    pushed.add(subscriber);
                    subscribers.add(subscriber);
                }
                long probeStart = System.nanoTime();
                Probe.awaitLive(StreamLogGrpc.newStub(controlChannel), stream, shards, keys, pushed);
                out.printf("Subscriptions live on %d shards from %s (a probe record reached each) in %s%n", shards.size(),
                        position, Format.millis((System.nanoTime() - probeStart) / 1000));
            }
            out.flush();

            List<LoadProducer> producers = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < settings.producers(); p++) {
                LoadProducer producer;
                if (settings.api() == Api.WEBSOCKET) {
                    producer = new WebSocketProducer(p, settings, shards, keys, payload, control, ledger, latencies, stats);
                } else if (settings.api() == Api.KINESIS || settings.api() == Api.KINESIS_PUT_RECORD) {
                    KinesisClient writer = KinesisClients.create(settings);
                    kinesisClients.add(writer);
                    producer = new KinesisProducer(p, settings, shards, keys, payload, writer, control, ledger, latencies, stats);
                } else {
                    producer = new Producer(p, settings, stream, shards, keys, payload,
                            StreamLogGrpc.newStub(channels.open()), control, ledger, latencies, stats);
                }
                producers.add(producer);
                Thread thread = new Thread(producer, "producer-" + p);
                thread.setDaemon(true); // a producer stuck past its deadline must not keep the JVM alive
                threads.add(thread);
            }
            long catchUpNanos;
            long drainNanos;
            try (ProgressReporter progress = new ProgressReporter(out, control, stats, latencies, ledger,
                    settings.recordBytes(), settings.progressInterval())) {
                if (settings.warmup().isZero()) {
                    control.startMeasuring(); // before the first batch, so that every batch is measured
                }
                threads.forEach(Thread::start);
                if (settings.warmup().isZero() || !control.awaitStop(settings.warmup())) {
                    control.startMeasuring();
                    if (!settings.warmup().isZero()) {
                        out.println("Warm-up done: measuring");
                        out.flush();
                    }
                    PostgresWaits waits = settings.pgWaitsUrl() == null ? null : new PostgresWaits(settings.pgWaitsUrl());
                    control.awaitStop(settings.duration());
                    if (waits != null) {
                        waits.close();
                        pgWaits = waits.summary();
                    }
                }
                control.stopSending();
                long stopped = System.nanoTime();
                long joinDeadline = stopped + settings.ackTimeout().toNanos() + TimeUnit.SECONDS.toNanos(30);
                for (Thread thread : threads) {
                    thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinDeadline - System.nanoTime())));
                    if (thread.isAlive()) {
                        stats.problem(thread.getName() + " did not finish");
                    }
                }
                drainNanos = System.nanoTime() - stopped;
                catchUpNanos = awaitCatchUp(ledger, stats, subscribers);
                awaitFanOutCatchUp(ledger);
            }
            for (ShardConsumer subscriber : subscribers) {
                subscriber.close();
            }
            ReadVerifier.Result read = null;
            String readFailure = null;
            if (settings.readsBack()) {
                try {
                    read = ReadVerifier.verify(StreamLogGrpc.newBlockingStub(controlChannel), stream, shards, ledger, payload);
                } catch (StatusRuntimeException e) {
                    readFailure = StreamAdminClient.describe(e);
                } catch (IllegalStateException e) {
                    readFailure = e.getMessage();
                }
            }
            return report(control, stats, latencies, ledger, subscribers, producers, drainNanos, catchUpNanos, read, readFailure);
        } finally {
            for (ShardConsumer subscriber : subscribers) {
                subscriber.close();
            }
            kinesisClients.forEach(KinesisClient::close);
            asyncClients.forEach(software.amazon.awssdk.services.kinesis.KinesisAsyncClient::close);
        }
    }

    /**
     * Waits until the subscribers have every acknowledged record, as long as they make progress (a record
     * within --catch-up-timeout) and at most --catch-up-max in all. Returns how long it waited.
     */
    /** Waits (bounded) until the group's member holds every shard, so records are read as they commit. */
    private void awaitGroupHoldsEveryShard(ManagedChannel controlChannel, String group, int shards) throws InterruptedException {
        var groups = io.tributary.protocol.v1.ConsumerGroupsGrpc.newBlockingStub(controlChannel);
        var request = io.tributary.protocol.v1.DescribeGroupRequest.newBuilder().setGroup(io.tributary.protocol.v1.GroupRef
                .newBuilder().setStream(stream).setGroup(group)).build();
        long deadline = System.nanoTime() + ACTIVE_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                var d = groups.withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS).describeGroup(request);
                if (d.getShardsCount() >= shards && d.getShardsList().stream().allMatch(s -> !s.getOwner().isEmpty())) {
                    return;
                }
            } catch (io.grpc.StatusRuntimeException notYet) {
                // the group is created by the member's first heartbeat
            }
            Thread.sleep(100);
        }
        out.println("WARNING: the consumer group did not hold every shard within " + Format.duration(ACTIVE_TIMEOUT));
    }

    /** A further enhanced fan-out consumer: what it received and how long each record took to reach it. */
    private record FanOutConsumer(String name, DeliveryLedger receipts, Latencies latencies) {
    }

    private final List<FanOutConsumer> fanOut = new ArrayList<>();

    /**
     * Prints one line per further fan-out consumer (after waiting a bounded time for it to catch up) and
     * says whether each got every acknowledged record exactly once.
     */
    /** Gives the further fan-out consumers the catch-up time the first one had, each, before they are closed. */
    private void awaitFanOutCatchUp(DeliveryLedger ledger) {
        for (FanOutConsumer c : fanOut) {
            long deadline = System.nanoTime() + settings.catchUpMax().toNanos();
            while (ledger.withReceiptsOf(c.receipts()).summarize().lost() > 0 && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
            }
        }
    }

    private boolean reportFanOut(DeliveryLedger ledger) {
        boolean ok = true;
        for (FanOutConsumer c : fanOut) {
            DeliveryLedger.Summary summary = ledger.withReceiptsOf(c.receipts()).summarize();
            Histogram e2e = c.latencies().endToEndMeasured();
            out.printf("fan-out consumer   %s: received %,d, lost %,d, duplicated %,d; end-to-end p50 %s p99 %s p99.9 %s%n",
                    c.name(), summary.receivedUnique(), summary.lost(), summary.duplicated(),
                    Format.millis(e2e, 50), Format.millis(e2e, 99), Format.millis(e2e, 99.9));
            ok &= summary.exactlyOnce();
        }
        return ok;
    }

    private long awaitCatchUp(DeliveryLedger ledger, LoadStats stats, List<ShardConsumer> subscribers) {
        long start = System.nanoTime();
        long hardDeadline = start + settings.catchUpMax().toNanos();
        long lastReceived = stats.receivedRecords();
        long lastProgress = start;
        while (ledger.pendingDelivery() > 0 && subscribers.stream().anyMatch(s -> s.failure() == null)) {
            long now = System.nanoTime();
            long received = stats.receivedRecords();
            if (received != lastReceived) {
                lastReceived = received;
                lastProgress = now;
            }
            if (now - lastProgress > settings.catchUpTimeout().toNanos() || now > hardDeadline) {
                break;
            }
            LockSupport.parkNanos(CATCH_UP_POLL_NANOS);
        }
        return System.nanoTime() - start;
    }

    private int report(RunControl control, LoadStats stats, Latencies latencies, DeliveryLedger ledger,
                       List<ShardConsumer> subscribers, List<LoadProducer> producers, long drainNanos, long catchUpNanos,
                       ReadVerifier.Result read, String readFailure) {
        DeliveryLedger.Summary delivery = ledger.summarize();
        Histogram ack = latencies.ackMeasured();
        Histogram endToEnd = latencies.endToEndMeasured();
        long measureStart = control.measureStartNanos();
        long lastAck = stats.lastMeasuredAckNanos();
        long measuredNanos = lastAck == Long.MIN_VALUE ? 0 : lastAck - measureStart;
        double seconds = measuredNanos / 1e9;
        long measuredRecords = stats.measuredRecords();

        out.println();
        out.println("== Results ==");
        printSettingsLine();
        out.printf("measured phase     %.1f s (from the end of the warm-up to the last acknowledgement of a measured batch)%n", seconds);
        if (seconds > 0) {
            out.printf("throughput         %,.0f records/s   %.1f MB/s of record data   (%,d records in %,d batches)%n",
                    measuredRecords / seconds, stats.measuredBytes() / seconds / 1e6, measuredRecords, stats.measuredBatches());
        } else {
            out.println("throughput         no measured batch was acknowledged");
        }
        out.printf("append ack latency p50 %s   p99 %s   p99.9 %s   max %s   (per batch, send -> ack, n=%,d)%n",
                Format.millis(ack, 50), Format.millis(ack, 99), Format.millis(ack, 99.9),
                ack.getTotalCount() == 0 ? "-" : Format.millis(ack.getMaxValue()), ack.getTotalCount());
        out.printf("end-to-end latency p50 %s   p99 %s   p99.9 %s   max %s   (per record, append start -> subscriber, n=%,d)%n",
                Format.millis(endToEnd, 50), Format.millis(endToEnd, 99), Format.millis(endToEnd, 99.9),
                endToEnd.getTotalCount() == 0 ? "-" : Format.millis(endToEnd.getMaxValue()), endToEnd.getTotalCount());
        out.printf("drain              last acknowledgements %.1f s after the load stopped; subscribers caught up %.1f s later%n",
                drainNanos / 1e9, catchUpNanos / 1e9);
        boolean consumed = settings.consumer() != ConsumerKind.NONE;
        if (consumed) {
            out.printf("delivery           acknowledged %,d (warm-up included), received %,d, lost %,d, duplicated %,d%n",
                    delivery.acknowledged(), delivery.receivedUnique(), delivery.lost(), delivery.duplicated());
        } else {
            out.printf("delivery           acknowledged %,d (warm-up included); no consumer: see verify-read%n",
                    delivery.acknowledged());
        }
        // Without a consumer every record counts as not received here; verify-read says what was lost.
        printSamples(out, consumed ? delivery.lostSamples() : List.of(), delivery.duplicateSamples());
        out.printf("order and bytes    out of order %,d, corrupted %s, foreign %,d, delivered though refused %,d%n",
                stats.outOfOrder(), settings.verifyData() ? String.format("%,d", stats.corrupted()) : "not checked (--verify-data)",
                delivery.foreign(), delivery.deliveredThoughRefused());
        Map<String, Long> refused = stats.refusedBatches();
        out.printf("batches            refused %s, unanswered %,d%s%n",
                refused.isEmpty() ? "0" : refused.toString(), stats.unansweredBatches(),
                delivery.deliveredWithoutAck() > 0 ? String.format(" (%,d of their records were delivered)", delivery.deliveredWithoutAck()) : "");
        if (pgWaits != null) {
            out.println("postgres waits     " + pgWaits);
        }
        for (ShardConsumer subscriber : subscribers) {
            String sessions = subscriber.sessionSummary();
            if (sessions != null) {
                out.println("sessions           " + sessions);
            }
        }
        boolean readOk = true;
        if (settings.readsBack()) {
            if (readFailure != null) {
                readOk = false;
                out.println("verify-read        FAILED: " + readFailure);
            } else {
                DeliveryLedger.Summary r = read.delivery();
                readOk = r.exactlyOnce() && read.outOfOrder() == 0 && read.corrupted() == 0;
                out.printf("verify-read        read %,d records in %,d pages (%.1f s): lost %,d, duplicated %,d, out of order %,d, corrupted %,d, foreign %,d%n",
                        read.records(), read.pages(), read.elapsedNanos() / 1e9, r.lost(), r.duplicated(), read.outOfOrder(),
                        read.corrupted(), r.foreign());
                printSamples(out, r.lostSamples(), r.duplicateSamples());
            }
        }

        List<String> problems = new ArrayList<>(stats.problems());
        if (control.abortReason() != null) {
            problems.add(0, "run aborted: " + control.abortReason());
        }
        for (ShardConsumer subscriber : subscribers) {
            if (subscriber.failure() != null) {
                problems.add(subscriber.failure());
            }
        }
        for (LoadProducer producer : producers) {
            if (producer.failure() != null) {
                problems.add("producer failed: " + producer.failure());
            }
        }
        if (consumed && ledger.pendingDelivery() > 0) {
            problems.add(String.format("the subscribers were still missing %,d acknowledged records when the wait ended"
                            + " (nothing received for --catch-up-timeout %s, or --catch-up-max %s reached): they count as lost;"
                            + " --verify-read tells whether they are stored",
                    ledger.pendingDelivery(), Format.duration(settings.catchUpTimeout()), Format.duration(settings.catchUpMax())));
        }
        for (String problem : problems) {
            out.println("PROBLEM: " + problem);
        }

        boolean fanOutOk = reportFanOut(ledger);
        boolean deliveryOk = (!consumed || delivery.exactlyOnce()) && stats.outOfOrder() == 0 && stats.corrupted() == 0
                && readOk && fanOutOk;
        boolean complete = stats.refusedBatchCount() == 0 && stats.unansweredBatches() == 0 && stats.problemCount() == 0
                && problems.isEmpty() && delivery.acknowledged() > 0;
        int exit;
        if (!deliveryOk) {
            out.println("RESULT: FAIL - acknowledged records were lost, duplicated, reordered or corrupted");
            exit = EXIT_DELIVERY_FAILED;
        } else if (!complete) {
            out.println("RESULT: INCOMPLETE - delivery was exactly-once for what was acknowledged, but the run was not clean (see above)");
            exit = EXIT_INCOMPLETE;
        } else {
            out.println("RESULT: PASS - every acknowledged record was delivered exactly once");
            exit = EXIT_PASS;
        }
        out.flush();
        return exit;
    }

    private void printSettings() {
        out.println(switch (settings.api()) {
            case KINESIS -> "Tributary bench: the public write path (AWS SDK PutRecords -> gateway -> ingest-service -> shard-service)";
            case KINESIS_PUT_RECORD -> "Tributary bench: the public write path (AWS SDK PutRecord -> gateway -> ingest-service -> shard-service)";
            case WEBSOCKET -> "Tributary bench: the public write path (WebSocket -> gateway -> ingest-service -> shard-service)";
            case GRPC -> "Tributary bench: durable append path of shard-service (gRPC)";
        });
        printSettingsLine();
        hostWriteback().ifPresent(out::println);
        out.flush();
    }

    /**
     * The kernel's background writeback threshold, which decides whether PostgreSQL's table writes reach
     * the disk steadily or in bursts that stall commits (docs/performance.md): part of what a figure was
     * measured under.
     */
    private static Optional<String> hostWriteback() {
        try {
            Path vm = Path.of("/proc/sys/vm");
            return Optional.of(String.format("host               vm.dirty_background_bytes %s, vm.dirty_background_ratio %s",
                    Files.readAllLines(vm.resolve("dirty_background_bytes")).get(0).trim(),
                    Files.readAllLines(vm.resolve("dirty_background_ratio")).get(0).trim()));
        } catch (IOException | RuntimeException e) { // procfs: read by lines, whole-file reads may stop early
            return Optional.empty();
        }
    }

    private void printSettingsLine() {
        out.printf("settings           target %s, stream %s, %d shards, %d producers x window %d, batches of %d x %d bytes,"
                        + " keys %s, rate %s, warm-up %s, %s, %s%s%s%s%n",
                settings.api() == Api.GRPC ? settings.target() : settings.target() + " (admin) and " + settings.endpoint() + " (" + settings.api().name().toLowerCase() + ")",
                name(), settings.shards(), settings.producers(), settings.window(),
                settings.batchRecords(), settings.recordBytes(), settings.keyMode().name().toLowerCase(),
                settings.rate() == 0 ? "unlimited" : String.format("%,d rec/s", settings.rate()),
                Format.duration(settings.warmup()) + (settings.warmupRate() < 0 ? ""
                        : settings.warmupRate() == 0 ? " (unlimited)" : String.format(" (at %,d rec/s)", settings.warmupRate())),
                settings.records() > 0
                        ? String.format("%,d measured records%s", settings.records(),
                        settings.duration() == null ? "" : " (at most " + Format.duration(settings.duration()) + ")")
                        : "measured " + Format.duration(settings.duration()),
                (settings.consumer() == ConsumerKind.POLLING ? "GetRecords pollers"
: settings.consumer() == ConsumerKind.SUBSCRIBE_TO_SHARD ? "SubscribeToShard sessions"
                        : settings.consumer() == ConsumerKind.GROUP ? "a consumer group member (connector) with " + settings.subscriberCredits() + " messages outstanding"
                        : settings.consumer() == ConsumerKind.NONE ? "no consumer during the load"
                        : "subscribers with " + settings.subscriberCredits() + " credits")
                        + (settings.consumer() == ConsumerKind.NONE ? "" : " from " + settings.startPosition()),
                settings.readsBack() ? ", verify-read" : "", settings.verifyData() ? ", verify-data" : "",
                settings.keepStream() ? ", keep-stream" : "");
        if (settings.batchBytes() > BenchSettings.DEFAULT_SERVER_INBOUND_BYTES) {
            out.printf("WARNING: a batch carries %,d bytes of data, more than gRPC's default 4 MiB inbound limit:"
                    + " the server must have raised its max-inbound-message-size%n", settings.batchBytes());
        }
    }

    private void printStream(StreamDescription description, List<Shard> shards) {
        out.printf("Created stream %s (%s), %s, retention %d h, max record %,d bytes%n", name(), description.getStreamArn(),
                description.getStatus(), description.getRetentionPeriodHours(), description.getMaxRecordSizeBytes());
        for (Shard shard : shards) {
            out.printf("  %s  hash keys %s .. %s%s%n", shard.getShardId(), shard.getStartingHashKey(), shard.getEndingHashKey(),
                    shard.getEndingSequenceNumber().isEmpty() ? "" : "  (closed)");
        }
        out.flush();
    }

    private String name() {
        return stream.getTenantId() + "/" + stream.getStreamName();
    }

    /** Deletes the stream once, at the end or from the shutdown hook on Ctrl-C, unless --keep-stream. */
    private final class StreamCleanup implements Runnable {
        private final StreamAdminClient admin;
        private final AtomicBoolean done = new AtomicBoolean();

        StreamCleanup(StreamAdminClient admin) {
            this.admin = admin;
        }

        @Override
        public void run() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            if (settings.keepStream()) {
                out.println("Kept stream " + name() + " (--keep-stream)");
                out.flush();
                return;
            }
            try {
                admin.delete(stream);
                out.println("Deleted stream " + name());
            } catch (StatusRuntimeException e) {
                out.println("WARNING: could not delete stream " + name() + ": " + StreamAdminClient.describe(e));
            }
            out.flush();
        }
    }

    /** The first records (producer#counter) found lost or duplicated, under the line that counted them. */
    private static void printSamples(PrintWriter out, List<String> lost, List<String> duplicated) {
        if (!lost.isEmpty()) {
            out.println("                   first lost (producer#counter): " + String.join(", ", lost));
        }
        if (!duplicated.isEmpty()) {
            out.println("                   first duplicated (producer#counter): " + String.join(", ", duplicated));
        }
    }
}
