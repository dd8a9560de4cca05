package io.tributary.ingest.api;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.aws.GatewayHeaders;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** REST bulk ingest (NDJSON) into a real shard-service process, read back with GetRecords. */
@QuarkusTest
@WithTestResource(ShardServiceProcess.class)
class RecordsResourceTest {

    private static final String TENANT = "000000000044";

    private KinesisClient shard() {
        return KinesisClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + ShardServiceProcess.httpPort))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.putHeader(GatewayHeaders.TENANT, TENANT)).build();
    }

    private List<Record> readAll(KinesisClient k, String stream) {
        String iterator = k.getShardIterator(b -> b.streamName(stream).shardId("shardId-000000000000")
                .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
        return k.getRecords(b -> b.shardIterator(iterator)).records();
    }

    @Test
    void storesNdjsonRecordsGivenAsBase64OrAsJson() {
        try (KinesisClient k = shard()) {
            String stream = "rest-" + System.nanoTime();
            k.createStream(b -> b.streamName(stream).shardCount(1));
            String body = "{\"key\":\"a\",\"data\":\"" + Base64.getEncoder().encodeToString(new byte[]{0, 1, 2, (byte) 255}) + "\"}\n"
                    + "{\"key\":\"b\",\"json\":{\"order\":7,\"items\":[1,2]}}\n"
                    + "\n"
                    + "{\"key\":\"c\",\"json\":\"text\",\"explicitHashKey\":\"5\"}\n";
            given().header(GatewayHeaders.TENANT, TENANT).contentType("application/x-ndjson").body(body.getBytes(StandardCharsets.UTF_8))
                    .when().post("/v1/streams/" + stream + "/records")
                    .then().statusCode(200)
                    .body("failedRecordCount", equalTo(0))
                    .body("records", hasSize(3))
                    .body("records[0].shardId", equalTo("shardId-000000000000"));
            List<Record> read = readAll(k, stream);
            assertEquals(3, read.size());
            assertArrayEquals(new byte[]{0, 1, 2, (byte) 255}, read.get(0).data().asByteArray());
            assertEquals("{\"order\":7,\"items\":[1,2]}", read.get(1).data().asString(StandardCharsets.UTF_8));
            assertEquals("\"text\"", read.get(2).data().asUtf8String());
            assertEquals(List.of("a", "b", "c"), read.stream().map(Record::partitionKey).toList());
        }
    }

    @Test
    void refusesBadBodiesWholeAndWritesNothing() {
        try (KinesisClient k = shard()) {
            String stream = "rest-bad-" + System.nanoTime();
            k.createStream(b -> b.streamName(stream).shardCount(1));
            given().header(GatewayHeaders.TENANT, TENANT).body("{\"key\":\"a\",\"json\":1}\nnot json\n")
                    .when().post("/v1/streams/" + stream + "/records")
                    .then().statusCode(400).body("error", equalTo("SerializationException"));
            given().header(GatewayHeaders.TENANT, TENANT).body("{\"key\":\"\",\"json\":1}\n")
                    .when().post("/v1/streams/" + stream + "/records")
                    .then().statusCode(400).body("error", equalTo("ValidationException"));
            given().header(GatewayHeaders.TENANT, TENANT).body("{\"key\":\"a\",\"data\":\"***\"}\n")
                    .when().post("/v1/streams/" + stream + "/records")
                    .then().statusCode(400);
            given().header(GatewayHeaders.TENANT, TENANT).body("{\"key\":\"a\",\"json\":1}\n")
                    .when().post("/v1/streams/missing-" + stream + "/records")
                    .then().statusCode(404).body("error", equalTo("ResourceNotFoundException"));
            given().body("{\"key\":\"a\",\"json\":1}\n")
                    .when().post("/v1/streams/" + stream + "/records")
                    .then().statusCode(401);
            assertEquals(0, readAll(k, stream).size(), "nothing was written");
        }
    }
}
