package io.tributary.bench.load;

import io.tributary.bench.BenchSettings;
import io.tributary.bench.Payload;
import io.tributary.bench.ShardMap;
import io.tributary.bench.ShardMap.KeyPool;
import io.tributary.bench.measure.DeliveryLedger;
import io.tributary.bench.measure.Latencies;
import io.tributary.bench.measure.LoadStats;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One producer through WebSocket ingest (the gateway's {@code /v1/streams/{stream}/ws}, bearer API key):
 * one record per binary frame, as many unanswered as the server's credits allow; each answer returns a
 * credit. The latency of a record is from its send to its acknowledgement.
 */
public final class WebSocketProducer implements LoadProducer {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private record Sent(long counter, long nanos, boolean measured) {
    }

    private final int id;
    private final BenchSettings settings;
    private final ShardMap shards;
    private final KeyPool keys;
    private final Payload payload;
    private final RunControl control;
    private final DeliveryLedger ledger;
    private final Latencies latencies;
    private final LoadStats stats;
    private final Semaphore credits = new Semaphore(0);
    private final Map<Long, Sent> unanswered = new ConcurrentHashMap<>();
    private volatile Throwable failure;

    public WebSocketProducer(int id, BenchSettings settings, ShardMap shards, KeyPool keys, Payload payload,
                             RunControl control, DeliveryLedger ledger, Latencies latencies, LoadStats stats) {
        this.id = id;
        this.settings = settings;
        this.shards = shards;
        this.keys = keys;
        this.payload = payload;
        this.control = control;
        this.ledger = ledger;
        this.latencies = latencies;
        this.stats = stats;
    }

    @Override
    public void run() {
        WebSocket ws;
        try {
            String base = settings.endpoint().replaceFirst("^http", "ws");
            ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + settings.apiKey())
                    .buildAsync(URI.create(base + "/v1/streams/" + settings.streamName() + "/ws"), new Listener())
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            failure = e;
            control.abort("producer " + id + " could not open its WebSocket: " + e);
            return;
        }
        SplittableRandom random = new SplittableRandom(settings.seed() * 31 + id);
        Pacer pacer = new Pacer(settings, control, 1);
        int recordBytes = payload.recordBytes();
        long counter = 0;
        try {
            while (!control.sendingStopped() && failure == null) {
                long wait = pacer.waitNanos();
                if (wait > 0) {
                    LockSupport.parkNanos(Math.min(wait, POLL_NANOS));
                    continue;
                }
                if (!credits.tryAcquire(POLL_NANOS, TimeUnit.NANOSECONDS)) {
                    continue;
                }
                boolean measured = control.measuring();
                if (control.claim(1, measured) == 0) {
                    break;
                }
                byte[] key = keys.partitionKeyBytes(random.nextInt(shards.size()), random.nextInt(keys.keysPerShard()));
                ByteBuffer frame = ByteBuffer.allocate(2 + key.length + recordBytes);
                frame.putShort((short) key.length).put(key);
                byte[] data = new byte[recordBytes];
                payload.write(data, 0, id, counter, measured);
                long sent = System.nanoTime();
                payload.stampSendTime(data, 1, sent);
                frame.put(data).flip();
                unanswered.put(counter, new Sent(counter, sent, measured));
                stats.sent();
                // One send at a time, as the JDK client requires; waiting here is the socket's backpressure.
                ws.sendBinary(frame, true).get(60, TimeUnit.SECONDS);
                counter++;
                pacer.sent();
            }
            long deadline = System.nanoTime() + settings.ackTimeout().toNanos();
            while (!unanswered.isEmpty() && System.nanoTime() < deadline && failure == null) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            if (!unanswered.isEmpty()) {
                stats.problem("producer " + id + ": " + unanswered.size() + " frames not answered within --ack-timeout");
            }
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            failure = e;
            control.abort("producer " + id + " failed: " + e);
        }
    }

    @Override
    public Throwable failure() {
        return failure;
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                answer(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        private void answer(String json) {
            long now = System.nanoTime();
            if (json.contains("\"welcome\"")) {
                credits.release(number(json, "credits"));
                return;
            }
            long seq = number(json, "seq");
            Sent sent = unanswered.remove(seq);
            if (sent == null) {
                stats.problem("producer " + id + ": answer for unknown frame " + seq);
                return;
            }
            if (json.contains("\"sequenceNumber\"")) {
                latencies.recordAck(now - sent.nanos(), sent.measured());
                ledger.acknowledged(id, sent.counter(), 1);
                stats.acknowledged(1, payload.recordBytes(), sent.measured(), now);
            } else {
                ledger.refused(id, sent.counter(), 1);
                stats.refused("websocket", json);
            }
            credits.release((int) number(json, "credits"));
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            if (!control.sendingStopped() || !unanswered.isEmpty()) {
                failure = error;
            }
        }
    }

    /** A non-negative integer field of a flat JSON object (the server's answers are flat). */
    static int number(String json, String field) {
        int at = json.indexOf("\"" + field + "\":");
        if (at < 0) {
            return 0;
        }
        int i = at + field.length() + 3;
        long v = 0;
        while (i < json.length() && Character.isDigit(json.charAt(i))) {
            v = v * 10 + (json.charAt(i++) - '0');
        }
        return (int) v;
    }
}
