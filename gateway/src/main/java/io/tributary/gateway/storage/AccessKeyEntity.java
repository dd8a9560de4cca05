package io.tributary.gateway.storage;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A tenant's access key; the secret is AES-GCM ciphertext (see {@code SecretCipher}). */
@Entity
@Table(name = "access_keys", schema = "gateway")
public class AccessKeyEntity {

    @Id
    @Column(name = "access_key_id")
    public String accessKeyId;

    @Column(name = "account_id", nullable = false)
    public String accountId;

    @Column(name = "secret_ciphertext", nullable = false)
    public byte[] secretCiphertext;

    @Column(nullable = false)
    public String status;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
