package io.tributary.gateway.it;

import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.testsupport.PackagedService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failover between shard-service instances, packaged and over the network: two shard-service instances
 * on one PostgreSQL share a stream's shards; producers write continuously with PutRecords through the
 * gateway (and ingest-service) with the real AWS SDK, retrying what was not acknowledged, as the Kinesis
 * Producer Library does; one instance is killed with SIGKILL. The survivor takes the dead instance's
 * shards once their lease expires, writes continue, and afterwards every acknowledged record is read back
 * exactly once, at the sequence number it was acknowledged with, in order per partition key; no sequence
 * number appears twice. The time each shard went without a writer is printed.
 */
class ShardFailoverIT {

    private static final String STREAM = "failover";
    /** Enough shards that both instances hold some (each shard goes to one of two by rendezvous hashing). */
    private static final int SHARDS = 12;
    private static final int PRODUCERS = 4;
    /** One key per shard for each producer. */
    private static final int KEYS_PER_PRODUCER = SHARDS;
    /** The lease duration of the instances: a killed instance's shards wait this long for a new writer. */
    private static final Duration LEASE = Duration.ofSeconds(3);

    private static PackagedService shardA;
    private static PackagedService shardB;
    private static PackagedService ingest;
    private static PackagedService gateway;
    private static int grpcA;
    private static Map<String, String> datasource;

    @BeforeAll
    static void startPlatform() {
        datasource = PostgresTestResource.datasourceConfig();
        grpcA = PackagedService.freePort();
        int grpcB = PackagedService.freePort();
        shardA = shardInstance("it-failover-shard-a", grpcA);
        shardB = shardInstance("it-failover-shard-b", grpcB);
        // ingest-service is configured with A (the one killed): appends go wherever the shard map says each
        // shard is written, and once A is gone streams are described at the instances earlier maps named.
        // The gateway knows both instances, A first: once A is gone, its Kinesis requests move on to B.
        ingest = new PackagedService("ingest-service", "it-failover-ingest")
                .with("quarkus.grpc.clients.shard.port", grpcA)
                .with("tributary.ingest.shard-maps.refresh-after", "1s").start();
        byte[] masterKey = new byte[32];
        new SecureRandom().nextBytes(masterKey);
        gateway = new PackagedService("gateway", "it-failover-gateway").with(datasource)
                .with("tributary.gateway.master-key", Base64.getEncoder().encodeToString(masterKey))
                .with("tributary.gateway.bootstrap.access-key-id", "failover-key")
                .with("tributary.gateway.bootstrap.secret-access-key", "failover-secret")
                .with("tributary.gateway.bootstrap.account-id", "000000000321")
                .with("tributary.gateway.services.ingest-url", ingest.baseUrl())
                .with("tributary.gateway.services.shard-url", shardA.baseUrl() + "," + shardB.baseUrl())
                .start();
    }

    private static PackagedService shardInstance(String name, int grpcPort) {
        return new PackagedService("shard-service", name).with(datasource)
                .with("quarkus.grpc.server.port", grpcPort)
                .with("tributary.shard.ownership.lease-duration", LEASE.toMillis() + "ms")
                .with("tributary.shard.ownership.renew-interval", "500ms")
                .start();
    }

    @AfterAll
    static void stopPlatform() {
        for (PackagedService s : new PackagedService[]{gateway, ingest, shardB, shardA}) {
            if (s != null) {
                s.stop();
            }
        }
    }

    private static KinesisClient client() {
        return KinesisClient.builder().endpointOverride(URI.create(gateway.baseUrl())).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("failover-key", "failover-secret")))
                .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /** A record the service acknowledged: which attempt of which write, where, and when the answer came. */
    private record Acked(String key, int seq, int attempt, String shardId, String sequenceNumber, long sentNanos, long ackNanos) {
    }

    @Test
    void survivorTakesTheShardsOfAKilledInstanceAndNoAcknowledgedRecordIsLostOrDuplicated() throws Exception {
        try (KinesisClient kinesis = client()) {
            kinesis.createStream(b -> b.streamName(STREAM).shardCount(SHARDS));
            List<Shard> shards = kinesis.listShards(b -> b.streamName(STREAM)).shards();
            assertEquals(SHARDS, shards.size());

            keys = keysPerShard(shards);
            ConcurrentLinkedQueue<Acked> acked = new ConcurrentLinkedQueue<>();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(PRODUCERS);
            List<Future<?>> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                producers.add(pool.submit(() -> produce(kinesis, producer, stop, acked)));
            }

            // Both instances write: each holds some of the shards before one of them dies.
            waitUntil(Duration.ofSeconds(30), () -> ownersByInstance().size() == 2 && acked.size() > 2_000,
                    "both instances to own shards while records are acknowledged");
            Map<String, Set<Long>> owners = ownersByInstance();
            String idA = instanceAt("localhost:" + grpcA);
            Set<Long> killedShards = owners.get(idA);
            assertNotNull(killedShards, "instance A owns shards: " + owners);
            Thread.sleep(1_000);

            long killNanos = System.nanoTime();
            shardA.kill();
            int ackedAtKill = acked.size();

            // Writes continue: every shard acknowledges records sent after the kill.
            waitUntil(Duration.ofSeconds(60), () -> {
                Set<String> writtenAfter = new HashSet<>();
                for (Acked a : acked) {
                    if (a.sentNanos() > killNanos) {
                        writtenAfter.add(a.shardId());
                    }
                }
                return writtenAfter.size() == SHARDS;
            }, "every shard to be written again after the kill");
            Thread.sleep(2_000);
            stop.set(true);
            for (Future<?> f : producers) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertTrue(acked.size() > ackedAtKill, "records were acknowledged after the kill");

            // The survivor owns every shard now.
            Map<String, Set<Long>> after = ownersByInstance();
            assertEquals(1, after.size(), "one instance owns every shard after the failover: " + after);
            assertFalse(after.containsKey(idA));

            verifyEveryAcknowledgedRecordOnce(kinesis, shards, new ArrayList<>(acked));
            reportWritePause(new ArrayList<>(acked), killNanos);
        }
    }

    /**
     * Writes one record per key at a time: the next record of a key is sent only once the previous one is
     * acknowledged, so per key the acknowledged order is the order of writing. A record that was not
     * acknowledged is sent again as a new attempt (its earlier attempt may or may not have been stored).
     */
    /** For each producer, one partition key hashing into each shard. */
    private static String[][] keysPerShard(List<Shard> shards) throws Exception {
        String[][] out = new String[PRODUCERS][SHARDS];
        int found = 0;
        java.security.MessageDigest md5 = java.security.MessageDigest.getInstance("MD5");
        for (int n = 0; found < PRODUCERS * SHARDS; n++) {
            String key = "key-" + n;
            BigInteger hash = new BigInteger(1, md5.digest(key.getBytes(StandardCharsets.UTF_8)));
            for (int s = 0; s < SHARDS; s++) {
                Shard shard = shards.get(s);
                if (hash.compareTo(new BigInteger(shard.hashKeyRange().startingHashKey())) >= 0
                        && hash.compareTo(new BigInteger(shard.hashKeyRange().endingHashKey())) <= 0) {
                    for (int p = 0; p < PRODUCERS; p++) {
                        if (out[p][s] == null) {
                            out[p][s] = key;
                            found++;
                            break;
                        }
                    }
                }
            }
        }
        return out;
    }

    private static String[][] keys;

    private static void produce(KinesisClient kinesis, int producer, AtomicBoolean stop, ConcurrentLinkedQueue<Acked> acked) {
        int[] seq = new int[KEYS_PER_PRODUCER];
        int[] attempt = new int[KEYS_PER_PRODUCER];
        while (!stop.get()) {
            List<PutRecordsRequestEntry> entries = new ArrayList<>();
            for (int k = 0; k < KEYS_PER_PRODUCER; k++) {
                String key = keys[producer][k];
                String data = key + "/" + seq[k] + "/" + attempt[k];
                entries.add(PutRecordsRequestEntry.builder().partitionKey(key)
                        .data(SdkBytes.fromString(data, StandardCharsets.UTF_8)).build());
            }
            PutRecordsResponse response;
            long sent = System.nanoTime();
            try {
                response = kinesis.putRecords(b -> b.streamName(STREAM).records(entries));
            } catch (RuntimeException e) {
                // Nothing is known about the whole request: every record is sent again as a new attempt.
                for (int k = 0; k < KEYS_PER_PRODUCER; k++) {
                    attempt[k]++;
                }
                pause(50);
                continue;
            }
            long now = System.nanoTime();
            boolean failures = false;
            for (int k = 0; k < KEYS_PER_PRODUCER; k++) {
                PutRecordsResultEntry r = response.records().get(k);
                if (r.errorCode() == null) {
                    acked.add(new Acked(keys[producer][k], seq[k], attempt[k], r.shardId(), r.sequenceNumber(), sent, now));
                    seq[k]++;
                    attempt[k] = 0;
                } else {
                    attempt[k]++;
                    failures = true;
                }
            }
            if (failures) {
                pause(20);
            }
        }
    }

    private static void verifyEveryAcknowledgedRecordOnce(KinesisClient kinesis, List<Shard> shards, List<Acked> acked) {
        Map<String, List<Record>> byShard = new HashMap<>();
        for (Shard s : shards) {
            String iterator = kinesis.getShardIterator(b -> b.streamName(STREAM).shardId(s.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            List<Record> records = new ArrayList<>();
            while (iterator != null) {
                String current = iterator;
                GetRecordsResponse r = kinesis.getRecords(b -> b.shardIterator(current).limit(10_000));
                records.addAll(r.records());
                iterator = r.records().isEmpty() ? null : r.nextShardIterator();
            }
            byShard.put(s.shardId(), records);
        }
        // No sequence number twice, in any shard; each shard's records in increasing sequence order.
        Set<String> sequenceNumbers = new HashSet<>();
        Map<String, Integer> occurrences = new HashMap<>();
        Map<String, String[]> where = new HashMap<>();
        for (Map.Entry<String, List<Record>> e : byShard.entrySet()) {
            BigInteger previous = BigInteger.valueOf(-1);
            for (Record r : e.getValue()) {
                assertTrue(sequenceNumbers.add(r.sequenceNumber()), "sequence number " + r.sequenceNumber() + " appears twice");
                BigInteger n = new BigInteger(r.sequenceNumber());
                assertTrue(n.compareTo(previous) > 0, "sequence numbers grow within " + e.getKey());
                previous = n;
                String data = r.data().asUtf8String();
                occurrences.merge(data, 1, Integer::sum);
                where.put(data, new String[]{e.getKey(), r.sequenceNumber()});
            }
        }
        // Every acknowledged record exactly once, where it was acknowledged.
        Map<String, TreeMap<Integer, Acked>> perKey = new HashMap<>();
        for (Acked a : acked) {
            String data = a.key() + "/" + a.seq() + "/" + a.attempt();
            assertEquals(1, occurrences.getOrDefault(data, 0), "acknowledged record " + data + " is stored exactly once");
            assertEquals(a.shardId(), where.get(data)[0], data);
            assertEquals(a.sequenceNumber(), where.get(data)[1], data);
            perKey.computeIfAbsent(a.key(), k -> new TreeMap<>()).put(a.seq(), a);
        }
        // Per key, the acknowledged records are read in the order they were written.
        for (Map.Entry<String, TreeMap<Integer, Acked>> e : perKey.entrySet()) {
            BigInteger previous = BigInteger.valueOf(-1);
            int expectedSeq = 0;
            for (Acked a : e.getValue().values()) {
                assertEquals(expectedSeq++, a.seq(), "no acknowledged write of " + e.getKey() + " is missing");
                BigInteger n = new BigInteger(a.sequenceNumber());
                assertTrue(n.compareTo(previous) > 0, "per key order of " + e.getKey());
                previous = n;
            }
        }
        System.out.printf("[failover] %d acknowledged records, %d stored (the rest are attempts whose answer was lost)%n",
                acked.size(), occurrences.size());
    }

    /** Prints, per shard, the longest time without an acknowledged write around the kill. */
    private static void reportWritePause(List<Acked> acked, long killNanos) {
        Map<String, List<Long>> times = new TreeMap<>();
        for (Acked a : acked) {
            times.computeIfAbsent(a.shardId(), k -> new ArrayList<>()).add(a.ackNanos());
        }
        long worst = 0;
        StringBuilder line = new StringBuilder("[failover] write pause per shard after kill -9 (lease " + LEASE.toMillis() + " ms):");
        for (Map.Entry<String, List<Long>> e : times.entrySet()) {
            List<Long> t = e.getValue();
            t.sort(Long::compare);
            long gap = 0;
            long previous = Long.MIN_VALUE;
            for (long ts : t) {
                if (previous != Long.MIN_VALUE && ts > killNanos - 1_000_000_000L) {
                    gap = Math.max(gap, ts - Math.max(previous, killNanos));
                }
                previous = ts;
            }
            worst = Math.max(worst, gap);
            line.append(String.format(" %s %d ms;", e.getKey(), gap / 1_000_000));
        }
        System.out.println(line);
        // A dead owner's shards wait for its lease to expire, then for the next renewal of the survivor.
        assertTrue(worst < LEASE.toNanos() + Duration.ofSeconds(10).toNanos(),
                "longest pause " + worst / 1_000_000 + " ms is within the lease duration and a margin");
    }

    private static Map<String, Set<Long>> ownersByInstance() throws SQLException {
        Map<String, Set<Long>> out = new HashMap<>();
        try (Connection c = database(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("""
                     SELECT l.owner_id, l.shard_key FROM shard_leases l JOIN shards sh ON sh.shard_key = l.shard_key
                     JOIN streams st ON st.id = sh.stream_id
                     WHERE st.name = 'failover' AND l.owner_id IS NOT NULL AND sh.ending_position IS NULL""")) {
            while (rs.next()) {
                out.computeIfAbsent(rs.getString(1), k -> new HashSet<>()).add(rs.getLong(2));
            }
        }
        return out;
    }

    private static String instanceAt(String endpoint) throws SQLException {
        try (Connection c = database(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT instance_id FROM shard_service_instances WHERE grpc_endpoint = '"
                     + endpoint + "' ORDER BY started_at DESC LIMIT 1")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static Connection database() throws SQLException {
        return DriverManager.getConnection(datasource.get("quarkus.datasource.jdbc.url"),
                datasource.get("quarkus.datasource.username"), datasource.get("quarkus.datasource.password"));
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void waitUntil(Duration timeout, Check check, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            pause(100);
        }
    }

    private static void pause(long millis) {
        try {
            // Producers and the test thread pace themselves; nothing here runs on an event loop.
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
