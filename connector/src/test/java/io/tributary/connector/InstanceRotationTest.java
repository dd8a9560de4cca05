package io.tributary.connector;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class InstanceRotationTest {

    @Test
    void movesFromTheConfiguredInstanceToTheLearnedOnesAndBack() {
        InstanceRotation r = new InstanceRotation();
        assertEquals(InstanceRotation.CONFIGURED, r.current());
        // Alone, the configured instance stays current however often it is unreachable.
        r.unreachable(InstanceRotation.CONFIGURED);
        assertEquals(InstanceRotation.CONFIGURED, r.current());

        r.learn("a:9082");
        r.learn("b:9082");
        r.learn("a:9082");
        r.learn("");
        assertEquals(3, r.size(), "each instance once; the empty endpoint is the configured one");

        r.unreachable(InstanceRotation.CONFIGURED);
        assertEquals("a:9082", r.current());
        // A stale report (another caller moved on already) changes nothing.
        r.unreachable(InstanceRotation.CONFIGURED);
        assertEquals("a:9082", r.current());
        r.unreachable("a:9082");
        assertEquals("b:9082", r.current());
        r.unreachable("b:9082");
        assertEquals(InstanceRotation.CONFIGURED, r.current());
    }
}
