package io.tributary.shard.api;

import io.tributary.aws.AwsException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ShardIteratorsTest {

    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes();

    @Test
    void carriesItsStateThroughTheOpaqueString() {
        String it = ShardIterators.encode(KEY, ShardIterators.Kind.POSITION, 1000, 42, 7, "000000000001", "orders.v2");
        ShardIterators.Iterator decoded = ShardIterators.decode(KEY, it, 2000);
        assertEquals(new ShardIterators.Iterator(ShardIterators.Kind.POSITION, 1000, 42, 7, "000000000001", "orders.v2"), decoded);
    }

    @Test
    void expiresAfterFiveMinutes() {
        String it = ShardIterators.encode(KEY, ShardIterators.Kind.TRIM_HORIZON, 1000, 0, 0, "000000000001", "s");
        ShardIterators.decode(KEY, it, 1000 + ShardIterators.VALIDITY_MILLIS);
        AwsException e = assertThrows(AwsException.class, () -> ShardIterators.decode(KEY, it, 1001 + ShardIterators.VALIDITY_MILLIS));
        assertEquals("ExpiredIteratorException", e.type());
    }

    @Test
    void refusesIteratorsSignedWithAnotherKeyOrAltered() {
        String it = ShardIterators.encode(KEY, ShardIterators.Kind.POSITION, 1000, 42, 7, "000000000001", "s");
        byte[] otherKey = KEY.clone();
        otherKey[0] ^= 1;
        assertEquals("InvalidArgumentException", assertThrows(AwsException.class, () -> ShardIterators.decode(otherKey, it, 1000)).type());
        String forged = ShardIterators.encode(otherKey, ShardIterators.Kind.POSITION, 1000, 43, 7, "000000000001", "s");
        assertEquals("InvalidArgumentException", assertThrows(AwsException.class, () -> ShardIterators.decode(KEY, forged, 1000)).type());
        assertEquals("InvalidArgumentException", assertThrows(AwsException.class, () -> ShardIterators.decode(KEY, "not an iterator", 1000)).type());
    }
}
