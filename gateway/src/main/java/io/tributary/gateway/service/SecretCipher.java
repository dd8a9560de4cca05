package io.tributary.gateway.service;

import io.tributary.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * Encrypts secret access keys for storage with AES-256-GCM under the configured master key. The access
 * key id is bound as associated data, so a ciphertext copied to another key's row does not decrypt.
 * Stored form: 12-byte nonce, then ciphertext and tag.
 */
@ApplicationScoped
public class SecretCipher {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    public SecretCipher(GatewayConfig config) {
        String encoded = config.masterKey().orElseThrow(() -> new IllegalStateException(
                "tributary.gateway.master-key (TRIBUTARY_GATEWAY_MASTER_KEY) is not set: give the base64 of 32 random bytes, "
                        + "for example from 'openssl rand -base64 32'. It encrypts secret access keys in PostgreSQL."));
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(encoded.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("tributary.gateway.master-key is not valid base64", e);
        }
        if (raw.length != 32) {
            throw new IllegalStateException("tributary.gateway.master-key must be 32 bytes (base64 of 32 random bytes), was "
                    + raw.length + " bytes");
        }
        this.key = new SecretKeySpec(raw, "AES");
    }

    public byte[] encrypt(String accessKeyId, String secret) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(accessKeyId.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is a mandatory JDK algorithm", e);
        }
    }

    /** @throws IllegalStateException when the ciphertext was not made with this master key for this key id */
    public String decrypt(String accessKeyId, byte[] stored) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, Arrays.copyOf(stored, NONCE_BYTES)));
            cipher.updateAAD(accessKeyId.getBytes(StandardCharsets.UTF_8));
            byte[] plain = cipher.doFinal(stored, NONCE_BYTES, stored.length - NONCE_BYTES);
            return new String(plain, StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the secret of access key " + accessKeyId
                    + " does not decrypt with the configured master key", e);
        }
    }
}
