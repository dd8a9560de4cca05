package io.tributary.shard.grpc;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.protocol.v1.AppendRequest;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.PositionType;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.StreamDescription;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With PostgreSQL stalled (the batch table locked), a producer that sends as fast as the transport lets
 * it is stopped by flow control after a bounded amount, nothing is acknowledged, and once storage
 * resumes every batch it managed to send is committed and readable.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
class AppendBackpressureTest {

    /** Most batches a producer may get out while storage is stalled; the window bounds it here. */
    int maxBatchesWhileStalled() {
        return window + 64;
    }

    /** Fewest batches the server must have taken in before stopping: here, its whole window. */
    int minBatchesWhileStalled() {
        return window + 1;
    }

    static final int BATCH_RECORDS = 64;
    static final int RECORD_BYTES = 1024;

    @GrpcClient("shard")
    io.grpc.Channel channel;

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;
    @ConfigProperty(name = "quarkus.datasource.username")
    String user;
    @ConfigProperty(name = "quarkus.datasource.password")
    String password;
    @ConfigProperty(name = "tributary.shard.append.max-in-flight-batches-per-stream")
    int window;

    @Test
    void stopsReadingAProducerWhileStorageStallsAndLosesNothing() throws Exception {
        LogClient client = new LogClient(channel);
        String stream = "backpressure-" + System.nanoTime();
        StreamDescription d = client.create(stream, 1);
        String shardId = d.getShards(0).getShardId();
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < BATCH_RECORDS; i++) {
            records.add(LogClient.record("k" + i, new byte[RECORD_BYTES]));
        }
        // One committed batch first, so the shard's state is loaded and the stall hits only the commits.
        assertTrue(client.appendOne(LogClient.batch(stream, shardId, records)).hasAck());
        AtomicInteger acked = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ClientCallStreamObserver<AppendRequest>[] requests = new ClientCallStreamObserver[1];
        int sent = 0;

        try (Connection lock = DriverManager.getConnection(jdbcUrl, user, password)) {
            lock.setAutoCommit(false);
            try (Statement s = lock.createStatement()) {
                // Appends queue behind this lock exactly as behind a stalled disk.
                s.execute("LOCK TABLE record_batches IN ACCESS EXCLUSIVE MODE");
            }
            client.async().append(new ClientResponseObserver<AppendRequest, AppendResponse>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<AppendRequest> r) {
                    requests[0] = r;
                }

                @Override
                public void onNext(AppendResponse r) {
                    (r.hasAck() ? acked : refused).incrementAndGet();
                }

                @Override
                public void onError(Throwable t) {
                    refused.incrementAndGet();
                }

                @Override
                public void onCompleted() {
                }
            });
            // Send while the transport accepts, for two seconds at most.
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < deadline && sent < 2_000) {
                if (requests[0].isReady()) {
                    requests[0].onNext(LogClient.batch(stream, shardId, records));
                    sent++;
                } else {
                    Thread.onSpinWait();
                }
            }
            int sentWhileStalled = sent;
            // Flow control held: far fewer than 2 000 batches (128 MiB) got out, and it stays held.
            assertTrue(sentWhileStalled >= minBatchesWhileStalled(), "the server took batches until its bound: " + sentWhileStalled);
            assertTrue(sentWhileStalled < maxBatchesWhileStalled(),
                    "producer was stopped after " + sentWhileStalled + " batches (window " + window + ")");
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                    .until(() -> !requests[0].isReady() && acked.get() == 0);
            assertEquals(0, acked.get(), "nothing is acknowledged before it is committed");
            lock.rollback();
        }

        int total = sent;
        await().atMost(Duration.ofSeconds(30)).until(() -> acked.get() == total);
        requests[0].onCompleted();
        assertEquals(0, refused.get());
        assertEquals((total + 1) * BATCH_RECORDS,
                client.readAll(stream, shardId, LogClient.position(PositionType.TRIM_HORIZON)).size(),
                "every batch sent during the stall is stored once");
    }
}
