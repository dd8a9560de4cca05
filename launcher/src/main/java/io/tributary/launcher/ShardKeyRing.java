package io.tributary.launcher;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * shard-service's encryption key ring on a developer's machine: one master key {@code local}, generated
 * once into {@code .tributary/shard-master.key}, with the alias {@code alias/aws/kinesis} (what the AWS CLI
 * and SDK examples name), unless {@code TRIBUTARY_SHARD_ENCRYPTION_KEY_RING} is set.
 */
final class ShardKeyRing {

    static final String KEY_RING = "TRIBUTARY_SHARD_ENCRYPTION_KEY_RING";
    static final String ALIASES = "TRIBUTARY_SHARD_ENCRYPTION_ALIASES";

    private ShardKeyRing() {
    }

    /** Environment entries to add for the services; what {@code env} already sets is left alone. */
    static Map<String, String> environment(Map<String, String> env, Path masterKeyFile) {
        Map<String, String> out = new LinkedHashMap<>();
        String ring = env.get(KEY_RING);
        if (ring == null || ring.isBlank()) {
            out.put(KEY_RING, "local=" + GatewayKeys.masterKey(masterKeyFile));
            String aliases = env.get(ALIASES);
            if (aliases == null || aliases.isBlank()) {
                out.put(ALIASES, "alias/aws/kinesis=local");
            }
        }
        return out;
    }
}
