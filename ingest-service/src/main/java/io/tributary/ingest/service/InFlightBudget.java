package io.tributary.ingest.service;

import io.opentelemetry.api.metrics.Meter;
import io.tributary.ingest.config.IngestConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes this instance holds for producers until shard-service acknowledges them. A request is
 * admitted whole or not at all: when it does not fit, the producer is throttled and nothing of it is
 * written. This is what keeps memory bounded whatever producers do.
 */
@ApplicationScoped
public class InFlightBudget {

    private final long limit;
    private final AtomicLong used = new AtomicLong();

    public InFlightBudget(IngestConfig config, Meter meter) {
        this.limit = config.maxInFlightBytes();
        meter.gaugeBuilder("tributary.ingest.in_flight.bytes").ofLongs()
                .setDescription("Bytes of records accepted and not yet acknowledged by shard-service").setUnit("By")
                .buildWithCallback(m -> m.record(used.get()));
    }

    /** Takes {@code bytes} from the budget if they fit. */
    public boolean tryAcquire(long bytes) {
        while (true) {
            long now = used.get();
            // A request larger than the whole budget is still admitted when nothing else is in flight.
            if (now > 0 && now + bytes > limit) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    public void release(long bytes) {
        used.addAndGet(-bytes);
    }

    public long used() {
        return used.get();
    }

    public long limit() {
        return limit;
    }
}
