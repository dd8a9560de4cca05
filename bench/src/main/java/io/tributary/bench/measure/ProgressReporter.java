package io.tributary.bench.measure;

import io.tributary.bench.load.RunControl;
import org.HdrHistogram.Histogram;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The short line printed every {@code --progress-interval} while the load runs. */
public final class ProgressReporter implements AutoCloseable {

    private final PrintWriter out;
    private final RunControl control;
    private final LoadStats stats;
    private final Latencies latencies;
    private final DeliveryLedger ledger;
    private final int recordBytes;
    private final long startNanos;
    private final ScheduledExecutorService timer;
    private long lastNanos;
    private long lastAcknowledged;
    private long lastReceived;

    public ProgressReporter(PrintWriter out, RunControl control, LoadStats stats, Latencies latencies,
                            DeliveryLedger ledger, int recordBytes, Duration interval) {
        this.out = out;
        this.control = control;
        this.stats = stats;
        this.latencies = latencies;
        this.ledger = ledger;
        this.recordBytes = recordBytes;
        this.startNanos = System.nanoTime();
        this.lastNanos = startNanos;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "bench-progress");
            thread.setDaemon(true);
            return thread;
        });
        long period = interval.toMillis();
        timer.scheduleAtFixedRate(this::report, period, period, TimeUnit.MILLISECONDS);
    }

    private synchronized void report() {
        long now = System.nanoTime();
        double seconds = (now - lastNanos) / 1e9;
        long acknowledged = stats.acknowledgedRecords();
        long received = stats.receivedRecords();
        Histogram ack = latencies.ackSinceLastInterval();
        Histogram endToEnd = latencies.endToEndSinceLastInterval();
        String phase = control.sendingStopped() ? "drain" : control.measuring() ? "measure" : "warmup";
        double ackedPerSecond = (acknowledged - lastAcknowledged) / seconds;
        out.printf("[%6.1fs %-7s] acked %,9.0f rec/s %7.1f MB/s | ack p50 %s p99 %s | e2e p50 %s p99 %s | received %,9.0f rec/s"
                        + " | in flight %d batches | lag %,d rec%n",
                (now - startNanos) / 1e9, phase, ackedPerSecond, ackedPerSecond * recordBytes / 1e6,
                Format.millis(ack, 50), Format.millis(ack, 99), Format.millis(endToEnd, 50), Format.millis(endToEnd, 99),
                (received - lastReceived) / seconds, stats.inFlightBatches(), ledger.pendingDelivery());
        out.flush();
        lastNanos = now;
        lastAcknowledged = acknowledged;
        lastReceived = received;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
