package io.tributary.shard;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeaseBalancerTest {

    private static Map<Integer, LeaseBalancer.Lease> leases(int shards) {
        Map<Integer, LeaseBalancer.Lease> out = new HashMap<>();
        for (int i = 0; i < shards; i++) {
            ShardInfo s = new ShardInfo(i, i, new HashKeyRange(BigInteger.ZERO, HashKeys.MAX), -1, -1, 1, -1, 0, -1);
            out.put(i, new LeaseBalancer.Lease(s, null, 0, false));
        }
        return out;
    }

    @Test
    void convergesToAnEvenShareWhateverTheOrderOfJoinsAndLeaves() {
        Random random = new Random(7);
        for (int round = 0; round < 200; round++) {
            int shards = 1 + random.nextInt(16);
            Map<Integer, LeaseBalancer.Lease> leases = leases(shards);
            Set<String> live = new LinkedHashSet<>();
            for (int step = 0; step < 20; step++) {
                if (live.isEmpty() || random.nextInt(3) > 0) {
                    live.add("m" + random.nextInt(8));
                } else {
                    live.remove(new ArrayList<>(live).get(random.nextInt(live.size())));
                }
                for (String m : live) {
                    LeaseBalancer.heartbeat(m, false, live, leases);
                }
            }
            if (live.isEmpty()) {
                live.add("last");
            }
            // Two more rounds of heartbeats settle any hand-over in progress.
            for (int settle = 0; settle < 2; settle++) {
                for (String m : live) {
                    LeaseBalancer.heartbeat(m, false, live, leases);
                }
            }
            Map<String, Integer> counts = new HashMap<>();
            for (LeaseBalancer.Lease l : leases.values()) {
                assertTrue(l.owner != null && live.contains(l.owner), "every shard has a live holder: shard "
                        + l.shard.index() + " of " + shards + " owner " + l.owner + ", live " + live);
                counts.merge(l.owner, 1, Integer::sum);
            }
            int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            int target = (shards + live.size() - 1) / live.size();
            assertTrue(max <= target, "no member holds more than its share: " + counts + " of " + shards);
        }
    }

    @Test
    void aShardChangingHandsGetsANewEpoch() {
        Map<Integer, LeaseBalancer.Lease> leases = leases(2);
        Set<String> live = new LinkedHashSet<>(List.of("a"));
        LeaseBalancer.heartbeat("a", false, live, leases);
        long epoch = leases.get(1).epoch;
        live.add("b");
        LeaseBalancer.heartbeat("a", false, live, leases);
        List<LeaseBalancer.Lease> b = LeaseBalancer.heartbeat("b", false, live, leases);
        assertEquals(1, b.size());
        assertTrue(b.get(0).epoch > epoch);
    }
}
