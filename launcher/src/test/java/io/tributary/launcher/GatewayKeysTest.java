package io.tributary.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GatewayKeysTest {

    @Test
    void generatesTheMasterKeyOnceAndAddsTheDevelopmentKey(@TempDir Path dir) {
        Path file = dir.resolve(".tributary").resolve("gateway-master.key");
        Map<String, String> first = GatewayKeys.environment(Map.of(), file);
        assertEquals(32, Base64.getDecoder().decode(first.get(GatewayKeys.MASTER_KEY)).length);
        assertEquals("test", first.get(GatewayKeys.ACCESS_KEY_ID));
        assertEquals("test", first.get(GatewayKeys.SECRET_ACCESS_KEY));
        assertEquals("test", first.get(GatewayKeys.API_KEY));
        assertEquals(first.get(GatewayKeys.MASTER_KEY), GatewayKeys.environment(Map.of(), file).get(GatewayKeys.MASTER_KEY),
                "the same key on every start, or stored secrets could not be read");
    }

    @Test
    void leavesConfiguredKeysAlone(@TempDir Path dir) {
        Map<String, String> env = Map.of(GatewayKeys.MASTER_KEY, "configured", GatewayKeys.ACCESS_KEY_ID, "prod-key");
        Map<String, String> added = GatewayKeys.environment(env, dir.resolve("gateway-master.key"));
        assertTrue(added.isEmpty(), added.toString());
        assertFalse(dir.resolve("gateway-master.key").toFile().exists());
    }
}
