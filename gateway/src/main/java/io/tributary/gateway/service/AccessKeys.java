package io.tributary.gateway.service;

import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import io.tributary.gateway.config.GatewayConfig;
import io.tributary.gateway.storage.AccessKeyEntity;
import io.tributary.gateway.storage.AccessKeyRepository;
import io.tributary.gateway.storage.ApiKeyEntity;
import io.tributary.gateway.storage.ApiKeyRepository;
import io.tributary.gateway.storage.TenantEntity;
import io.tributary.gateway.storage.TenantRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.regex.Pattern;

/**
 * Tenants' access keys: looked up in PostgreSQL and kept in memory for {@code key-cache-ttl} (one lookup
 * per key at a time, a bounded number of keys: {@link KeyCache}), so that verifying a signature does not
 * query the database on every request. The bootstrap key from the
 * configuration is created (or its secret updated) at startup.
 */
@ApplicationScoped
public class AccessKeys {

    private static final Logger LOG = Logger.getLogger(AccessKeys.class);
    private static final Pattern ACCOUNT_ID = Pattern.compile("[0-9]{12}");
    public static final String ACTIVE = "ACTIVE";

    private final AccessKeyRepository keys;
    private final TenantRepository tenants;
    private final SecretCipher cipher;
    private final GatewayConfig config;
    /** Most keys of each kind kept in memory (see {@link KeyCache}). */
    static final int MAX_CACHED_KEYS = 10_000;

    private final KeyCache<Credential> cache;
    private final KeyCache<String> apiKeyCache;
    private final ApiKeyRepository apiKeys;

    public AccessKeys(AccessKeyRepository keys, ApiKeyRepository apiKeys, TenantRepository tenants, SecretCipher cipher,
                      GatewayConfig config) {
        this.keys = keys;
        this.apiKeys = apiKeys;
        this.tenants = tenants;
        this.cipher = cipher;
        this.config = config;
        this.cache = new KeyCache<>(config.keyCacheTtl().toNanos(), MAX_CACHED_KEYS, System::nanoTime);
        this.apiKeyCache = new KeyCache<>(config.keyCacheTtl().toNanos(), MAX_CACHED_KEYS, System::nanoTime);
    }

    /** An active key: the tenant it belongs to and its secret. */
    public record Credential(String accessKeyId, String accountId, String secret) {
    }

    /** The account of an active bearer API key, or {@code null} (as an item) when there is none. */
    public Uni<String> accountOfApiKey(String apiKey) {
        byte[] sha = sha256(apiKey);
        return apiKeyCache.get(java.util.HexFormat.of().formatHex(sha), hash -> loadApiKey(sha));
    }

    @WithSession
    Uni<String> loadApiKey(byte[] hash) {
        return apiKeys.findById(hash).map(k -> k == null || !ACTIVE.equals(k.status) ? null : k.accountId);
    }

    /** Creates a tenant's bearer API key (kept as its SHA-256). */
    @WithTransaction
    public Uni<Void> putApiKey(String accountId, String apiKey) {
        if (apiKey.length() < 4) {
            return Uni.createFrom().failure(new IllegalArgumentException("an API key has at least 4 characters"));
        }
        byte[] hash = sha256(apiKey);
        return tenant(accountId).chain(t -> apiKeys.findById(hash)).chain(existing -> {
            if (existing != null) {
                existing.accountId = accountId;
                existing.status = ACTIVE;
                return Uni.createFrom().voidItem();
            }
            ApiKeyEntity k = new ApiKeyEntity();
            k.keySha256 = hash;
            k.accountId = accountId;
            k.status = ACTIVE;
            k.createdAt = Instant.now();
            return apiKeys.persist(k).replaceWithVoid();
        }).invoke(() -> apiKeyCache.invalidate(java.util.HexFormat.of().formatHex(hash)));
    }

    private Uni<TenantEntity> tenant(String accountId) {
        if (!ACCOUNT_ID.matcher(accountId).matches()) {
            return Uni.createFrom().failure(new IllegalArgumentException("account id '" + accountId + "' is not 12 digits"));
        }
        return tenants.findById(accountId).chain(t -> {
            if (t != null) {
                return Uni.createFrom().item(t);
            }
            TenantEntity tenant = new TenantEntity();
            tenant.accountId = accountId;
            tenant.createdAt = Instant.now();
            return tenants.persist(tenant);
        });
    }

    private static byte[] sha256(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a mandatory JDK algorithm", e);
        }
    }

    /** The active key with this id, or {@code null} (as an item) when there is none. */
    public Uni<Credential> find(String accessKeyId) {
        return cache.get(accessKeyId, this::load);
    }

    @WithSession
    Uni<Credential> load(String accessKeyId) {
        return keys.findById(accessKeyId).map(k -> k == null || !ACTIVE.equals(k.status) ? null
                : new Credential(k.accessKeyId, k.accountId, cipher.decrypt(k.accessKeyId, k.secretCiphertext)));
    }

    /** Creates a tenant's key, or replaces the secret of an existing one. */
    @WithTransaction
    public Uni<Void> put(String accountId, String accessKeyId, String secret) {
        if (!ACCOUNT_ID.matcher(accountId).matches()) {
            return Uni.createFrom().failure(new IllegalArgumentException("account id '" + accountId + "' is not 12 digits"));
        }
        if (accessKeyId.isBlank() || accessKeyId.length() > 128 || secret.isBlank()) {
            return Uni.createFrom().failure(new IllegalArgumentException("an access key needs an id of 1 to 128 characters and a secret"));
        }
        Instant now = Instant.now();
        return tenant(accountId)
                .chain(t -> keys.findById(accessKeyId))
                .chain(existing -> {
                    AccessKeyEntity k = existing != null ? existing : new AccessKeyEntity();
                    k.accessKeyId = accessKeyId;
                    k.accountId = accountId;
                    k.secretCiphertext = cipher.encrypt(accessKeyId, secret);
                    k.status = ACTIVE;
                    if (existing == null) {
                        k.createdAt = now;
                        return keys.persist(k).replaceWithVoid();
                    }
                    return Uni.createFrom().voidItem();
                })
                .invoke(() -> cache.invalidate(accessKeyId));
    }

    void bootstrap(@Observes StartupEvent event) throws Throwable {
        GatewayConfig.Bootstrap b = config.bootstrap();
        if (b.accessKeyId().isPresent()) {
            String secret = b.secretAccessKey().orElseThrow(() -> new IllegalStateException(
                    "tributary.gateway.bootstrap.access-key-id is set without tributary.gateway.bootstrap.secret-access-key"));
            VertxContextSupport.subscribeAndAwait(() -> put(b.accountId(), b.accessKeyId().get(), secret));
            LOG.infof("access key %s of account %s is ready", b.accessKeyId().get(), b.accountId());
        }
        if (b.apiKey().isPresent()) {
            VertxContextSupport.subscribeAndAwait(() -> putApiKey(b.accountId(), b.apiKey().get()));
            LOG.infof("an API key of account %s is ready", b.accountId());
        }
    }
}
