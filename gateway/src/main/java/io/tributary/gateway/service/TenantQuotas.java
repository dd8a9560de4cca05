package io.tributary.gateway.service;

import io.tributary.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Per-tenant request and byte quotas, as token buckets refilled continuously at the configured rates
 * and holding at most one second of them (the burst). Off when a rate is 0, the default. Kept in this
 * gateway instance's memory: with several gateway instances each enforces its own share.
 */
@ApplicationScoped
public class TenantQuotas {

    private final double requestsPerSecond;
    private final double bytesPerSecond;
    private final LongSupplier nanoClock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    @Inject
    public TenantQuotas(GatewayConfig config) {
        this(config.quotas().requestsPerSecond(), config.quotas().bytesPerSecond(), System::nanoTime);
    }

    TenantQuotas(double requestsPerSecond, double bytesPerSecond, LongSupplier nanoClock) {
        this.requestsPerSecond = requestsPerSecond;
        this.bytesPerSecond = bytesPerSecond;
        this.nanoClock = nanoClock;
    }

    public boolean enabled() {
        return requestsPerSecond > 0 || bytesPerSecond > 0;
    }

    /** Takes one request of {@code bytes} from the tenant's quota; {@code false} when it does not fit (nothing is taken). */
    public boolean tryTake(String accountId, long bytes) {
        if (!enabled()) {
            return true;
        }
        return buckets.computeIfAbsent(accountId, a -> new Bucket(nanoClock.getAsLong())).tryTake(bytes);
    }

    private final class Bucket {
        private double requests;
        private double bytes;
        private long lastNanos;

        Bucket(long now) {
            this.requests = requestsPerSecond;
            this.bytes = bytesPerSecond;
            this.lastNanos = now;
        }

        synchronized boolean tryTake(long size) {
            long now = nanoClock.getAsLong();
            double seconds = (now - lastNanos) / 1e9;
            lastNanos = now;
            requests = Math.min(requestsPerSecond, requests + seconds * requestsPerSecond);
            bytes = Math.min(bytesPerSecond, bytes + seconds * bytesPerSecond);
            boolean requestFits = requestsPerSecond <= 0 || requests >= 1;
            // A request larger than the whole burst still passes when the bucket is full, or it never could.
            boolean bytesFit = bytesPerSecond <= 0 || size <= bytes || bytes >= bytesPerSecond;
            if (!requestFits || !bytesFit) {
                return false;
            }
            if (requestsPerSecond > 0) {
                requests -= 1;
            }
            if (bytesPerSecond > 0) {
                bytes -= size;
            }
            return true;
        }
    }
}
