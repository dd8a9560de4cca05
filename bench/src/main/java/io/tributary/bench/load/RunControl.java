package io.tributary.bench.load;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The phases of a run, shared by the orchestrator and the producers: warm-up, measured, stopped. Also hands
 * out the measured-record budget of {@code --records}.
 */
public final class RunControl {

    private final long recordsLimit;
    private final AtomicLong measuredBudget;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean measuring;
    private volatile boolean stopping;
    private volatile long measureStartNanos;
    private volatile long stopNanos;
    private volatile String abortReason;

    /** @param recordsLimit records to send in the measured phase, 0 for no limit */
    public RunControl(long recordsLimit) {
        this.recordsLimit = recordsLimit;
        this.measuredBudget = new AtomicLong(recordsLimit);
    }

    public synchronized void startMeasuring() {
        if (!measuring && !stopping) {
            measureStartNanos = System.nanoTime();
            measuring = true;
        }
    }

    public boolean measuring() {
        return measuring && !stopping;
    }

    public long measureStartNanos() {
        return measureStartNanos;
    }

    /** When sending stopped, or 0 while it goes on. */
    public long stopNanos() {
        return stopNanos;
    }

    public boolean sendingStopped() {
        return stopping;
    }

    public synchronized void stopSending() {
        if (!stopping) {
            stopNanos = System.nanoTime();
            stopping = true;
            stopped.countDown();
        }
    }

    /** Stops the run because a part of it failed; the first reason is kept. */
    public synchronized void abort(String reason) {
        if (abortReason == null) {
            abortReason = reason;
        }
        stopSending();
    }

    /** Why the run was aborted, or {@code null}. */
    public String abortReason() {
        return abortReason;
    }

    /** Waits until sending stops or {@code timeout} passes; {@code null} waits without bound. */
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        if (timeout == null) {
            stopped.await();
            return true;
        }
        return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * How many of {@code wanted} records the caller may put in its next batch. Unlimited outside the measured
     * phase or without {@code --records}; otherwise taken from the budget, and the run stops when it is spent.
     */
    public int claim(int wanted, boolean measured) {
        if (!measured || recordsLimit == 0) {
            return wanted;
        }
        while (true) {
            long left = measuredBudget.get();
            if (left <= 0) {
                stopSending();
                return 0;
            }
            int granted = (int) Math.min(wanted, left);
            if (measuredBudget.compareAndSet(left, left - granted)) {
                if (left - granted == 0) {
                    stopSending();
                }
                return granted;
            }
        }
    }
}
