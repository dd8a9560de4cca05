package io.tributary.bench.measure;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Latency histograms in microseconds. Each kind has an interval recorder (everything, drained by the progress
 * line) and a measured-phase recorder (read once at the end). {@link Recorder} takes concurrent writers
 * without locks.
 */
public final class Latencies {

    private final Recorder ackInterval = new Recorder(3);
    private final Recorder ackMeasured = new Recorder(3);
    private final Recorder endToEndInterval = new Recorder(3);
    private final Recorder endToEndMeasured = new Recorder(3);

    /** One batch: from just before it is handed to gRPC to the arrival of its acknowledgement. */
    public void recordAck(long nanos, boolean measured) {
        long micros = Math.max(0, nanos / 1000);
        ackInterval.recordValue(micros);
        if (measured) {
            ackMeasured.recordValue(micros);
        }
    }

    /** One record: from just before its batch is handed to gRPC to its arrival at a subscriber. */
    public void recordEndToEnd(long nanos, boolean measured) {
        long micros = Math.max(0, nanos / 1000);
        endToEndInterval.recordValue(micros);
        if (measured) {
            endToEndMeasured.recordValue(micros);
        }
    }

    public Histogram ackSinceLastInterval() {
        return ackInterval.getIntervalHistogram();
    }

    public Histogram endToEndSinceLastInterval() {
        return endToEndInterval.getIntervalHistogram();
    }

    /** Everything recorded in the measured phase; call once, at the end. */
    public Histogram ackMeasured() {
        return ackMeasured.getIntervalHistogram();
    }

    /** Everything recorded in the measured phase; call once, at the end. */
    public Histogram endToEndMeasured() {
        return endToEndMeasured.getIntervalHistogram();
    }
}
