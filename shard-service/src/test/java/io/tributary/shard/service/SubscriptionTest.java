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
    };

    private final ShardInfo shard = new ShardInfo(1, 0, new HashKeyRange(BigInteger.ZERO, HashKeys.MAX), -1, -1, 1, -1);
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
        Subscription s = new Subscription(null, new ReadService.OpenShard(null, shard, log), 1, sink, LIMITS);
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
        Subscription s = new Subscription(null, new ReadService.OpenShard(null, shard, log), 1, sink, LIMITS);
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
}
