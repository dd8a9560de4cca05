package io.tributary.shard.grpc;

import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.PositionType;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.StoredRecord;
import io.tributary.protocol.v1.StreamDescription;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.tributary.shard.grpc.LogClient.batch;
import static io.tributary.shard.grpc.LogClient.position;
import static io.tributary.shard.grpc.LogClient.record;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A commit whose payloads exceed PostgreSQL's {@code work_mem} (4 MB by default) goes straight into the
 * table, never through a temporary file: here the service's connections run with
 * {@code temp_file_limit = 0}, so a statement that spilled to one would fail and the batch be refused.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@TestProfile(AppendWithoutTemporaryFilesTest.NoTemporaryFiles.class)
class AppendWithoutTemporaryFilesTest {

    public static class NoTemporaryFiles implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // The reactive INSERT is the statement that could spill; COPY never materialises its rows.
            return Map.of("quarkus.datasource.reactive.additional-properties.temp_file_limit", "0",
                    "tributary.shard.append.statement", "insert");
        }
    }

    @GrpcClient("shard")
    io.grpc.Channel channel;

    @Test
    void commitsABatchLargerThanWorkMemWithoutATemporaryFile() {
        LogClient client = new LogClient(channel);
        StreamDescription stream = client.create("no-temp-files", 1);
        String shardId = stream.getShards(0).getShardId();
        Random random = new Random(42);
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            byte[] data = new byte[1_000_000];
            random.nextBytes(data);
            records.add(record("key-" + i, data));
        }

        AppendResponse response = client.appendOne(batch("no-temp-files", shardId, records));

        assertTrue(response.hasAck(), () -> "refused: " + response.getError());
        assertEquals(6, response.getAck().getSequenceNumbersCount());
        List<StoredRecord> stored = client.readAll("no-temp-files", shardId, position(PositionType.TRIM_HORIZON));
        assertEquals(6, stored.size());
        for (int i = 0; i < 6; i++) {
            assertEquals("key-" + i, stored.get(i).getPartitionKey());
            assertArrayEquals(records.get(i).getData().toByteArray(), stored.get(i).getData().toByteArray());
        }
    }
}
