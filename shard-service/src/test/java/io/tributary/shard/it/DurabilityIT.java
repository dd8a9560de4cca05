package io.tributary.shard.it;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.PositionType;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.Shard;
import io.tributary.protocol.v1.StoredRecord;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.shard.grpc.LogClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Kills the packaged shard-service with SIGKILL under continuous appends, restarts it, and checks that
 * every acknowledged record is there byte for byte and in order, and that no sequence number is reused.
 */
class DurabilityIT {

    private static final int PRODUCERS = 4;
    private static final int RECORDS_PER_BATCH = 50;

    private final java.util.concurrent.atomic.AtomicReference<String> refused = new java.util.concurrent.atomic.AtomicReference<>();
    private PackagedShardService service;
    private ManagedChannel channel;

    @AfterEach
    void tearDown() throws Exception {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (service != null) {
            service.stop();
        }
    }

    private LogClient connect() {
        if (channel != null) {
            channel.shutdownNow();
        }
        channel = NettyChannelBuilder.forAddress("127.0.0.1", service.grpcPort).usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024).build();
        return new LogClient(channel);
    }

    /** Data of record {@code seq} of producer {@code producer}: an id, then bytes derived from it. */
    private static byte[] payload(int producer, int seq) {
        int size = 16 + (seq * 31 + producer * 7) % 700;
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(producer).putInt(seq).putLong((long) producer << 32 | seq);
        while (b.hasRemaining()) {
            b.put((byte) (b.position() * 13 + seq));
        }
        return b.array();
    }

    @Test
    void keepsEveryAcknowledgedRecordAcrossKillNine() throws Exception {
        Path log = Files.createTempFile("shard-service-durability", ".log");
        service = new PackagedShardService(PostgresTestResource.datasourceConfig(), log);
        service.start();
        LogClient producerClient = connect();
        String stream = "durability-" + System.nanoTime();
        StreamDescription description = producerClient.create(stream, 4);

        // Acknowledged records per shard, in acknowledgement order within each producer.
        Map<String, ConcurrentLinkedQueue<Acked>> acked = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ackedBatches = new AtomicInteger();
        List<Thread> producers = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            int producer = p;
            Thread t = new Thread(() -> produce(producerClient, stream, description, producer, stop, acked, ackedBatches),
                    "producer-" + p);
            t.start();
            producers.add(t);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (ackedBatches.get() < 400 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            producers.get(0).join(50);
        }
        assertTrue(ackedBatches.get() >= 400, "appends were acknowledged before the kill: " + ackedBatches.get());

        service.kill(); // under load: producers have batches in flight
        stop.set(true);
        for (Thread t : producers) {
            t.join(TimeUnit.SECONDS.toMillis(60));
        }
        assertEquals(null, refused.get(), "no append was refused before the kill");
        int ackedBeforeKill = acked.values().stream().mapToInt(ConcurrentLinkedQueue::size).sum();

        service.start();
        LogClient client = connect();

        Set<String> seen = new HashSet<>();
        for (Shard shard : description.getShardsList()) {
            List<StoredRecord> read = client.readAll(stream, shard.getShardId(), LogClient.position(PositionType.TRIM_HORIZON));
            Map<String, StoredRecord> bySeq = new HashMap<>();
            BigInteger previous = BigInteger.ZERO;
            for (StoredRecord r : read) {
                BigInteger s = new BigInteger(r.getSequenceNumber());
                assertTrue(s.compareTo(previous) > 0, "sequence numbers strictly increase in " + shard.getShardId());
                previous = s;
                assertTrue(seen.add(r.getSequenceNumber()), "no sequence number twice");
                bySeq.put(r.getSequenceNumber(), r);
                // Whatever was stored is a record some producer sent, byte for byte.
                ByteBuffer id = r.getData().asReadOnlyByteBuffer();
                assertArrayEquals(payload(id.getInt(), id.getInt()), r.getData().toByteArray());
            }
            // Every acknowledged record is there, with the data and sequence number it was acknowledged with,
            // and a producer's records keep their order.
            Map<Integer, BigInteger> lastPerProducer = new HashMap<>();
            for (Acked a : acked.getOrDefault(shard.getShardId(), new ConcurrentLinkedQueue<>())) {
                StoredRecord r = bySeq.get(a.sequenceNumber);
                if (r == null) {
                    fail("acknowledged record " + a.producer + "/" + a.seq + " (" + a.sequenceNumber + ") is lost");
                }
                assertArrayEquals(payload(a.producer, a.seq), r.getData().toByteArray());
                BigInteger s = new BigInteger(a.sequenceNumber);
                BigInteger last = lastPerProducer.put(a.producer, s);
                assertTrue(last == null || last.compareTo(s) < 0, "a producer's records stay in order");
            }
        }
        assertTrue(ackedBeforeKill > 0);

        // After the restart, new records get sequence numbers above everything stored before.
        Shard shard = description.getShards(0);
        String key = keyFor(description, shard.getShardId(), 0);
        // The killed process's write leases hold until they expire (ownership.lease-duration): until then the
        // restarted instance answers NOT_OWNER and nothing is stored, and a writer sends the batch again.
        AppendResponse after = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .pollInterval(java.time.Duration.ofMillis(200))
                .until(() -> client.appendOne(LogClient.batch(stream, shard.getShardId(),
                                List.of(LogClient.record(key, payload(99, 0))))),
                        a -> !a.hasError() || a.getError().getCode() != io.tributary.protocol.v1.ErrorCode.NOT_OWNER);
        assertTrue(after.hasAck(), () -> after.getError().getMessage());
        BigInteger newSeq = new BigInteger(after.getAck().getSequenceNumbers(0));
        assertTrue(!seen.contains(after.getAck().getSequenceNumbers(0)), "a new record gets a new sequence number");
        List<StoredRecord> shard0 = client.readAll(stream, shard.getShardId(), LogClient.position(PositionType.TRIM_HORIZON));
        BigInteger maxBefore = shard0.stream().limit(shard0.size() - 1)
                .map(r -> new BigInteger(r.getSequenceNumber())).max(BigInteger::compareTo).orElse(BigInteger.ZERO);
        assertTrue(newSeq.compareTo(maxBefore) > 0, "no sequence number is reused after a crash");
        assertEquals(after.getAck().getSequenceNumbers(0), shard0.get(shard0.size() - 1).getSequenceNumber());
        System.out.printf("durability: %d records acknowledged before kill -9, all present after restart%n", ackedBeforeKill);
    }

    private static String keyFor(StreamDescription d, String shardId, int start) {
        for (int i = start; ; i++) {
            if (LogClient.shardFor(d, "key-" + i).getShardId().equals(shardId)) {
                return "key-" + i;
            }
        }
    }

    private void produce(LogClient client, String stream, StreamDescription description, int producer,
                         AtomicBoolean stop, Map<String, ConcurrentLinkedQueue<Acked>> acked, AtomicInteger ackedBatches) {
        int seq = 0;
        int keyCursor = producer * 1_000_000;
        try {
            LogClient.Appender appender = client.appender();
            List<CompletableFuture<AppendResponse>> window = new ArrayList<>();
            List<List<Acked>> windowRecords = new ArrayList<>();
            while (!stop.get()) {
                Shard shard = description.getShards((seq / RECORDS_PER_BATCH) % description.getShardsCount());
                List<Record> records = new ArrayList<>();
                List<Acked> pending = new ArrayList<>();
                for (int i = 0; i < RECORDS_PER_BATCH; i++) {
                    String key = keyFor(description, shard.getShardId(), keyCursor);
                    keyCursor = Integer.parseInt(key.substring(4)) + 1;
                    records.add(LogClient.record(key, payload(producer, seq)));
                    pending.add(new Acked(producer, seq, null));
                    seq++;
                }
                window.add(appender.send(LogClient.batch(stream, shard.getShardId(), records)));
                windowRecords.add(pending);
                if (window.size() >= 8) {
                    AppendResponse r = window.remove(0).get(30, TimeUnit.SECONDS);
                    List<Acked> done = windowRecords.remove(0);
                    if (!r.hasAck()) {
                        refused.compareAndSet(null, r.getError().toString());
                        return;
                    }
                    for (int i = 0; i < done.size(); i++) {
                        acked.computeIfAbsent(r.getAck().getShardId(), k -> new ConcurrentLinkedQueue<>())
                                .add(new Acked(producer, done.get(i).seq, r.getAck().getSequenceNumbers(i)));
                    }
                    ackedBatches.incrementAndGet();
                }
            }
        } catch (Exception e) {
            // The kill breaks the stream: batches without an acknowledgement are simply not counted.
        }
    }

    private record Acked(int producer, int seq, String sequenceNumber) {
    }
}
