package io.tributary.ingest.service;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.tributary.aws.GatewayHeaders;
import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.ingest.api.ShardServiceProcess;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

import java.net.URI;
import java.net.URL;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Storage stalls under load (the batch table locked, as behind a stuck disk): ingest-service holds no more
 * than its in-flight budget, refuses further producers with ProvisionedThroughputExceededException,
 * acknowledges nothing it has not committed, and after recovery every acknowledged record is stored.
 */
@QuarkusTest
@TestProfile(IngestBackpressureTest.SmallBudget.class)
@WithTestResource(ShardServiceProcess.class)
class IngestBackpressureTest {

    static final long BUDGET = 1024 * 1024;
    static final int RECORDS_PER_REQUEST = 50;
    static final int RECORD_BYTES = 4000;
    static final String TENANT = "000000000043";
    /** About 48 MB of 4 KB frames: more than loopback socket buffers can hold (send 4 MB + receive 32 MB at most here). */
    static final int MAX_FRAMES_IN_SOCKET_BUFFERS = 12_000;

    public static class SmallBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tributary.ingest.max-in-flight-bytes", Long.toString(BUDGET),
                    "tributary.ingest.websocket.credits", "50");
        }
    }

    @TestHTTPResource("/")
    URL ingest;

    @Inject
    InFlightBudget budget;

    private static KinesisClient client(URI endpoint) {
        return KinesisClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofSeconds(60)).build())
                .overrideConfiguration(o -> o.putHeader(GatewayHeaders.TENANT, TENANT)
                        .retryStrategy(DefaultRetryStrategy.doNotRetry()))
                .build();
    }

    @Test
    void throttlesWhileStorageStallsAndStoresEveryAcknowledgedRecord() throws Exception {
        Map<String, String> db = PostgresTestResource.datasourceConfig();
        try (KinesisClient puts = client(ingest.toURI());
             KinesisClient reads = client(URI.create("http://127.0.0.1:" + ShardServiceProcess.httpPort))) {
            String stream = "stall-" + System.nanoTime();
            reads.createStream(b -> b.streamName(stream).shardCount(1));
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            // One record before the stall, so the shard is loaded and only commits are held up.
            acknowledged.add(puts.putRecord(b -> b.streamName(stream).partitionKey("first")
                    .data(SdkBytes.fromUtf8String("x"))).sequenceNumber());

            AtomicBoolean stop = new AtomicBoolean();
            AtomicBoolean stalled = new AtomicBoolean(true);
            AtomicInteger throttled = new AtomicInteger();
            AtomicInteger acknowledgedWhileStalled = new AtomicInteger();
            AtomicLong maxInFlight = new AtomicLong();
            List<Throwable> unexpected = new ArrayList<>();
            ExecutorService producers = Executors.newFixedThreadPool(8);
            try (Connection lock = DriverManager.getConnection(db.get("quarkus.datasource.jdbc.url"),
                    db.get("quarkus.datasource.username"), db.get("quarkus.datasource.password"))) {
                lock.setAutoCommit(false);
                try (Statement s = lock.createStatement()) {
                    s.execute("LOCK TABLE record_batches IN ACCESS EXCLUSIVE MODE");
                }
                List<Future<?>> running = new ArrayList<>();
                for (int p = 0; p < 8; p++) {
                    int producer = p;
                    running.add(producers.submit(() -> {
                        for (int n = 0; !stop.get(); n++) {
                            List<PutRecordsRequestEntry> entries = new ArrayList<>();
                            for (int i = 0; i < RECORDS_PER_REQUEST; i++) {
                                entries.add(PutRecordsRequestEntry.builder().partitionKey("p" + producer + "-" + n + "-" + i)
                                        .data(SdkBytes.fromByteArray(new byte[RECORD_BYTES])).build());
                            }
                            try {
                                PutRecordsResponse r = puts.putRecords(b -> b.streamName(stream).records(entries));
                                if (stalled.get()) {
                                    acknowledgedWhileStalled.incrementAndGet();
                                }
                                for (PutRecordsResultEntry e : r.records()) {
                                    if (e.errorCode() == null) {
                                        acknowledged.add(e.sequenceNumber());
                                    }
                                }
                            } catch (ProvisionedThroughputExceededException e) {
                                throttled.incrementAndGet();
                                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                            } catch (RuntimeException e) {
                                unexpected.add(e);
                                return;
                            }
                        }
                    }));
                }
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> {
                    maxInFlight.accumulateAndGet(budget.used(), Math::max);
                    return throttled.get() >= 20 && budget.used() > BUDGET / 2;
                });
                assertTrue(maxInFlight.get() <= BUDGET, "in flight " + maxInFlight.get() + " > budget " + BUDGET);
                // REST producers are told to come back later, with the same bound.
                String big = "{\"key\":\"rest\",\"data\":\"" + java.util.Base64.getEncoder().encodeToString(new byte[600_000]) + "\"}\n";
                io.restassured.RestAssured.given().header(GatewayHeaders.TENANT, TENANT).body(big)
                        .when().post("/v1/streams/" + stream + "/records")
                        .then().statusCode(503).header("Retry-After", "1");
                assertEquals(0, acknowledgedWhileStalled.get(), "nothing is acknowledged before it is committed");
                stop.set(true);
                stalled.set(false);
                lock.rollback(); // storage recovers
                for (Future<?> f : running) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                producers.shutdownNow();
            }
            assertTrue(unexpected.isEmpty(), () -> "unexpected failures: " + unexpected);
            assertTrue(acknowledged.size() > 1, "the requests admitted during the stall were acknowledged after it");
            assertEquals(0, budget.used(), "the budget is whole again once everything is acknowledged");

            String iterator = reads.getShardIterator(b -> b.streamName(stream).shardId("shardId-000000000000")
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            Set<String> stored = new HashSet<>();
            while (iterator != null) {
                String it = iterator;
                GetRecordsResponse r = reads.getRecords(b -> b.shardIterator(it));
                for (Record record : r.records()) {
                    assertTrue(stored.add(record.sequenceNumber()), "stored once");
                }
                iterator = r.records().isEmpty() ? null : r.nextShardIterator();
            }
            assertEquals(acknowledged, stored, "every acknowledged record is stored, and only those");
        }
    }

    @Inject
    io.vertx.core.Vertx vertx;

    @Test
    void stopsReadingAWebSocketProducerWhileStorageStallsAndStoresEveryAcknowledgedRecord() throws Exception {
        Map<String, String> db = PostgresTestResource.datasourceConfig();
        try (KinesisClient reads = client(URI.create("http://127.0.0.1:" + ShardServiceProcess.httpPort))) {
            String stream = "ws-stall-" + System.nanoTime();
            reads.createStream(b -> b.streamName(stream).shardCount(1));
            AtomicInteger answers = new AtomicInteger();
            AtomicInteger acknowledgedWhileStalled = new AtomicInteger();
            AtomicBoolean stalled = new AtomicBoolean(true);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger written = new AtomicInteger();
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            io.vertx.core.http.WebSocket ws = vertx.createWebSocketClient().connect(new io.vertx.core.http.WebSocketConnectOptions()
                            .setHost(ingest.getHost()).setPort(ingest.getPort()).setURI("/v1/streams/" + stream + "/ws")
                            .addHeader(GatewayHeaders.TENANT, TENANT))
                    .onSuccess(socket -> socket.textMessageHandler(text -> {
                        io.vertx.core.json.JsonObject answer = new io.vertx.core.json.JsonObject(text);
                        if (answer.containsKey("sequenceNumber")) {
                            acknowledged.add(answer.getString("sequenceNumber"));
                            answers.incrementAndGet();
                            if (stalled.get()) {
                                acknowledgedWhileStalled.incrementAndGet();
                            }
                        }
                    }))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            io.vertx.core.buffer.Buffer frame = io.vertx.core.buffer.Buffer.buffer().appendUnsignedShort(1).appendString("k")
                    .appendBytes(new byte[RECORD_BYTES]);
            try (Connection lock = DriverManager.getConnection(db.get("quarkus.datasource.jdbc.url"),
                    db.get("quarkus.datasource.username"), db.get("quarkus.datasource.password"))) {
                lock.setAutoCommit(false);
                try (Statement s = lock.createStatement()) {
                    s.execute("LOCK TABLE record_batches IN ACCESS EXCLUSIVE MODE");
                }
                Runnable[] pump = new Runnable[1];
                pump[0] = () -> {
                    while (!stop.get() && !ws.writeQueueFull()) {
                        ws.writeBinaryMessage(frame);
                        written.incrementAndGet();
                    }
                    if (!stop.get()) {
                        ws.drainHandler(v -> pump[0].run());
                    }
                };
                vertx.runOnContext(v -> pump[0].run());
                // The producer's socket fills up: the server has stopped reading it. The kernel's socket
                // buffers may still grow a little (TCP autotuning), so what must hold is that the producer
                // gets no further than a few socket buffers' worth, where a server that kept reading would
                // take tens of thousands of frames in the same time.
                await().atMost(Duration.ofSeconds(30)).until(ws::writeQueueFull);
                int atFull = written.get();
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                        .until(() -> written.get() < atFull + MAX_FRAMES_IN_SOCKET_BUFFERS);
                assertEquals(0, acknowledgedWhileStalled.get(), "nothing is acknowledged before it is committed");
                assertTrue(budget.used() <= BUDGET, "in flight " + budget.used() + " > budget " + BUDGET);
                stalled.set(false);
                lock.rollback();
                await().atMost(Duration.ofSeconds(30)).until(() -> written.get() > 200);
                stop.set(true);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> answers.get() == written.get());
            ws.close();
            String iterator = reads.getShardIterator(b -> b.streamName(stream).shardId("shardId-000000000000")
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            Set<String> stored = new HashSet<>();
            while (iterator != null) {
                String it = iterator;
                GetRecordsResponse r = reads.getRecords(b -> b.shardIterator(it));
                r.records().forEach(record -> assertTrue(stored.add(record.sequenceNumber())));
                iterator = r.records().isEmpty() ? null : r.nextShardIterator();
            }
            assertEquals(written.get(), acknowledged.size());
            assertEquals(acknowledged, stored, "every acknowledged record is stored, and only those");
        }
    }
}
