package io.tributary.bench.measure;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/** Counters shared by producers and subscribers; all of them may be updated from any thread. */
public final class LoadStats {

    private static final int MESSAGE_LIMIT = 20;

    private final LongAdder acknowledgedRecords = new LongAdder();
    private final LongAdder acknowledgedBatches = new LongAdder();
    private final LongAdder measuredRecords = new LongAdder();
    private final LongAdder measuredBytes = new LongAdder();
    private final LongAdder measuredBatches = new LongAdder();
    private final LongAccumulator lastMeasuredAckNanos = new LongAccumulator(Math::max, Long.MIN_VALUE);
    private final LongAdder inFlightBatches = new LongAdder();
    private final LongAdder unansweredBatches = new LongAdder();
    private final LongAdder receivedRecords = new LongAdder();
    private final LongAdder outOfOrder = new LongAdder();
    private final LongAdder corrupted = new LongAdder();
    private final Map<String, LongAdder> refusedBatches = new ConcurrentHashMap<>();
    private final AtomicLong problemCount = new AtomicLong();
    private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();

    public void sent() {
        inFlightBatches.increment();
    }

    public void acknowledged(int records, long bytes, boolean measured, long ackNanos) {
        inFlightBatches.decrement();
        acknowledgedRecords.add(records);
        acknowledgedBatches.increment();
        if (measured) {
            measuredRecords.add(records);
            measuredBytes.add(bytes);
            measuredBatches.increment();
            lastMeasuredAckNanos.accumulate(ackNanos);
        }
    }

    public void refused(String code, String message) {
        inFlightBatches.decrement();
        refusedBatches.computeIfAbsent(code, k -> new LongAdder()).increment();
        problem("batch refused: " + code + ": " + message);
    }

    /** A batch whose outcome is unknown: its stream failed or the acknowledgement did not come in time. */
    public void unanswered() {
        inFlightBatches.decrement();
        unansweredBatches.increment();
    }

    public void received(int records) {
        receivedRecords.add(records);
    }

    public void outOfOrder(long count) {
        outOfOrder.add(count);
    }

    public void corrupted(long count) {
        corrupted.add(count);
    }

    /** Something that makes the run invalid; the first messages are kept for the report. */
    public void problem(String message) {
        if (problemCount.incrementAndGet() <= MESSAGE_LIMIT) {
            problems.add(message);
        }
    }

    public long acknowledgedRecords() {
        return acknowledgedRecords.sum();
    }

    public long acknowledgedBatches() {
        return acknowledgedBatches.sum();
    }

    public long measuredRecords() {
        return measuredRecords.sum();
    }

    public long measuredBytes() {
        return measuredBytes.sum();
    }

    public long measuredBatches() {
        return measuredBatches.sum();
    }

    /** Arrival time of the last acknowledgement of a measured batch, or {@code Long.MIN_VALUE} without one. */
    public long lastMeasuredAckNanos() {
        return lastMeasuredAckNanos.get();
    }

    public long inFlightBatches() {
        return inFlightBatches.sum();
    }

    public long unansweredBatches() {
        return unansweredBatches.sum();
    }

    public long receivedRecords() {
        return receivedRecords.sum();
    }

    public long outOfOrder() {
        return outOfOrder.sum();
    }

    public long corrupted() {
        return corrupted.sum();
    }

    /** Refused batches per error code, in code order. */
    public Map<String, Long> refusedBatches() {
        Map<String, Long> copy = new TreeMap<>();
        refusedBatches.forEach((code, count) -> copy.put(code, count.sum()));
        return copy;
    }

    public long refusedBatchCount() {
        return refusedBatches.values().stream().mapToLong(LongAdder::sum).sum();
    }

    public long problemCount() {
        return problemCount.get();
    }

    public java.util.List<String> problems() {
        return java.util.List.copyOf(problems);
    }
}
