package io.tributary.shard;

import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetentionTest {

    private static final long HOUR = 3_600_000L;
    private static final LocalDate DAY = LocalDate.of(2026, 3, 10);
    private static final long DAY_END = DAY.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();

    @Test
    void dropsADaysPartitionOnceTheLongestRetentionOfItsTierHasPassed() {
        List<Retention.StreamTerm> streams = List.of(
                new Retention.StreamTerm(1, 24, 24, 0, -1),
                new Retention.StreamTerm(2, 20, 24, 0, -1),
                new Retention.StreamTerm(3, 8760, 8760, 0, -1));
        assertFalse(Retention.droppable(24, DAY, streams, List.of(), DAY_END + 24 * HOUR - 1));
        assertTrue(Retention.droppable(24, DAY, streams, List.of(), DAY_END + 24 * HOUR),
                "a stream kept for a year in another tier does not hold this tier back");
        assertFalse(Retention.droppable(8760, DAY, streams, List.of(), DAY_END + 24 * HOUR));
    }

    @Test
    void keepsTheOldTierForAStreamWhoseRetentionWasIncreased() {
        // Stream 1 wrote to tier 24 on DAY, then its retention went to 7 days (tier 168) during DAY.
        List<Retention.StreamTerm> streams = List.of(new Retention.StreamTerm(1, 168, 168, 0, -1));
        long changedDuringDay = DAY_END - 2 * HOUR;
        List<Retention.TierChange> changes = List.of(new Retention.TierChange(1, 24, changedDuringDay));
        assertFalse(Retention.droppable(24, DAY, streams, changes, DAY_END + 100 * HOUR));
        assertTrue(Retention.droppable(24, DAY, streams, changes, DAY_END + 168 * HOUR));
        assertTrue(Retention.droppable(24, DAY.plusDays(1), streams, changes, DAY_END + 24 * HOUR + Retention.PARTITION_GRACE_MILLIS),
                "a day after the stream left the tier holds nothing of it");
    }

    @Test
    void ignoresStreamsCreatedAfterTheDay() {
        List<Retention.StreamTerm> streams = List.of(new Retention.StreamTerm(1, 24, 24, DAY_END + HOUR, -1));
        assertFalse(Retention.droppable(24, DAY, streams, List.of(), DAY_END + Retention.PARTITION_GRACE_MILLIS - 1),
                "a day is kept for a while after it ended, even when no stream needs it");
        assertTrue(Retention.droppable(24, DAY, streams, List.of(), DAY_END + Retention.PARTITION_GRACE_MILLIS));
    }

    @Test
    void purgesADeletedStreamOnceItsLastRecordsExpired() {
        long deletedAt = DAY_END - 5 * HOUR;
        Retention.StreamTerm deleted = new Retention.StreamTerm(1, 48, 48, 0, deletedAt);
        assertFalse(Retention.purgeable(deleted, DAY_END + 48 * HOUR - 1));
        assertTrue(Retention.purgeable(deleted, DAY_END + 48 * HOUR));
        assertFalse(Retention.purgeable(new Retention.StreamTerm(2, 24, 24, 0, -1), Long.MAX_VALUE));
    }

    @Test
    void aDeletedStreamHoldsNoPartitionBack() {
        long deletedAt = DAY_END + 2 * HOUR;
        List<Retention.StreamTerm> streams = List.of(
                new Retention.StreamTerm(1, 168, 168, 0, deletedAt),
                new Retention.StreamTerm(2, 24, 24, 0, -1));
        List<Retention.TierChange> changes = List.of(new Retention.TierChange(1, 24, DAY_END - HOUR));
        assertTrue(Retention.droppable(168, DAY, streams, List.of(), DAY_END + Retention.PARTITION_GRACE_MILLIS),
                "the week's tier held only the deleted stream");
        assertFalse(Retention.droppable(24, DAY, streams, changes, DAY_END + 24 * HOUR - 1),
                "the live stream of the day's tier still needs it");
        assertTrue(Retention.droppable(24, DAY, streams, changes, DAY_END + 24 * HOUR),
                "the deleted stream that left the tier during the day does not keep it for its week");
    }
}
