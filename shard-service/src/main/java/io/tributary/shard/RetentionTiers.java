package io.tributary.shard;

/**
 * Retention tiers of the batch table. Batches are stored by the tier of their stream's retention and by
 * arrival day, so streams kept for a day and streams kept for a year never share a partition: a day's
 * partition of a tier is dropped as soon as the streams that wrote to it no longer need it, whatever
 * other tiers hold. A tier is named by its upper bound in hours.
 */
public final class RetentionTiers {

    /** Upper bounds in hours: 1 day, 2 days, 1 week, 30 days, 90 days, 365 days. */
    private static final int[] BOUNDS = {24, 48, 168, 720, 2160, 8760};

    private RetentionTiers() {
    }

    /** The tier holding batches of a stream with this retention. */
    public static int tierOf(int retentionHours) {
        for (int bound : BOUNDS) {
            if (retentionHours <= bound) {
                return bound;
            }
        }
        return BOUNDS[BOUNDS.length - 1];
    }

    /** Every tier, smallest first. */
    public static int[] all() {
        return BOUNDS.clone();
    }
}
