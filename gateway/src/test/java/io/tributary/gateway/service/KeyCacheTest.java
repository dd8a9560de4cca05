package io.tributary.gateway.service;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class KeyCacheTest {

    private static final long TTL = Duration.ofSeconds(60).toNanos();
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final AtomicLong clock = new AtomicLong();
    /** Every lookup started, in order; each completes when the test says so. */
    private final List<CompletableFuture<String>> lookups = new ArrayList<>();
    private final Function<String, Uni<String>> loader = key -> {
        CompletableFuture<String> f = new CompletableFuture<>();
        lookups.add(f);
        return Uni.createFrom().completionStage(f);
    };

    private KeyCache<String> cache(int maxEntries) {
        return new KeyCache<>(TTL, maxEntries, clock::get);
    }

    @Test
    void requestsArrivingWhileAKeyIsLookedUpShareThatLookup() {
        KeyCache<String> cache = cache(100);
        var first = cache.get("AKID", loader).subscribe().withSubscriber(UniAssertSubscriber.create());
        var second = cache.get("AKID", loader).subscribe().withSubscriber(UniAssertSubscriber.create());
        var third = cache.get("AKID", loader).subscribe().withSubscriber(UniAssertSubscriber.create());
        assertEquals(1, lookups.size(), "one lookup for three requests");
        lookups.get(0).complete("account-1");
        first.awaitItem(WAIT).assertItem("account-1");
        second.awaitItem(WAIT).assertItem("account-1");
        third.awaitItem(WAIT).assertItem("account-1");

        cache.get("AKID", loader).subscribe().withSubscriber(UniAssertSubscriber.create()).awaitItem(WAIT).assertItem("account-1");
        assertEquals(1, lookups.size(), "fresh: answered from memory");
    }

    @Test
    void anExpiredKeyIsLookedUpOnceForAllWaitingRequests() {
        KeyCache<String> cache = cache(100);
        cache.get("AKID", loader).subscribe().withSubscriber(UniAssertSubscriber.create());
        lookups.get(0).complete("account-1");
        clock.addAndGet(TTL);
        var a = cache.get("AKID", loader).subscribe().withSubscriber(UniAssertSubscriber.create());
        var b = cache.get("AKID", loader).subscribe().withSubscriber(UniAssertSubscriber.create());
        assertEquals(2, lookups.size());
        lookups.get(1).complete("account-2");
        a.awaitItem(WAIT).assertItem("account-2");
        b.awaitItem(WAIT).assertItem("account-2");
    }

    @Test
    void aFailedLookupFailsItsWaitersAndTheNextRequestTriesAgain() {
        KeyCache<String> cache = cache(100);
        var a = cache.get("AKID", loader).subscribe().withSubscriber(UniAssertSubscriber.create());
        var b = cache.get("AKID", loader).subscribe().withSubscriber(UniAssertSubscriber.create());
        lookups.get(0).completeExceptionally(new IllegalStateException("database down"));
        a.awaitFailure(WAIT).assertFailedWith(IllegalStateException.class, "database down");
        b.awaitFailure(WAIT).assertFailedWith(IllegalStateException.class, "database down");

        var c = cache.get("AKID", loader).subscribe().withSubscriber(UniAssertSubscriber.create());
        assertEquals(2, lookups.size(), "a failure is not remembered");
        lookups.get(1).complete("account-1");
        c.awaitItem(WAIT).assertItem("account-1");
    }

    @Test
    void aLookupOvertakenByAChangeOfTheKeyDoesNotKeepWhatItRead() {
        KeyCache<String> cache = cache(100);
        var before = cache.get("AKID", loader).subscribe().withSubscriber(UniAssertSubscriber.create());
        cache.invalidate("AKID"); // e.g. its secret was replaced while the lookup was reading the old one
        lookups.get(0).complete("old secret");
        before.awaitItem(WAIT).assertItem("old secret");

        var after = cache.get("AKID", loader).subscribe().withSubscriber(UniAssertSubscriber.create());
        assertEquals(2, lookups.size(), "the old value was not kept");
        lookups.get(1).complete("new secret");
        after.awaitItem(WAIT).assertItem("new secret");
    }

    @Test
    void unknownKeysAreRememberedButNeverBeyondTheBound() {
        KeyCache<String> cache = cache(3);
        for (int i = 0; i < 10; i++) {
            var s = cache.get("unknown-" + i, loader).subscribe().withSubscriber(UniAssertSubscriber.create());
            lookups.get(i).complete(null);
            s.awaitItem(WAIT);
            assertNull(s.getItem());
        }
        assertEquals(3, cache.size(), "bounded");
        cache.get("unknown-0", loader).subscribe().withSubscriber(UniAssertSubscriber.create()).awaitItem(WAIT);
        assertEquals(10, lookups.size(), "a remembered absent key is answered from memory");

        clock.addAndGet(TTL);
        var fresh = cache.get("known", loader).subscribe().withSubscriber(UniAssertSubscriber.create());
        lookups.get(10).complete("account-1");
        fresh.awaitItem(WAIT).assertItem("account-1");
        assertEquals(1, cache.size(), "expired entries make room");
    }
}
