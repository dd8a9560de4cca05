package io.tributary.shard.service;

import io.quarkus.test.Mock;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** The service's clock in tests: real time, moved forward by what a test asks for (retention, expiry). */
@Mock
@ApplicationScoped
public class MovableClock extends ShardClock {

    private static final AtomicLong OFFSET = new AtomicLong();

    public static void advance(Duration by) {
        OFFSET.addAndGet(by.toMillis());
    }

    public static void reset() {
        OFFSET.set(0);
    }

    @Override
    public long millis() {
        return super.millis() + OFFSET.get();
    }
}
