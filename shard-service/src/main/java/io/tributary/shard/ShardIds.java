package io.tributary.shard;

/** Kinesis-style shard ids: {@code shardId-} followed by the shard's index in 12 digits. */
public final class ShardIds {

    private static final String PREFIX = "shardId-";

    private ShardIds() {
    }

    public static String format(int index) {
        String digits = Integer.toString(index);
        return PREFIX + "0".repeat(Math.max(0, 12 - digits.length())) + digits;
    }

    /** @return the shard index, or -1 when the text is not a shard id */
    public static int parse(String shardId) {
        if (shardId == null || !shardId.startsWith(PREFIX) || shardId.length() != PREFIX.length() + 12) {
            return -1;
        }
        int index = 0;
        for (int i = PREFIX.length(); i < shardId.length(); i++) {
            char c = shardId.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            long next = index * 10L + (c - '0');
            if (next > Integer.MAX_VALUE) {
                return -1;
            }
            index = (int) next;
        }
        return index;
    }
}
