package io.tributary.shard;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReshardPlanTest {

    private static StreamInfo stream(List<HashKeyRange> ranges) {
        List<ShardInfo> shards = new ArrayList<>();
        for (int i = 0; i < ranges.size(); i++) {
            shards.add(new ShardInfo(100 + i, i, ranges.get(i), -1, -1, 1, -1, 0, -1));
        }
        return new StreamInfo(1, "000000000001", "s", StreamStatus.ACTIVE, 24, 1 << 20, 0, shards, false,
                StreamMode.PROVISIONED, 0, null, -1);
    }

    @Test
    void splitsOneShardAtTheKeyIntoTwoChildren() {
        StreamInfo s = stream(HashKeys.splitEvenly(2));
        BigInteger key = s.shards().get(0).hashKeyRange().start().add(BigInteger.valueOf(1000));
        ReshardPlan plan = ReshardPlan.split(s, "shardId-000000000000", key);
        ReshardPlan.Split split = (ReshardPlan.Split) plan.steps().get(0);
        assertEquals(1, plan.steps().size());
        assertEquals(0, split.parent().existingIndex());
        assertEquals(key.subtract(BigInteger.ONE), split.lower().range().end());
        assertEquals(key, split.upper().range().start());
        assertEquals(3, plan.openAfter().size());
        assertCovers(plan.openAfter());
    }

    @Test
    void refusesASplitKeyOutsideTheShardOrAtItsStart() {
        StreamInfo s = stream(HashKeys.splitEvenly(2));
        HashKeyRange r = s.shards().get(1).hashKeyRange();
        LogException atStart = assertThrows(LogException.class, () -> ReshardPlan.split(s, "shardId-000000000001", r.start()));
        assertEquals(LogException.Reason.INVALID_ARGUMENT, atStart.reason());
        assertThrows(LogException.class, () -> ReshardPlan.split(s, "shardId-000000000000", r.start()));
        assertEquals(3, ReshardPlan.split(s, "shardId-000000000001", r.end()).openAfter().size(),
                "the last key of the range makes a one-key upper child");
        assertEquals(LogException.Reason.SHARD_NOT_FOUND,
                assertThrows(LogException.class, () -> ReshardPlan.split(s, "shardId-000000000009", r.end())).reason());
    }

    @Test
    void mergesAdjacentShardsInEitherOrderAndRefusesOthers() {
        StreamInfo s = stream(HashKeys.splitEvenly(3));
        ReshardPlan plan = ReshardPlan.merge(s, "shardId-000000000002", "shardId-000000000001");
        ReshardPlan.Merge merge = (ReshardPlan.Merge) plan.steps().get(0);
        assertEquals(2, merge.parent().existingIndex());
        assertEquals(1, merge.adjacentParent().existingIndex());
        assertEquals(new HashKeyRange(s.shards().get(1).hashKeyRange().start(), HashKeys.MAX), merge.child().range());
        assertCovers(plan.openAfter());
        LogException notAdjacent = assertThrows(LogException.class,
                () -> ReshardPlan.merge(s, "shardId-000000000000", "shardId-000000000002"));
        assertEquals(LogException.Reason.INVALID_ARGUMENT, notAdjacent.reason());
        assertThrows(LogException.class, () -> ReshardPlan.merge(s, "shardId-000000000000", "shardId-000000000000"));
    }

    @Test
    void refusesToSplitAClosedShard() {
        List<ShardInfo> shards = List.of(
                new ShardInfo(1, 0, new HashKeyRange(BigInteger.ZERO, HashKeys.MAX), -1, -1, 1, 5, 0, 1),
                new ShardInfo(2, 1, new HashKeyRange(BigInteger.ZERO, HashKeys.MAX), 0, -1, 6, -1, 1, -1));
        StreamInfo s = new StreamInfo(1, "000000000001", "s", StreamStatus.ACTIVE, 24, 1 << 20, 0, shards, false,
                StreamMode.PROVISIONED, 0, null, -1);
        assertEquals(LogException.Reason.SHARD_CLOSED, assertThrows(LogException.class,
                () -> ReshardPlan.split(s, "shardId-000000000000", BigInteger.TEN)).reason());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"1,2", "2,1", "4,8", "8,4", "3,5", "5,3", "4,7", "7,4", "3,3", "6,11", "10,19", "19,10"})
    void reachesTheTargetsEvenRangesWithSplitsAndMergesOnly(int from, int to) {
        StreamInfo s = stream(HashKeys.splitEvenly(from));
        ReshardPlan plan = ReshardPlan.uniform(s, to);
        List<HashKeyRange> after = plan.openAfter().stream().map(ReshardPlan.Node::range).toList();
        assertEquals(HashKeys.splitEvenly(to), after);
        // Every shard that gets created is either open at the end or closed by a later step; every
        // parent is open when it closes; and every key's path goes parent -> child only.
        Set<ReshardPlan.Node> live = new HashSet<>();
        for (ShardInfo shard : s.shards()) {
            live.add(new ReshardPlan.Node(shard.index(), -1, shard.hashKeyRange()));
        }
        Map<ReshardPlan.Node, Integer> seen = new HashMap<>();
        for (ReshardPlan.Step step : plan.steps()) {
            if (step instanceof ReshardPlan.Split sp) {
                assertTrue(live.remove(sp.parent()), "split parent is open");
                assertEquals(sp.parent().range().start(), sp.lower().range().start());
                assertEquals(sp.parent().range().end(), sp.upper().range().end());
                live.add(sp.lower());
                live.add(sp.upper());
            } else if (step instanceof ReshardPlan.Merge m) {
                assertTrue(live.remove(m.parent()), "merge parent is open");
                assertTrue(live.remove(m.adjacentParent()), "merge adjacent parent is open");
                live.add(m.child());
            }
            seen.merge(step instanceof ReshardPlan.Split ? ((ReshardPlan.Split) step).parent()
                    : ((ReshardPlan.Merge) step).parent(), 1, Integer::sum);
        }
        assertEquals(new HashSet<>(plan.openAfter()), live);
        seen.values().forEach(n -> assertEquals(1, n, "a shard closes once"));
        if (from == to) {
            assertTrue(plan.steps().isEmpty(), "an even stream at its target count needs no change");
        }
    }

    private static void assertCovers(List<ReshardPlan.Node> nodes) {
        BigInteger next = BigInteger.ZERO;
        for (ReshardPlan.Node n : nodes) {
            assertEquals(next, n.range().start());
            next = n.range().end().add(BigInteger.ONE);
        }
        assertEquals(HashKeys.MAX.add(BigInteger.ONE), next);
    }
}
