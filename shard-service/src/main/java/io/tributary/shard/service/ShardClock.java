package io.tributary.shard.service;

import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * The time the log goes by: arrival timestamps, retention, shard and stream lifetimes, daily partitions.
 * One bean, so that tests can move it forward by days instead of waiting for retention to pass.
 */
@ApplicationScoped
public class ShardClock {

    /** Milliseconds since the epoch. */
    public long millis() {
        return System.currentTimeMillis();
    }

    public Instant now() {
        return Instant.ofEpochMilli(millis()).truncatedTo(ChronoUnit.MILLIS);
    }

    public LocalDate today() {
        return LocalDate.ofInstant(now(), ZoneOffset.UTC);
    }
}
