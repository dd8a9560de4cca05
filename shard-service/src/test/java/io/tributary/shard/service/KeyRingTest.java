package io.tributary.shard.service;

import io.tributary.shard.LogException;
import io.tributary.shard.config.ShardServiceConfig;
import org.junit.jupiter.api.Test;

import javax.crypto.SecretKey;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KeyRingTest {

    private static final String K1 = Base64.getEncoder().encodeToString(new byte[32]);
    private static final String K2 = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));

    /** A configuration holding only the encryption settings. */
    private static ShardServiceConfig config(String ring, String aliases) {
        ShardServiceConfig.Encryption encryption = new ShardServiceConfig.Encryption() {
            @Override
            public Optional<String> keyRing() {
                return Optional.of(ring);
            }

            @Override
            public Optional<String> aliases() {
                return Optional.of(aliases);
            }
        };
        return (ShardServiceConfig) Proxy.newProxyInstance(ShardServiceConfig.class.getClassLoader(),
                new Class<?>[]{ShardServiceConfig.class}, (proxy, method, args) -> {
                    if (method.getName().equals("encryption")) {
                        return encryption;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void resolvesKeyIdsAliasesAndKmsArns() {
        KeyRing ring = new KeyRing(config("a=" + K1 + ";b=" + K2, "alias/aws/kinesis=a;alias/orders=b"), null);
        assertEquals("a", ring.resolve("a"));
        assertEquals("a", ring.resolve("alias/aws/kinesis"));
        assertEquals("b", ring.resolve("arn:aws:kms:us-east-1:000000000000:alias/orders"));
        assertEquals("b", ring.resolve("arn:aws:kms:us-east-1:000000000000:key/b"));
        LogException unknown = assertThrows(LogException.class, () -> ring.resolve("alias/nope"));
        assertEquals(LogException.Reason.KEY_UNAVAILABLE, unknown.reason());
    }

    @Test
    void refusesAMalformedRingAtStartup() {
        assertThrows(IllegalArgumentException.class, () -> new KeyRing(config("a=" + Base64.getEncoder().encodeToString(new byte[16]), ""), null));
        assertThrows(IllegalArgumentException.class, () -> new KeyRing(config("a=" + K1, "alias/x=missing"), null));
        assertThrows(IllegalArgumentException.class, () -> new KeyRing(config("nonsense", ""), null));
    }

    @Test
    void encryptsBatchesAndNeverReturnsGarbageForAWrongOrLostKey() {
        KeyRing ring = new KeyRing(config("a=" + K1 + ";b=" + K2, ""), null);
        KeyRing.NewDataKey dataKey = ring.newDataKey("a", 7);
        byte[] payload = "the records of a batch".getBytes(StandardCharsets.UTF_8);
        byte[] stored = ring.encrypt(dataKey.key(), 3, 42, payload);
        assertFalse(new String(stored, StandardCharsets.ISO_8859_1).contains("records"), "stored bytes are not the records");
        SecretKey unwrapped = ring.unwrap("a", 7, dataKey.wrapped());
        assertArrayEquals(payload, ring.decrypt(unwrapped, 3, 42, stored));

        // Bound to its shard and its data key: moved elsewhere it does not decrypt.
        assertEquals(LogException.Reason.KEY_UNAVAILABLE,
                assertThrows(LogException.class, () -> ring.decrypt(unwrapped, 3, 43, stored)).reason());
        byte[] altered = stored.clone();
        altered[altered.length - 1] ^= 1;
        assertThrows(LogException.class, () -> ring.decrypt(unwrapped, 3, 42, altered));
        // The wrapped data key is bound to its stream, and to its master key.
        assertThrows(LogException.class, () -> ring.unwrap("a", 8, dataKey.wrapped()));
        assertThrows(LogException.class, () -> ring.unwrap("b", 7, dataKey.wrapped()));

        // The master key left the ring: reported, never answered with data.
        KeyRing without = new KeyRing(config("b=" + K2, ""), null);
        LogException lost = assertThrows(LogException.class, () -> without.unwrap("a", 7, dataKey.wrapped()));
        assertEquals(LogException.Reason.KEY_UNAVAILABLE, lost.reason());
    }
}
