package io.tributary.shard.service;

import io.tributary.batch.RecordBatchWriter;
import io.tributary.shard.HashKeyRange;
import io.tributary.shard.HashKeys;
import io.tributary.shard.LogException;
import io.tributary.shard.ReadResult;
import io.tributary.shard.ShardInfo;
import io.tributary.shard.config.ShardServiceConfig;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SubscriptionTest {

    private static final ShardServiceConfig.Subscribe LIMITS = new ShardServiceConfig.Subscribe() {
        @Override
        public int maxRecordsPerMessage() {
            return 100;
        }

        @Override
        public int maxBytesPerMessage() {
            return 1 << 20;
        }

        @Override
        public long maxCredits() {
            return 1000;
        }

        @Override
        public java.time.Duration sessionDuration() {
            return java.time.Duration.ofMinutes(5);
        }
    };

    private final ShardInfo shard = new ShardInfo(1, 0, new HashKeyRange(BigInteger.ZERO, HashKeys.MAX), -1, -1, 1, -1, 0, -1);
    private final ShardLog log = new ShardLog(shard, 0, 0, 1 << 20, 1 << 30, new AtomicLong());
    private final List<ReadResult> sent = new ArrayList<>();
    private final SubscriptionSink sink = new SubscriptionSink() {
        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void send(ReadResult result) {
            sent.add(result);
        }

        @Override
        public void fail(LogException error) {
            throw new AssertionError(error);
        }
    };

    private void commit(long first, int count) {
        RecordBatchWriter writer = new RecordBatchWriter();
        for (int i = 0; i < count; i++) {
            writer.add("k", ("r" + (first + i)).getBytes(StandardCharsets.UTF_8));
        }
        log.publish(ShardLog.TailBatch.of(first, 1000, writer.finish()));
    }

    @Test
    void waitsForTheNextCommitOnceHoweverOftenItIsGrantedCredit() {
        Subscription s = new Subscription(null, new ReadService.OpenShard(null, shard, log), 1, sink, LIMITS, () -> 0L);
        for (int i = 0; i < 1000; i++) {
            s.grant(1);
        }
        assertEquals(1, log.waiterCount(), "one registration per subscription, not one per grant");
        commit(1, 5);
        assertEquals(5, sent.stream().mapToInt(r -> r.records().size()).sum());
        assertEquals(1, log.waiterCount(), "waiting again at the new head");
        s.cancel();
        assertEquals(0, log.waiterCount(), "a cancelled subscription leaves nothing behind on an idle shard");
    }

    @Test
    void neverSendsMoreThanItsCredit() {
        Subscription s = new Subscription(null, new ReadService.OpenShard(null, shard, log), 1, sink, LIMITS, () -> 0L);
        commit(1, 50);
        s.grant(7);
        assertEquals(7, sent.stream().mapToInt(r -> r.records().size()).sum());
        commit(51, 50);
        assertEquals(7, sent.stream().mapToInt(r -> r.records().size()).sum());
        s.grant(1000);
        assertEquals(100, sent.stream().mapToInt(r -> r.records().size()).sum());
        assertEquals("r100", sent.get(sent.size() - 1).records().get(sent.get(sent.size() - 1).records().size() - 1)
                .data().toStringUtf8());
    }

    @Test
    void sendsWhatAClosedShardHoldsThenItsChildrenAndNothingMore() {
        Subscription s = new Subscription(null, new ReadService.OpenShard(null, shard, log), 1, sink, LIMITS, () -> 0L);
        commit(1, 10);
        s.grant(4);
        ShardInfo closed = new ShardInfo(1, 0, shard.hashKeyRange(), -1, -1, 1, 11, 0, 5);
        ShardInfo child = new ShardInfo(2, 1, shard.hashKeyRange(), 0, -1, 12, -1, 5, -1);
        log.close(closed, List.of(child));
        assertEquals(4, sent.stream().mapToInt(r -> r.records().size()).sum());
        assertFalse(sent.stream().anyMatch(ReadResult::shardEnded), "records are left, so the shard has not ended");
        s.grant(100);
        assertEquals(10, sent.stream().mapToInt(r -> r.records().size()).sum());
        // Another instance may have committed to the shard what this log never saw: the end is told only
        // once storage confirmed where the shard ends.
        assertFalse(sent.stream().anyMatch(ReadResult::shardEnded), "the end is not known before storage is asked");
        log.follow(10, 5);
        ReadResult last = sent.get(sent.size() - 1);
        assertTrue(last.shardEnded());
        assertEquals(List.of(child), last.childShards());
        int messages = sent.size();
        s.grant(100);
        commit(12, 1); // cannot happen to a closed shard; even so, nothing more is sent
        assertEquals(messages, sent.size());
    }

    @Test
    void wakesAWaitingSubscriberWhenItsShardCloses() {
        Subscription s = new Subscription(null, new ReadService.OpenShard(null, shard, log), 1, sink, LIMITS, () -> 0L);
        commit(1, 3);
        s.grant(4);
        assertEquals(1, log.waiterCount());
        ShardInfo closed = new ShardInfo(1, 0, shard.hashKeyRange(), -1, -1, 1, 4, 0, 5);
        log.close(closed, List.of());
        assertFalse(sent.stream().anyMatch(ReadResult::shardEnded), "the end is not known before storage is asked");
        assertEquals(1, log.waiterCount(), "the subscriber waits for storage's answer, without spinning");
        log.follow(3, 5);
        assertTrue(sent.get(sent.size() - 1).shardEnded());
        assertEquals(0, log.waiterCount());
    }
}
