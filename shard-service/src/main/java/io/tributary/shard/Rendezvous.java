package io.tributary.shard;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Rendezvous (highest random weight) hashing: for a key, the candidate whose hash combined with the key is
 * highest. Every caller with the same candidates picks the same one, keys spread evenly, and when a
 * candidate goes away only its own keys move.
 */
public final class Rendezvous {

    private Rendezvous() {
    }

    /** The candidate chosen for {@code key}, or {@code null} when there is none. */
    public static String pick(String key, List<String> candidates) {
        String best = null;
        long bestWeight = 0;
        for (String c : candidates) {
            long w = weight(key, c);
            if (best == null || Long.compareUnsigned(w, bestWeight) > 0) {
                best = c;
                bestWeight = w;
            }
        }
        return best;
    }

    /** A 64-bit FNV-1a hash of key and candidate, finished with a 64-bit mix so close inputs spread. */
    static long weight(String key, String candidate) {
        long h = 0xcbf29ce484222325L;
        for (byte b : (key + '\u0000' + candidate).getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
