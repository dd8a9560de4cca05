package io.tributary.shard;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The splits and merges that turn a stream's open shards into a new set, in the order they happen.
 *
 * <p>Every change is one of Kinesis's two primitives, so the lineage stays what Kinesis clients expect: a
 * split closes one parent and opens two children, a merge closes two adjacent parents and opens one child
 * (with {@code ParentShardId} and {@code AdjacentParentShardId}). {@link #uniform} reaches any target
 * count by splitting at the target's boundaries and then merging what lies between them; the shards in
 * between are created and closed in the same change (empty, short-lived shards, as Kinesis's
 * UpdateShardCount creates them too).
 *
 * <p>The plan refers to shards by {@link Node}: an existing open shard (by index) or a shard the plan
 * creates (numbered in creation order, which is the order their indexes are given).
 */
public final class ReshardPlan {

    private final List<Node> open = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private final List<Node> closedExisting = new ArrayList<>();
    private int created;

    private ReshardPlan(List<ShardInfo> openShards) {
        for (ShardInfo s : openShards) {
            open.add(new Node(s.index(), -1, s.hashKeyRange()));
        }
        open.sort(Comparator.comparing(n -> n.range().start()));
    }

    /** A shard in a plan: {@code existingIndex >= 0} for a shard that exists, else {@code created >= 0}. */
    public record Node(int existingIndex, int created, HashKeyRange range) {

        public boolean existing() {
            return existingIndex >= 0;
        }
    }

    /** One primitive change: parents close, children open. */
    public sealed interface Step permits Split, Merge {
    }

    /** {@code parent} closes; {@code lower} and {@code upper} split its range at {@code upper.range().start()}. */
    public record Split(Node parent, Node lower, Node upper) implements Step {
    }

    /** {@code parent} and {@code adjacentParent} close; {@code child} covers both ranges. */
    public record Merge(Node parent, Node adjacentParent, Node child) implements Step {
    }

    /** The steps, in order. */
    public List<Step> steps() {
        return steps;
    }

    /** Existing shards the plan closes. */
    public List<Node> closedExisting() {
        return closedExisting;
    }

    /** Shards the plan creates, including those it closes again. */
    public int createdCount() {
        return created;
    }

    /** Open shards after the plan, by range. */
    public List<Node> openAfter() {
        return open;
    }

    /**
     * Splits one open shard at a hash key.
     *
     * @throws LogException {@code SHARD_NOT_FOUND} / {@code SHARD_CLOSED} for a shard that is not open,
     *                      {@code INVALID_ARGUMENT} for a key that does not fall strictly inside its range
     */
    public static ReshardPlan split(StreamInfo stream, String shardId, BigInteger newStartingHashKey) {
        ReshardPlan plan = new ReshardPlan(openShards(stream));
        Node parent = plan.openNode(stream, shardId);
        HashKeyRange r = parent.range();
        if (newStartingHashKey.compareTo(r.start()) <= 0 || newStartingHashKey.compareTo(r.end()) > 0) {
            throw new LogException(LogException.Reason.INVALID_ARGUMENT, "NewStartingHashKey " + newStartingHashKey
                    + " must be greater than the starting hash key and at most the ending hash key of " + shardId
                    + " (" + r + ")");
        }
        plan.splitAt(parent, newStartingHashKey);
        return plan;
    }

    /**
     * Merges two open shards whose ranges are adjacent.
     *
     * @throws LogException {@code INVALID_ARGUMENT} when they are the same shard or not adjacent
     */
    public static ReshardPlan merge(StreamInfo stream, String shardId, String adjacentShardId) {
        if (shardId.equals(adjacentShardId)) {
            throw new LogException(LogException.Reason.INVALID_ARGUMENT, "Cannot merge shard " + shardId + " with itself.");
        }
        ReshardPlan plan = new ReshardPlan(openShards(stream));
        Node a = plan.openNode(stream, shardId);
        Node b = plan.openNode(stream, adjacentShardId);
        if (!a.range().end().add(BigInteger.ONE).equals(b.range().start())
                && !b.range().end().add(BigInteger.ONE).equals(a.range().start())) {
            throw new LogException(LogException.Reason.INVALID_ARGUMENT, "Shards " + shardId + " (" + a.range() + ") and "
                    + adjacentShardId + " (" + b.range() + ") are not adjacent: their hash key ranges must touch.");
        }
        plan.merge(a, b);
        return plan;
    }

    /**
     * Reaches {@code target} open shards of (almost) equal ranges, the ranges a stream created with that
     * many shards would have.
     */
    public static ReshardPlan uniform(StreamInfo stream, int target) {
        ReshardPlan plan = new ReshardPlan(openShards(stream));
        List<HashKeyRange> ranges = HashKeys.splitEvenly(target);
        // 1. Split wherever a target range starts inside an open shard.
        for (HashKeyRange t : ranges) {
            Node holder = plan.holderOf(t.start());
            if (!holder.range().start().equals(t.start())) {
                plan.splitAt(holder, t.start());
            }
        }
        // 2. Merge, left to right, the shards that now lie within each target range.
        for (HashKeyRange t : ranges) {
            List<Node> inside = new ArrayList<>();
            for (Node n : plan.open) {
                if (n.range().start().compareTo(t.start()) >= 0 && n.range().end().compareTo(t.end()) <= 0) {
                    inside.add(n);
                }
            }
            Node acc = inside.get(0);
            for (int i = 1; i < inside.size(); i++) {
                acc = plan.merge(acc, inside.get(i));
            }
        }
        return plan;
    }

    private static List<ShardInfo> openShards(StreamInfo stream) {
        return stream.shards().stream().filter(ShardInfo::isOpen).toList();
    }

    private Node openNode(StreamInfo stream, String shardId) {
        ShardInfo shard = stream.shard(shardId);
        if (shard == null) {
            throw new LogException(LogException.Reason.SHARD_NOT_FOUND, "Shard " + shardId + " in stream "
                    + stream.name() + " under account " + stream.tenantId() + " does not exist.");
        }
        for (Node n : open) {
            if (n.existingIndex() == shard.index()) {
                return n;
            }
        }
        throw new LogException(LogException.Reason.SHARD_CLOSED, "Shard " + shardId + " in stream " + stream.name()
                + " under account " + stream.tenantId() + " is closed; only open shards can be split or merged.");
    }

    private Node holderOf(BigInteger key) {
        for (Node n : open) {
            if (n.range().contains(key)) {
                return n;
            }
        }
        throw new IllegalStateException("open shards do not cover hash key " + key);
    }

    private void splitAt(Node parent, BigInteger key) {
        Node lower = new Node(-1, created++, new HashKeyRange(parent.range().start(), key.subtract(BigInteger.ONE)));
        Node upper = new Node(-1, created++, new HashKeyRange(key, parent.range().end()));
        int at = close(parent);
        open.add(at, upper);
        open.add(at, lower);
        steps.add(new Split(parent, lower, upper));
    }

    private Node merge(Node parent, Node adjacent) {
        Node lo = parent.range().start().compareTo(adjacent.range().start()) < 0 ? parent : adjacent;
        Node hi = lo == parent ? adjacent : parent;
        Node child = new Node(-1, created++, new HashKeyRange(lo.range().start(), hi.range().end()));
        close(hi);
        int at = close(lo);
        open.add(at, child);
        steps.add(new Merge(parent, adjacent, child));
        return child;
    }

    private int close(Node n) {
        int at = open.indexOf(n);
        open.remove(at);
        if (n.existing()) {
            closedExisting.add(n);
        }
        return at;
    }
}
