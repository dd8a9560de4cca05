package io.tributary.bench.measure;

import io.tributary.bench.Payload;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Which records were acknowledged, refused and received, per (producer, counter), to prove exactly-once
 * delivery of every acknowledged record.
 *
 * <p>Producers report acknowledgements and refusals per batch; subscribers (or the read verifier) report
 * receptions per message. All methods are synchronized: a call covers a whole batch or message, so the lock
 * is taken a few hundred times per second, not per record.
 */
public final class DeliveryLedger {

    private static final int SAMPLE_LIMIT = 10;

    private final BitSet[] acknowledged;
    private final BitSet[] refused;
    private final BitSet[] received;
    private long acknowledgedRecords;
    private long refusedRecords;
    private long receivedUnique;
    private long receivedAcknowledged;
    private long duplicates;
    private long foreign;
    private final List<String> duplicateSamples = new ArrayList<>();

    public DeliveryLedger(int producers) {
        acknowledged = new BitSet[producers];
        refused = new BitSet[producers];
        received = new BitSet[producers];
        for (int p = 0; p < producers; p++) {
            acknowledged[p] = new BitSet();
            refused[p] = new BitSet();
            received[p] = new BitSet();
        }
    }

    /** The records {@code firstCounter .. firstCounter+count-1} of {@code producer} were acknowledged as stored. */
    public synchronized void acknowledged(int producer, long firstCounter, int count) {
        BitSet acked = acknowledged[producer];
        BitSet seen = received[producer];
        int from = Math.toIntExact(firstCounter);
        for (int c = from; c < from + count; c++) {
            if (!acked.get(c)) {
                acked.set(c);
                acknowledgedRecords++;
                // A subscriber may see a record before its producer sees the acknowledgement.
                if (seen.get(c)) {
                    receivedAcknowledged++;
                }
            }
        }
    }

    /** The records of a batch were refused: the server promised not to store any of them. */
    public synchronized void refused(int producer, long firstCounter, int count) {
        int from = Math.toIntExact(firstCounter);
        refused[producer].set(from, from + count);
        refusedRecords += count;
    }

    /**
     * Records received by a subscriber or a read, identified by {@link Payload#recordId}. Ids of producers the
     * bench does not have are counted as foreign (the stream is the bench's own, so there should be none).
     */
    public synchronized void received(long[] ids, int count) {
        for (int i = 0; i < count; i++) {
            long id = ids[i];
            int producer = Payload.producerOf(id);
            long counter = Payload.counterOf(id);
            if (producer >= received.length || counter > Integer.MAX_VALUE) {
                foreign++;
                continue;
            }
            int c = (int) counter;
            BitSet seen = received[producer];
            if (seen.get(c)) {
                duplicates++;
                if (duplicateSamples.size() < SAMPLE_LIMIT) {
                    duplicateSamples.add(producer + "#" + c);
                }
            } else {
                seen.set(c);
                receivedUnique++;
                if (acknowledged[producer].get(c)) {
                    receivedAcknowledged++;
                }
            }
        }
    }

    /** Records whose data is too short to carry the bench's header. */
    public synchronized void foreign(int count) {
        foreign += count;
    }

    public synchronized long acknowledgedRecords() {
        return acknowledgedRecords;
    }

    /** Acknowledged records not received yet: the subscribers' lag behind the acknowledgements. */
    public synchronized long pendingDelivery() {
        return acknowledgedRecords - receivedAcknowledged;
    }

    /** A ledger with the same acknowledgements and refusals but nothing received, to check another read path. */
    public synchronized DeliveryLedger withAcknowledgementsOnly() {
        DeliveryLedger copy = new DeliveryLedger(acknowledged.length);
        for (int p = 0; p < acknowledged.length; p++) {
            copy.acknowledged[p] = (BitSet) acknowledged[p].clone();
            copy.refused[p] = (BitSet) refused[p].clone();
        }
        copy.acknowledgedRecords = acknowledgedRecords;
        copy.refusedRecords = refusedRecords;
        return copy;
    }

    /**
     * This ledger's acknowledgements and refusals with what another consumer received (recorded in
     * {@code receipts}, a ledger that saw no acknowledgements): to check each of several consumers.
     */
    public DeliveryLedger withReceiptsOf(DeliveryLedger receipts) {
        DeliveryLedger copy = withAcknowledgementsOnly();
        synchronized (receipts) {
            for (int p = 0; p < copy.received.length; p++) {
                copy.received[p] = (BitSet) receipts.received[p].clone();
                BitSet both = (BitSet) copy.received[p].clone();
                both.and(copy.acknowledged[p]);
                copy.receivedAcknowledged += both.cardinality();
            }
            copy.receivedUnique = receipts.receivedUnique;
            copy.duplicates = receipts.duplicates;
            copy.foreign = receipts.foreign;
            copy.duplicateSamples.addAll(receipts.duplicateSamples);
        }
        return copy;
    }

    public synchronized Summary summarize() {
        long lost = 0;
        long deliveredThoughRefused = 0;
        long deliveredWithoutAck = 0;
        List<String> lostSamples = new ArrayList<>();
        for (int p = 0; p < acknowledged.length; p++) {
            BitSet missing = (BitSet) acknowledged[p].clone();
            missing.andNot(received[p]);
            lost += missing.cardinality();
            for (int c = missing.nextSetBit(0); c >= 0 && lostSamples.size() < SAMPLE_LIMIT; c = missing.nextSetBit(c + 1)) {
                lostSamples.add(p + "#" + c);
            }
            BitSet refusedButSeen = (BitSet) refused[p].clone();
            refusedButSeen.and(received[p]);
            deliveredThoughRefused += refusedButSeen.cardinality();
            BitSet unacknowledgedSeen = (BitSet) received[p].clone();
            unacknowledgedSeen.andNot(acknowledged[p]);
            unacknowledgedSeen.andNot(refused[p]);
            deliveredWithoutAck += unacknowledgedSeen.cardinality();
        }
        return new Summary(acknowledgedRecords, refusedRecords, receivedUnique, lost, duplicates, deliveredThoughRefused,
                deliveredWithoutAck, foreign, List.copyOf(lostSamples), List.copyOf(duplicateSamples));
    }

    /**
     * Outcome of a run for delivery.
     *
     * @param lost                   acknowledged records never received
     * @param duplicated             receptions of a record already received
     * @param deliveredThoughRefused records of refused batches that were delivered anyway (a broken promise)
     * @param deliveredWithoutAck    records received whose batch never got an answer (outcome unknown: allowed)
     * @param foreign                records that the bench did not write
     * @param lostSamples            a few lost records as {@code producer#counter}
     * @param duplicateSamples       a few duplicated records as {@code producer#counter}
     */
    public record Summary(long acknowledged, long refused, long receivedUnique, long lost, long duplicated,
                          long deliveredThoughRefused, long deliveredWithoutAck, long foreign,
                          List<String> lostSamples, List<String> duplicateSamples) {

        /** Whether every acknowledged record was received exactly once and nothing else was broken. */
        public boolean exactlyOnce() {
            return lost == 0 && duplicated == 0 && deliveredThoughRefused == 0 && foreign == 0;
        }
    }
}
