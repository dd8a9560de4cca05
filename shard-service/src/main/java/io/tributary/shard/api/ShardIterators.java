package io.tributary.shard.api;

import io.smallrye.mutiny.Uni;
import io.tributary.aws.AwsException;
import io.tributary.shard.storage.ServiceKeyRepository;
import jakarta.enterprise.context.ApplicationScoped;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

/**
 * Kinesis shard iterators: opaque strings that name a tenant's stream, a shard and where the next read
 * starts, valid for five minutes from issue. Nothing is kept on the server: the iterator carries its
 * state and an HMAC-SHA256 tag (key in {@code service_keys}, shared by all instances), so a forged or
 * altered iterator is refused and any instance can serve the next read.
 *
 * <pre>
 * byte   version (1)
 * byte   kind: 0 = at a position, 1 = at the trim horizon (which moves as retention trims the shard)
 * int64  issued at (epoch millis)
 * int64  position (0 for the trim horizon)
 * int32  shard index
 * 12     tenant id (ASCII digits)
 * byte   stream name length, then the name (ASCII)
 * 16     first 16 bytes of the HMAC of everything before
 * </pre>
 */
@ApplicationScoped
public class ShardIterators {

    /** How long an iterator is valid, as in Kinesis. */
    public static final long VALIDITY_MILLIS = 5 * 60 * 1000;

    private static final byte VERSION = 1;
    private static final int TAG_BYTES = 16;
    private static final String KEY_NAME = "shard-iterator-hmac";

    private final ServiceKeyRepository keys;
    private volatile byte[] key;

    public ShardIterators(ServiceKeyRepository keys) {
        this.keys = keys;
    }

    /** Where an iterator points. */
    public enum Kind { POSITION, TRIM_HORIZON }

    /** A verified iterator. */
    public record Iterator(Kind kind, long issuedAtMillis, long value, int shardIndex, String tenantId, String streamName) {
    }

    private Uni<byte[]> key() {
        byte[] k = key;
        if (k != null) {
            return Uni.createFrom().item(k);
        }
        // Concurrent first calls may both ask; storage hands every caller the same key.
        return keys.key(KEY_NAME, 32).invoke(loaded -> key = loaded);
    }

    /** Issues an iterator, valid for {@link #VALIDITY_MILLIS} from now. */
    public Uni<String> issue(Kind kind, long value, int shardIndex, String tenantId, String streamName) {
        return key().map(k -> encode(k, kind, System.currentTimeMillis(), value, shardIndex, tenantId, streamName));
    }

    static String encode(byte[] key, Kind kind, long issuedAt, long value, int shardIndex, String tenantId,
                         String streamName) {
        byte[] name = streamName.getBytes(StandardCharsets.US_ASCII);
        byte[] tenant = tenantId.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(2 + 8 + 8 + 4 + 12 + 1 + name.length + TAG_BYTES);
        b.put(VERSION).put((byte) kind.ordinal()).putLong(issuedAt).putLong(value).putInt(shardIndex)
                .put(tenant, 0, 12).put((byte) name.length).put(name);
        byte[] tag = hmac(key, b.array(), b.position());
        b.put(tag, 0, TAG_BYTES);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    /**
     * Verifies an iterator and checks its age.
     *
     * @throws AwsException {@code InvalidArgumentException} when it is not a valid iterator,
     *                      {@code ExpiredIteratorException} when it is older than five minutes
     */
    public Uni<Iterator> verify(String iterator) {
        return key().map(k -> decode(k, iterator, System.currentTimeMillis()));
    }

    static Iterator decode(byte[] key, String iterator, long now) {
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(iterator);
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
        if (raw.length < 2 + 8 + 8 + 4 + 12 + 1 + 1 + TAG_BYTES || raw[0] != VERSION) {
            throw invalid();
        }
        int signed = raw.length - TAG_BYTES;
        byte[] expected = Arrays.copyOf(hmac(key, raw, signed), TAG_BYTES);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(raw, signed, raw.length))) {
            throw invalid();
        }
        ByteBuffer b = ByteBuffer.wrap(raw, 0, signed);
        b.get();
        int kind = b.get();
        long issuedAt = b.getLong();
        long value = b.getLong();
        int shardIndex = b.getInt();
        byte[] tenant = new byte[12];
        b.get(tenant);
        int nameLength = b.get() & 0xff;
        if (kind < 0 || kind >= Kind.values().length || b.remaining() != nameLength) {
            throw invalid();
        }
        byte[] name = new byte[nameLength];
        b.get(name);
        if (now - issuedAt > VALIDITY_MILLIS) {
            throw new AwsException("ExpiredIteratorException", 400,
                    "Iterator expired. The iterator was created at time " + java.time.Instant.ofEpochMilli(issuedAt)
                            + " while right now it is " + java.time.Instant.ofEpochMilli(now)
                            + " which is further in the future than the tolerated delay of 300000 milliseconds.");
        }
        return new Iterator(Kind.values()[kind], issuedAt, value, shardIndex,
                new String(tenant, StandardCharsets.US_ASCII), new String(name, StandardCharsets.US_ASCII));
    }

    private static AwsException invalid() {
        return AwsException.invalidArgument("Invalid ShardIterator: it was not issued by this service or was altered.");
    }

    private static byte[] hmac(byte[] key, byte[] data, int length) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(data, 0, length);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is a mandatory JDK algorithm", e);
        }
    }
}
