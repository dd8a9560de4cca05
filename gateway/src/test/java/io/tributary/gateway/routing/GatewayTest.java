package io.tributary.gateway.routing;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.tributary.gateway.service.AccessKeys;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.PutRecordResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway in front of real shard-service and ingest-service processes, driven by the AWS SDK with
 * SigV4: signed requests reach the right service as the right tenant; badly signed ones never do.
 */
@QuarkusTest
@WithTestResource(ServicesBehindGateway.class)
class GatewayTest {

    @TestHTTPResource("/")
    URL gateway;

    @Inject
    AccessKeys accessKeys;

    private KinesisClient client(String accessKey, String secret, boolean cbor) throws Exception {
        String previous = System.getProperty("aws.cborEnabled");
        System.setProperty("aws.cborEnabled", Boolean.toString(cbor));
        try {
            return KinesisClient.builder().endpointOverride(gateway.toURI()).region(Region.EU_WEST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secret)))
                    .httpClient(UrlConnectionHttpClient.create())
                    .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD))
                    .build();
        } finally {
            if (previous == null) {
                System.clearProperty("aws.cborEnabled");
            } else {
                System.setProperty("aws.cborEnabled", previous);
            }
        }
    }

    @Test
    void signedRequestsReachBothServicesAsTheirTenant() throws Exception {
        for (boolean cbor : new boolean[]{true, false}) {
            try (KinesisClient k = client("test", "test", cbor)) {
                String stream = "gw-" + cbor + "-" + System.nanoTime();
                k.createStream(b -> b.streamName(stream).shardCount(2));
                String arn = k.describeStreamSummary(b -> b.streamName(stream)).streamDescriptionSummary().streamARN();
                assertTrue(arn.contains(":" + ServicesBehindGateway.ACCOUNT + ":stream/" + stream), arn);
                PutRecordResponse put = k.putRecord(b -> b.streamName(stream).partitionKey("p")
                        .data(SdkBytes.fromUtf8String("through the gateway")));
                String iterator = k.getShardIterator(b -> b.streamName(stream).shardId(put.shardId())
                        .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
                List<Record> records = k.getRecords(b -> b.shardIterator(iterator)).records();
                assertEquals(1, records.size());
                assertEquals("through the gateway", records.get(0).data().asUtf8String());
                assertEquals(put.sequenceNumber(), records.get(0).sequenceNumber());
            }
        }
    }

    @Test
    void restRequestsWithAnApiKeyReachIngestAsTheirTenant() throws Exception {
        try (KinesisClient k = client("test", "test", true)) {
            String stream = "gw-rest-" + System.nanoTime();
            k.createStream(b -> b.streamName(stream).shardCount(1));
            String path = "/v1/streams/" + stream + "/records";
            byte[] body = "{\"key\":\"k1\",\"json\":{\"n\":1}}\n{\"key\":\"k2\",\"json\":{\"n\":2}}\n".getBytes(StandardCharsets.UTF_8);
            assertEquals(401, post(path, null, body));
            assertEquals(403, post(path, "not-a-key", body));
            assertEquals(200, post(path, ServicesBehindGateway.API_KEY, body));
            String iterator = k.getShardIterator(b -> b.streamName(stream).shardId("shardId-000000000000")
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            assertEquals(List.of("{\"n\":1}", "{\"n\":2}"), k.getRecords(b -> b.shardIterator(iterator)).records().stream()
                    .map(r -> r.data().asUtf8String()).toList(), "refused requests wrote nothing; the accepted one wrote both");
        }
    }

    @Test
    void consumerGroupRequestsWithAnApiKeyReachShardServiceAsTheirTenant() throws Exception {
        try (KinesisClient k = client("test", "test", true)) {
            String stream = "gw-groups-" + System.nanoTime();
            k.createStream(b -> b.streamName(stream).shardCount(1));
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.URI uri = gateway.toURI().resolve("/v1/streams/" + stream + "/consumer-groups");
            java.net.http.HttpResponse<String> listed = http.send(java.net.http.HttpRequest.newBuilder(uri)
                    .header("Authorization", "Bearer " + ServicesBehindGateway.API_KEY).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, listed.statusCode(), listed.body());
            assertEquals("{\"groups\":[]}", listed.body());
            assertEquals(401, http.send(java.net.http.HttpRequest.newBuilder(uri).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode());
            java.net.http.HttpResponse<String> missing = http.send(java.net.http.HttpRequest.newBuilder(
                            gateway.toURI().resolve("/v1/streams/" + stream + "/consumer-groups/none/reset"))
                    .header("Authorization", "Bearer " + ServicesBehindGateway.API_KEY)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"position\":\"TRIM_HORIZON\"}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(404, missing.statusCode(), missing.body());
        }
    }

    @Test
    void subscribeToShardStreamsThroughTheGatewayOverHttp2() throws Exception {
        try (KinesisClient k = client("test", "test", true);
             software.amazon.awssdk.services.kinesis.KinesisAsyncClient async = software.amazon.awssdk.services.kinesis.KinesisAsyncClient
                     .builder().endpointOverride(gateway.toURI()).region(Region.EU_WEST_1)
                     .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                     .httpClientBuilder(software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient.builder()
                             .protocol(software.amazon.awssdk.http.Protocol.HTTP2))
                     .build()) {
            String stream = "gw-efo-" + System.nanoTime();
            async.createStream(b -> b.streamName(stream).shardCount(1)).get(30, java.util.concurrent.TimeUnit.SECONDS);
            String streamArn = k.describeStreamSummary(b -> b.streamName(stream)).streamDescriptionSummary().streamARN();
            String consumerArn = async.registerStreamConsumer(b -> b.streamARN(streamArn).consumerName("efo"))
                    .get(30, java.util.concurrent.TimeUnit.SECONDS).consumer().consumerARN();
            List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
            var handler = software.amazon.awssdk.services.kinesis.model.SubscribeToShardResponseHandler.builder()
                    .subscriber(software.amazon.awssdk.services.kinesis.model.SubscribeToShardResponseHandler.Visitor.builder()
                            .onSubscribeToShardEvent(e -> e.records().forEach(r -> received.add(r.data().asUtf8String()))).build())
                    .build();
            var session = async.subscribeToShard(b -> b.consumerARN(consumerArn).shardId("shardId-000000000000")
                    .startingPosition(p -> p.type(ShardIteratorType.LATEST)), handler);
            // Records put after the subscription started arrive pushed, through gateway and ingest-service.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() -> {
                k.putRecord(b -> b.streamName(stream).partitionKey("k").data(software.amazon.awssdk.core.SdkBytes.fromUtf8String("pushed")));
                assertTrue(!received.isEmpty(), "nothing pushed yet");
            });
            assertTrue(received.stream().allMatch("pushed"::equals), received.toString());
            session.cancel(true);
        }
    }

    @Inject
    io.vertx.core.Vertx vertx;

    @Test
    void webSocketProducersGoThroughWithAnApiKey() throws Exception {
        try (KinesisClient k = client("test", "test", true)) {
            String stream = "gw-ws-" + System.nanoTime();
            k.createStream(b -> b.streamName(stream).shardCount(1));
            io.vertx.core.http.WebSocketClient wsClient = vertx.createWebSocketClient();
            io.vertx.core.http.WebSocketConnectOptions options = new io.vertx.core.http.WebSocketConnectOptions()
                    .setHost(gateway.getHost()).setPort(gateway.getPort()).setURI("/v1/streams/" + stream + "/ws");
            Throwable refused = wsClient.connect(options).toCompletionStage().toCompletableFuture()
                    .handle((ws, e) -> e).get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(refused instanceof io.vertx.core.http.UpgradeRejectedException r && r.getStatus() == 401, String.valueOf(refused));
            List<String> sequenceNumbers = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.atomic.AtomicInteger welcomes = new java.util.concurrent.atomic.AtomicInteger();
            io.vertx.core.http.WebSocket ws = wsClient.connect(options.addHeader("Authorization", "Bearer " + ServicesBehindGateway.API_KEY))
                    .onSuccess(socket -> socket.textMessageHandler(text -> {
                        io.vertx.core.json.JsonObject answer = new io.vertx.core.json.JsonObject(text);
                        if (answer.containsKey("sequenceNumber")) {
                            sequenceNumbers.add(answer.getString("sequenceNumber"));
                        } else if ("welcome".equals(answer.getString("type"))) {
                            welcomes.incrementAndGet();
                        }
                    }))
                    .toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
            for (int i = 0; i < 10; i++) {
                ws.writeTextMessage("{\"key\":\"k" + i + "\",\"json\":{\"n\":" + i + "}}");
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> sequenceNumbers.size() == 10);
            assertEquals(1, welcomes.get(), "the greeting with the credits, sent by ingest-service at once, reaches the producer");
            ws.close();
            String iterator = k.getShardIterator(b -> b.streamName(stream).shardId("shardId-000000000000")
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            List<Record> records = k.getRecords(b -> b.shardIterator(iterator)).records();
            assertEquals(10, records.size());
            assertEquals(new java.util.HashSet<>(sequenceNumbers),
                    records.stream().map(Record::sequenceNumber).collect(java.util.stream.Collectors.toSet()));
        }
    }

    private int post(String path, String apiKey, byte[] body) throws Exception {
        HttpURLConnection c = (HttpURLConnection) gateway.toURI().resolve(path).toURL().openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/x-ndjson");
        if (apiKey != null) {
            c.setRequestProperty("Authorization", "Bearer " + apiKey);
        }
        c.getOutputStream().write(body);
        return c.getResponseCode();
    }

    @Test
    void aTenantSeesOnlyItsOwnStreams() throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> accessKeys.put("000000000222", "tenant-b-key", "tenant-b-secret"));
        String stream = "private-" + System.nanoTime();
        try (KinesisClient a = client("test", "test", true); KinesisClient b = client("tenant-b-key", "tenant-b-secret", true)) {
            a.createStream(r -> r.streamName(stream).shardCount(1));
            assertThrows(ResourceNotFoundException.class, () -> b.describeStream(r -> r.streamName(stream)));
            assertTrue(b.listStreams().streamNames().stream().noneMatch(stream::equals));
            b.createStream(r -> r.streamName(stream).shardCount(3));
            assertEquals(1, a.describeStreamSummary(r -> r.streamName(stream)).streamDescriptionSummary().openShardCount());
            assertEquals(3, b.describeStreamSummary(r -> r.streamName(stream)).streamDescriptionSummary().openShardCount());
        }
    }

    @Test
    void badlySignedRequestsAreRefusedWithAwsErrors() throws Exception {
        try (KinesisClient wrongSecret = client("test", "not-test", true); KinesisClient unknownKey = client("nobody", "x", false)) {
            KinesisException e = assertThrows(KinesisException.class, () -> wrongSecret.listStreams());
            assertEquals("InvalidSignatureException", e.awsErrorDetails().errorCode());
            assertEquals(400, e.statusCode());
            KinesisException u = assertThrows(KinesisException.class, () -> unknownKey.listStreams());
            assertEquals("UnrecognizedClientException", u.awsErrorDetails().errorCode());
        }
        HttpURLConnection unsigned = (HttpURLConnection) gateway.toURI().resolve("/").toURL().openConnection();
        unsigned.setRequestMethod("POST");
        unsigned.setDoOutput(true);
        unsigned.setRequestProperty("Content-Type", "application/x-amz-json-1.1");
        unsigned.setRequestProperty("X-Amz-Target", "Kinesis_20131202.ListStreams");
        unsigned.getOutputStream().write("{}".getBytes(StandardCharsets.UTF_8));
        assertEquals(400, unsigned.getResponseCode());
        String body = new String(unsigned.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(body.contains("MissingAuthenticationTokenException"), body);
    }
}
