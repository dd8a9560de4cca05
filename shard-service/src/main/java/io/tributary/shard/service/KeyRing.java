package io.tributary.shard.service;

import io.smallrye.mutiny.Uni;
import io.tributary.shard.LogException;
import io.tributary.shard.LogException.Reason;
import io.tributary.shard.config.ShardServiceConfig;
import io.tributary.shard.storage.DataKeyRepository;
import jakarta.enterprise.context.ApplicationScoped;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Encryption at rest, envelope style. Master keys come from configuration (the key ring) and never touch
 * storage. Each StartStreamEncryption creates a random 256-bit data key, stored wrapped (AES-GCM under the
 * master key, bound to its stream); batches are encrypted with the data key (AES-256-GCM, a random 96-bit
 * nonce per batch, the shard and data key ids as associated data). A batch whose key cannot be unwrapped or
 * whose ciphertext does not authenticate is reported as {@code KEY_UNAVAILABLE}, never returned as data.
 */
@ApplicationScoped
public class KeyRing {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final Pattern KMS_ARN = Pattern.compile("arn:aws[a-z-]*:kms:[a-z0-9-]*:[0-9]*:(key|alias)/(.+)");

    private final Map<String, SecretKey> masterKeys = new HashMap<>();
    private final Map<String, String> aliases = new HashMap<>();
    private final Map<Long, SecretKey> dataKeys = new ConcurrentHashMap<>();
    private final DataKeyRepository repository;
    private final SecureRandom random = new SecureRandom();

    public KeyRing(ShardServiceConfig config, DataKeyRepository repository) {
        this.repository = repository;
        for (Map.Entry<String, String> e : pairs(config.encryption().keyRing().orElse(""), "key-ring").entrySet()) {
            byte[] key;
            try {
                key = Base64.getDecoder().decode(e.getValue());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("tributary.shard.encryption.key-ring: key " + e.getKey() + " is not base64");
            }
            if (key.length != 32) {
                throw new IllegalArgumentException("tributary.shard.encryption.key-ring: key " + e.getKey() + " has "
                        + key.length + " bytes; master keys are 32 bytes (AES-256)");
            }
            masterKeys.put(e.getKey(), new SecretKeySpec(key, "AES"));
        }
        for (Map.Entry<String, String> e : pairs(config.encryption().aliases().orElse(""), "aliases").entrySet()) {
            if (!masterKeys.containsKey(e.getValue())) {
                throw new IllegalArgumentException("tributary.shard.encryption.aliases: " + e.getKey() + " names key "
                        + e.getValue() + ", which is not in the key ring");
            }
            aliases.put(e.getKey(), e.getValue());
        }
    }

    private static Map<String, String> pairs(String text, String property) {
        Map<String, String> out = new HashMap<>();
        for (String pair : text.split(";")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("tributary.shard.encryption." + property + ": '" + pair
                        + "' is not name=value");
            }
            out.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return out;
    }

    /**
     * The ring key a KeyId names: a key id, an alias ({@code alias/...}), or a KMS key or alias ARN.
     *
     * @throws LogException {@code KEY_UNAVAILABLE} when it names none
     */
    public String resolve(String keyId) {
        String name = keyId;
        Matcher arn = KMS_ARN.matcher(keyId);
        if (arn.matches()) {
            name = arn.group(1).equals("alias") ? "alias/" + arn.group(2) : arn.group(2);
        }
        String id = masterKeys.containsKey(name) ? name : aliases.get(name);
        if (id == null) {
            throw new LogException(Reason.KEY_UNAVAILABLE, "Key " + keyId + " is not in the key ring of this service"
                    + " (tributary.shard.encryption.key-ring / aliases).");
        }
        return id;
    }

    /** A new data key for a stream, wrapped under a master key: what is stored. */
    public NewDataKey newDataKey(String masterKeyId, long streamId) {
        byte[] key = new byte[32];
        random.nextBytes(key);
        byte[] wrapped = seal(master(masterKeyId), key, aad("data-key", streamId));
        return new NewDataKey(new SecretKeySpec(key, "AES"), wrapped);
    }

    /** A generated data key and its wrapped form. */
    public record NewDataKey(SecretKey key, byte[] wrapped) {
    }

    /** Remembers a data key just created (its id is known once stored). */
    public void remember(long dataKeyId, SecretKey key) {
        dataKeys.put(dataKeyId, key);
    }

    /** The data key of this id, unwrapped once from storage and then cached. */
    public Uni<SecretKey> dataKey(long id) {
        SecretKey cached = dataKeys.get(id);
        if (cached != null) {
            return Uni.createFrom().item(cached);
        }
        return repository.find(id).map(row -> {
            if (row == null) {
                throw new LogException(Reason.KEY_UNAVAILABLE, "Data key " + id + " does not exist.");
            }
            SecretKey key = unwrap(row.masterKeyId(), row.streamId(), row.wrapped());
            dataKeys.put(id, key);
            return key;
        });
    }

    /** The cached data key, or {@code null} when {@link #dataKey} must load it first. */
    public SecretKey cachedDataKey(long id) {
        return dataKeys.get(id);
    }

    SecretKey unwrap(String masterKeyId, long streamId, byte[] wrapped) {
        SecretKey master = masterKeys.get(masterKeyId);
        if (master == null) {
            throw new LogException(Reason.KEY_UNAVAILABLE, "Key " + masterKeyId + ", which encrypted this stream's"
                    + " records, is no longer in the key ring; they cannot be read.");
        }
        return new SecretKeySpec(open(master, wrapped, aad("data-key", streamId), "data key of stream " + streamId), "AES");
    }

    /** Encrypts a batch payload: nonce followed by ciphertext and tag. */
    public byte[] encrypt(SecretKey dataKey, long dataKeyId, long shardKey, byte[] payload) {
        return seal(dataKey, payload, aad("batch", shardKey, dataKeyId));
    }

    /** Decrypts what {@link #encrypt} produced; a wrong key or altered bytes are {@code KEY_UNAVAILABLE}. */
    public byte[] decrypt(SecretKey dataKey, long dataKeyId, long shardKey, byte[] stored) {
        return open(dataKey, stored, aad("batch", shardKey, dataKeyId), "a stored batch");
    }

    private SecretKey master(String id) {
        SecretKey key = masterKeys.get(id);
        if (key == null) {
            throw new LogException(Reason.KEY_UNAVAILABLE, "Key " + id + " is not in the key ring of this service.");
        }
        return key;
    }

    private byte[] seal(SecretKey key, byte[] plaintext, byte[] aad) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad);
            byte[] out = new byte[NONCE_BYTES + c.getOutputSize(plaintext.length)];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            c.doFinal(plaintext, 0, plaintext.length, out, NONCE_BYTES);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is always available", e);
        }
    }

    private static byte[] open(SecretKey key, byte[] sealed, byte[] aad, String what) {
        if (sealed.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new LogException(Reason.KEY_UNAVAILABLE, "Cannot decrypt " + what + ": it is too short.");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
            c.updateAAD(aad);
            return c.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new LogException(Reason.KEY_UNAVAILABLE, "Cannot decrypt " + what + ": the key is not the one it was"
                    + " encrypted with, or the bytes were altered.");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is always available", e);
        }
    }

    private static byte[] aad(String purpose, long... ids) {
        byte[] p = purpose.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(p.length + 8 * ids.length);
        b.put(p);
        for (long id : ids) {
            b.putLong(id);
        }
        return b.array();
    }
}
