package io.tributary.gateway.service;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * What the gateway looked up about a key (an access key's credential, the account of an API key), kept for
 * a time to live, with one lookup per key on its way at a time: requests that find the entry missing or
 * expired while a lookup is running wait for that lookup instead of sending their own, so a key that
 * expires under load costs one query, not one per request. Absent keys are remembered too (as
 * {@code null}), so a client repeating a wrong key does not query the database on every request either.
 *
 * <p>The number of entries is bounded: a client sending ever new key ids cannot grow the gateway's memory.
 * When the bound is reached, expired entries are dropped (at most once per tenth of the time to live); if
 * none is, the new entry is not kept (the next request for it looks it up again).
 */
final class KeyCache<V> {

    private record Entry<V>(V value, long loadedAtNanos) {
    }

    private final Map<String, Entry<V>> entries = new ConcurrentHashMap<>();
    private final Map<String, Uni<V>> loading = new ConcurrentHashMap<>();
    private final long ttlNanos;
    private final int maxEntries;
    private final LongSupplier nanoTime;
    /** When expired entries were last dropped to make room; a full cache scans for them this rarely. */
    private volatile long lastPurgeNanos;
    private volatile boolean purged;

    KeyCache(long ttlNanos, int maxEntries, LongSupplier nanoTime) {
        this.ttlNanos = ttlNanos;
        this.maxEntries = maxEntries;
        this.nanoTime = nanoTime;
    }

    /**
     * The value of {@code key}: from memory while fresh, otherwise from {@code loader}, shared with every
     * other request for the same key meanwhile. The item is delivered on the caller's Vert.x context when
     * it has one.
     */
    Uni<V> get(String key, Function<String, Uni<V>> loader) {
        Entry<V> e = entries.get(key);
        if (e != null && nanoTime.getAsLong() - e.loadedAtNanos() < ttlNanos) {
            return Uni.createFrom().item(e.value());
        }
        Context caller = Vertx.currentContext();
        Uni<V> shared = loading.computeIfAbsent(key, k -> {
            AtomicReference<Uni<V>> self = new AtomicReference<>();
            Uni<V> load = Uni.createFrom().deferred(() -> loader.apply(k))
                    .onItem().invoke(v -> {
                        // Not when invalidated meanwhile: the key changed after this lookup read it.
                        if (loading.get(k) == self.get()) {
                            store(k, v);
                        }
                    })
                    .onTermination().invoke(() -> loading.remove(k, self.get()))
                    .memoize().indefinitely();
            self.set(load);
            return load;
        });
        if (caller == null) {
            return shared;
        }
        return shared.emitOn(task -> {
            if (Vertx.currentContext() == caller) {
                task.run();
            } else {
                caller.runOnContext(ignored -> task.run());
            }
        });
    }

    /** Forgets {@code key}, and makes a lookup of it that is on its way not keep what it read. */
    void invalidate(String key) {
        loading.remove(key);
        entries.remove(key);
    }

    int size() {
        return entries.size();
    }

    private void store(String key, V value) {
        long now = nanoTime.getAsLong();
        if (entries.size() >= maxEntries && !entries.containsKey(key)) {
            // Scanning every entry on each miss of a full cache would cost a request thousands of steps:
            // entries expire no faster than the time to live, so a scan per tenth of it finds them soon enough.
            if (!purged || now - lastPurgeNanos >= ttlNanos / 10) {
                purged = true;
                lastPurgeNanos = now;
                entries.values().removeIf(e -> now - e.loadedAtNanos() >= ttlNanos);
            }
            if (entries.size() >= maxEntries) {
                return;
            }
        }
        entries.put(key, new Entry<>(value, now));
    }
}
