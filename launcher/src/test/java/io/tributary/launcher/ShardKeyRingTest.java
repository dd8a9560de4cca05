package io.tributary.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardKeyRingTest {

    @Test
    void generatesOneLocalKeyOnceWithTheKinesisAlias(@TempDir Path dir) {
        Path file = dir.resolve("shard-master.key");
        Map<String, String> first = ShardKeyRing.environment(Map.of(), file);
        String ring = first.get(ShardKeyRing.KEY_RING);
        assertTrue(ring.startsWith("local="), ring);
        assertEquals(32, Base64.getDecoder().decode(ring.substring("local=".length())).length);
        assertEquals("alias/aws/kinesis=local", first.get(ShardKeyRing.ALIASES));
        assertEquals(ring, ShardKeyRing.environment(Map.of(), file).get(ShardKeyRing.KEY_RING), "the same key on every start");
    }

    @Test
    void leavesAConfiguredRingAlone(@TempDir Path dir) {
        assertTrue(ShardKeyRing.environment(Map.of(ShardKeyRing.KEY_RING, "k=abc"), dir.resolve("f")).isEmpty());
    }
}
