package io.tributary.shard.grpc;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

import java.util.Map;

/**
 * The same stall, with a commit queue far smaller than the producer's window: the queue's byte bound, not
 * the window, stops the producer, and appends resume when storage does.
 */
@QuarkusTest
@TestProfile(AppendCommitQueueBoundTest.SmallCommitQueue.class)
class AppendCommitQueueBoundTest extends AppendBackpressureTest {

    /** About four batches of 64 records of 1 KiB. */
    static final int QUEUE_BYTES = 4 * BATCH_RECORDS * (RECORD_BYTES + 8);

    public static class SmallCommitQueue implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tributary.shard.append.commit-queue-bytes", Integer.toString(QUEUE_BYTES));
        }
    }

    @Override
    int maxBatchesWhileStalled() {
        // The queue holds ~4 batches (one more may be in flight to it); the rest is what HTTP/2 and the
        // client's own buffer hold: far less than the window of 32 plus that.
        return window;
    }

    @Override
    int minBatchesWhileStalled() {
        return 4;
    }
}
