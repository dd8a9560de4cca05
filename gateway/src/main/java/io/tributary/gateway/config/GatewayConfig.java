package io.tributary.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** Configuration of the gateway ({@code tributary.gateway.*}). */
@ConfigMapping(prefix = "tributary.gateway")
public interface GatewayConfig {

    /**
     * Base64 of the 32-byte AES key that encrypts tenants' secret access keys in PostgreSQL. Required:
     * without it the gateway does not start. Keep it outside the database.
     */
    Optional<String> masterKey();

    /** Largest request body the gateway accepts, in bytes. */
    @WithDefault("8388608")
    int maxBodyBytes();

    /** How far the time of a signed request may be from the gateway's clock. */
    @WithDefault("5m")
    Duration allowedClockSkew();

    /** How long an access key looked up in PostgreSQL is reused before it is read again. */
    @WithDefault("60s")
    Duration keyCacheTtl();

    Bootstrap bootstrap();

    Quotas quotas();

    /** Per-tenant quotas of this gateway instance; 0 turns one off. */
    interface Quotas {
        /** Requests per second a tenant may send (bursts of up to one second's worth). */
        @WithDefault("0")
        double requestsPerSecond();

        /** Request body bytes per second a tenant may send. */
        @WithDefault("0")
        double bytesPerSecond();
    }

    Services services();

    /** An access key created or updated at startup, so that a fresh installation can be used at once. */
    interface Bootstrap {
        /** Access key id to create; none when absent. */
        Optional<String> accessKeyId();

        /** Its secret access key. */
        Optional<String> secretAccessKey();

        /** A bearer API key (REST and WebSocket) of the same account, created at startup; none when absent. */
        Optional<String> apiKey();

        /** The 12-digit account id (tenant) the key belongs to. */
        @WithDefault("000000000000")
        String accountId();
    }

    /** Where the services behind the gateway listen. */
    interface Services {
        /** ingest-service's HTTP base URL (PutRecord, PutRecords, REST and WebSocket ingest). */
        @WithDefault("http://localhost:8081")
        String ingestUrl();

        /**
         * shard-service's HTTP base URL (the rest of the Kinesis API), or several instances' URLs separated by
         * commas: requests go to one, and move on to the next when it does not accept connections.
         */
        @WithDefault("http://localhost:8082")
        String shardUrl();
    }
}
