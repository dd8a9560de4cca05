package io.tributary.shard;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a consumer group's shards are shared out, decided one member's heartbeat at a time.
 *
 * <p>Every live member aims at {@code ceil(eligible shards / live members)} shards (eligible as that member
 * counts them). At its heartbeat a
 * member gives back what it holds beyond that and takes free eligible shards up to it; shards of members
 * that stopped heart-beating are free. A shard changing hands gets a new epoch, which fences the previous
 * holder's checkpoints. A shard is eligible while it is not finished and, unless the member ignores
 * lineage, once its parents are finished (or expired), so that per key the group processes a parent's
 * records before its children's.
 */
public final class LeaseBalancer {

    private LeaseBalancer() {
    }

    /** A shard's lease, as the balancer sees and changes it. */
    public static final class Lease {
        public final ShardInfo shard;
        public String owner;
        public long epoch;
        public boolean finished;

        public Lease(ShardInfo shard, String owner, long epoch, boolean finished) {
            this.shard = shard;
            this.owner = owner;
            this.epoch = epoch;
            this.finished = finished;
        }
    }

    /**
     * Rebalances for {@code member}'s heartbeat; changes the leases in place.
     *
     * @param leases      one per listed shard of the stream, by shard index
     * @param liveMembers members whose session has not expired, {@code member} among them
     * @return the leases {@code member} holds now, by shard index
     */
    public static List<Lease> heartbeat(String member, boolean ignoreLineage, Set<String> liveMembers,
                                        Map<Integer, Lease> leases) {
        for (Lease l : leases.values()) {
            if (l.owner != null && (l.finished || !liveMembers.contains(l.owner))) {
                l.owner = null;
            }
        }
        List<Lease> sorted = new ArrayList<>(leases.values());
        sorted.sort(Comparator.comparingInt(l -> l.shard.index()));
        int eligible = 0;
        for (Lease l : sorted) {
            if (eligible(l, ignoreLineage, leases)) {
                eligible++;
            }
        }
        int target = liveMembers.isEmpty() ? eligible : (eligible + liveMembers.size() - 1) / liveMembers.size();
        List<Lease> mine = new ArrayList<>();
        for (Lease l : sorted) {
            if (member.equals(l.owner)) {
                mine.add(l);
            }
        }
        while (mine.size() > Math.max(target, 0)) {
            Lease given = mine.remove(mine.size() - 1);
            given.owner = null;
            given.epoch++;
        }
        for (Lease l : sorted) {
            if (mine.size() >= target) {
                break;
            }
            if (l.owner == null && eligible(l, ignoreLineage, leases)) {
                l.owner = member;
                l.epoch++;
                mine.add(l);
            }
        }
        mine.sort(Comparator.comparingInt(l -> l.shard.index()));
        return mine;
    }

    /** Whether a shard may be handed out: not finished, and its listed parents finished (unless ignored). */
    static boolean eligible(Lease l, boolean ignoreLineage, Map<Integer, Lease> leases) {
        if (l.finished) {
            return false;
        }
        if (ignoreLineage) {
            return true;
        }
        return parentDone(l.shard.parentIndex(), leases) && parentDone(l.shard.adjacentParentIndex(), leases);
    }

    private static boolean parentDone(int index, Map<Integer, Lease> leases) {
        if (index < 0) {
            return true;
        }
        Lease parent = leases.get(index);
        return parent == null || parent.finished;
    }
}
