package io.tributary.ingest.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.aws.GatewayHeaders;
import io.tributary.ingest.api.ShardServiceProcess;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** WebSocket ingest into a real shard-service process: text and binary frames, acknowledgements, credits. */
@QuarkusTest
@WithTestResource(ShardServiceProcess.class)
class WebSocketIngestTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TENANT = "000000000045";

    @TestHTTPResource("/")
    URL ingest;

    @Inject
    Vertx vertx;

    private KinesisClient shard() {
        return KinesisClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + ShardServiceProcess.httpPort))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.putHeader(GatewayHeaders.TENANT, TENANT)).build();
    }

    @Test
    void acknowledgesEveryFrameAfterCommitWithItsSequenceNumber() throws Exception {
        try (KinesisClient k = shard()) {
            String stream = "ws-" + System.nanoTime();
            k.createStream(b -> b.streamName(stream).shardCount(2));
            List<JsonNode> answers = new CopyOnWriteArrayList<>();
            WebSocketClient client = vertx.createWebSocketClient();
            // The handler is set on the event loop as the connection completes, so the welcome cannot be missed.
            WebSocket ws = client.connect(new WebSocketConnectOptions().setHost(ingest.getHost()).setPort(ingest.getPort())
                            .setURI("/v1/streams/" + stream + "/ws").addHeader(GatewayHeaders.TENANT, TENANT))
                    .onSuccess(socket -> socket.textMessageHandler(text -> {
                        try {
                            answers.add(JSON.readTree(text));
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> !answers.isEmpty());
            assertEquals("welcome", answers.get(0).get("type").asText());
            assertTrue(answers.get(0).get("credits").asInt() > 0);

            Map<Long, byte[]> sent = new HashMap<>();
            for (int i = 0; i < 100; i++) {
                byte[] data = ("text " + i).getBytes(StandardCharsets.UTF_8);
                sent.put((long) i, data);
                ws.writeTextMessage("{\"id\":\"t" + i + "\",\"key\":\"k" + i + "\",\"data\":\""
                        + java.util.Base64.getEncoder().encodeToString(data) + "\"}");
            }
            for (int i = 100; i < 150; i++) {
                byte[] key = ("b" + i).getBytes(StandardCharsets.UTF_8);
                byte[] data = new byte[300 + i];
                data[0] = (byte) i;
                sent.put((long) i, data);
                ws.writeBinaryMessage(Buffer.buffer().appendUnsignedShort(key.length).appendBytes(key).appendBytes(data));
            }
            ws.writeTextMessage("{\"id\":\"bad\",\"key\":\"\",\"json\":1}");
            await().atMost(Duration.ofSeconds(30)).until(() -> answers.size() == 1 + 151);

            Map<String, Long> seqBySequenceNumber = new ConcurrentHashMap<>();
            JsonNode bad = null;
            for (JsonNode a : answers.subList(1, answers.size())) {
                assertEquals(1, a.get("credits").asInt(), "every answer grants one credit back");
                if (a.has("errorCode")) {
                    bad = a;
                } else {
                    seqBySequenceNumber.put(a.get("sequenceNumber").asText(), a.get("seq").asLong());
                }
            }
            assertEquals("bad", bad.get("id").asText());
            assertEquals("ValidationException", bad.get("errorCode").asText());
            assertEquals(150, seqBySequenceNumber.size());
            ws.close();

            int stored = 0;
            for (String shardId : List.of("shardId-000000000000", "shardId-000000000001")) {
                String iterator = k.getShardIterator(b -> b.streamName(stream).shardId(shardId)
                        .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
                GetRecordsResponse r = k.getRecords(b -> b.shardIterator(iterator));
                for (Record record : r.records()) {
                    Long seq = seqBySequenceNumber.get(record.sequenceNumber());
                    assertArrayEquals(sent.get(seq), record.data().asByteArray(), "frame " + seq);
                    stored++;
                }
            }
            assertEquals(150, stored, "every acknowledged frame stored once; the bad one nowhere");
        }
    }
}
