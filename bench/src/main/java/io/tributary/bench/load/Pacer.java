package io.tributary.bench.load;

import io.tributary.bench.BenchSettings;

/**
 * One producer's send schedule: sends of {@code recordsPerSend} records at the phase's share of the target
 * rate, on a fixed schedule (a send that could not leave on time leaves as soon as it can, and the ones
 * after it keep their slots). The schedule starts over when the run moves from warm-up to measuring, since
 * the two phases may have different rates ({@code --warmup-rate}).
 */
public final class Pacer {

    private final BenchSettings settings;
    private final RunControl control;
    private final int recordsPerSend;
    private boolean phaseMeasured;
    private double intervalNanos;
    private long start;
    private long sends;

    public Pacer(BenchSettings settings, RunControl control, int recordsPerSend) {
        this.settings = settings;
        this.control = control;
        this.recordsPerSend = recordsPerSend;
        enter(control.measuring(), System.nanoTime());
    }

    private void enter(boolean measured, long now) {
        phaseMeasured = measured;
        long rate = settings.rateFor(measured);
        intervalNanos = rate > 0 ? recordsPerSend * 1e9 * settings.producers() / rate : 0;
        start = now;
        sends = 0;
    }

    /** Nanoseconds to wait before the next send (0 or less: send now). */
    public long waitNanos() {
        long now = System.nanoTime();
        boolean measured = control.measuring();
        if (measured != phaseMeasured) {
            enter(measured, now);
        }
        return intervalNanos > 0 ? start + (long) (sends * intervalNanos) - now : 0;
    }

    /** Counts a send. */
    public void sent() {
        sends++;
    }
}
