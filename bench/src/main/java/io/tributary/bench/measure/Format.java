package io.tributary.bench.measure;

import org.HdrHistogram.Histogram;

import java.time.Duration;

/** How the bench writes durations and latencies. */
public final class Format {

    private Format() {
    }

    /** A percentile of a histogram of microseconds, in milliseconds; "-" when nothing was recorded. */
    public static String millis(Histogram micros, double percentile) {
        if (micros.getTotalCount() == 0) {
            return "-";
        }
        return millis(micros.getValueAtPercentile(percentile));
    }

    /** Microseconds as milliseconds with a precision that suits the magnitude. */
    public static String millis(long micros) {
        double ms = micros / 1000.0;
        if (ms < 10) {
            return String.format("%.2f ms", ms);
        }
        if (ms < 100) {
            return String.format("%.1f ms", ms);
        }
        return String.format("%.0f ms", ms);
    }

    /** "30s", "1m30s", "250ms": a spelling the options accept. */
    public static String duration(Duration d) {
        if (d == null) {
            return "none";
        }
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        StringBuilder text = new StringBuilder();
        if (s >= 3600) {
            text.append(s / 3600).append('h');
        }
        if (s % 3600 >= 60) {
            text.append(s % 3600 / 60).append('m');
        }
        if (s % 60 != 0 || text.isEmpty()) {
            text.append(s % 60).append('s');
        }
        return text.toString();
    }
}
