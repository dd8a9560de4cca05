package io.tributary.shard;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * When stored batches may go. Records older than their stream's retention are unreadable at once (reads
 * skip them); their storage goes a daily partition at a time, when no stream that wrote to the partition
 * still needs any of it.
 */
public final class Retention {

    private static final long HOUR = 3_600_000L;

    /**
     * How long after its day ends a daily partition is kept at the least, and created at the latest: a batch
     * admitted just before midnight may commit just after it, and instances' clocks differ a little. Without
     * this, a day no stream needs would be created again by each maintenance round and dropped by the next,
     * and each of those takes locks every writer of the tier waits for.
     */
    public static final long PARTITION_GRACE_MILLIS = HOUR;

    private Retention() {
    }

    /**
     * A stream as retention sees it.
     *
     * @param tier            the tier its batches are written to now
     * @param deletedAtMillis when it was deleted, or -1
     */
    public record StreamTerm(long streamId, int retentionHours, int tier, long createdAtMillis, long deletedAtMillis) {
    }

    /** A stream's retention moved its batches from {@code oldTier} to another tier at {@code changedAtMillis}. */
    public record TierChange(long streamId, int oldTier, long changedAtMillis) {
    }

    /** The first arrival time still readable in a stream: older records have expired. */
    public static long cutoff(StreamInfo stream, long nowMillis) {
        return Math.max(nowMillis - stream.retentionHours() * HOUR, stream.expiredBeforeMillis());
    }

    /** Whether a closed shard has expired as a whole: it closed longer ago than the retention period. */
    public static boolean expired(ShardInfo shard, StreamInfo stream, long nowMillis) {
        return !shard.isOpen() && shard.closedAtMillis() < cutoff(stream, nowMillis);
    }

    /**
     * Whether the partition of {@code tier} holding {@code day} can be dropped: the day is over and every
     * stream that may have written to it (streams in the tier now, and streams that left it since the day
     * began) has let go of that day by its current retention. A deleted stream needs none of its data, so
     * it holds no partition back.
     */
    public static boolean droppable(int tier, LocalDate day, List<StreamTerm> streams, List<TierChange> changes,
                                    long nowMillis) {
        long dayStart = day.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        long dayEnd = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        long neededHours = 0;
        Map<Long, StreamTerm> byId = new HashMap<>();
        for (StreamTerm s : streams) {
            if (s.deletedAtMillis() >= 0) {
                continue;
            }
            byId.put(s.streamId(), s);
            if (s.tier() == tier && s.createdAtMillis() < dayEnd) {
                neededHours = Math.max(neededHours, s.retentionHours());
            }
        }
        for (TierChange c : changes) {
            StreamTerm s = byId.get(c.streamId());
            if (c.oldTier() == tier && c.changedAtMillis() >= dayStart && s != null) {
                neededHours = Math.max(neededHours, s.retentionHours());
            }
        }
        return nowMillis >= dayEnd + Math.max(neededHours * HOUR, PARTITION_GRACE_MILLIS);
    }

    /**
     * Whether a deleted stream's metadata can go: every batch it wrote has expired by the retention it had,
     * so no partition needs it to be kept any more.
     */
    public static boolean purgeable(StreamTerm stream, long nowMillis) {
        if (stream.deletedAtMillis() < 0) {
            return false;
        }
        long deletedDayEnd = LocalDate.ofEpochDay(Math.floorDiv(stream.deletedAtMillis(), 86_400_000L)).plusDays(1)
                .atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        return nowMillis >= deletedDayEnd + stream.retentionHours() * HOUR;
    }
}
