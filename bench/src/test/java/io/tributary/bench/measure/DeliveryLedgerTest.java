package io.tributary.bench.measure;

import io.tributary.bench.Payload;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeliveryLedgerTest {

    private static long[] ids(int producer, int from, int to) {
        long[] ids = new long[to - from];
        for (int c = from; c < to; c++) {
            ids[c - from] = Payload.recordId(producer, c);
        }
        return ids;
    }

    @Test
    void exactlyOnceWhenEveryAcknowledgedRecordIsReceivedOnce() {
        DeliveryLedger ledger = new DeliveryLedger(2);
        ledger.acknowledged(0, 0, 10);
        ledger.acknowledged(1, 0, 5);
        ledger.received(ids(0, 0, 10), 10);
        ledger.received(ids(1, 0, 5), 5);

        DeliveryLedger.Summary summary = ledger.summarize();
        assertTrue(summary.exactlyOnce());
        assertEquals(15, summary.acknowledged());
        assertEquals(15, summary.receivedUnique());
        assertEquals(0, ledger.pendingDelivery());
    }

    @Test
    void countsLostAndDuplicatedRecords() {
        DeliveryLedger ledger = new DeliveryLedger(1);
        ledger.acknowledged(0, 0, 10);
        ledger.received(ids(0, 0, 4), 4);
        ledger.received(ids(0, 3, 9), 6); // 3 again, 9 never

        DeliveryLedger.Summary summary = ledger.summarize();
        assertFalse(summary.exactlyOnce());
        assertEquals(1, summary.lost());
        assertEquals(1, summary.duplicated());
        assertEquals("0#9", summary.lostSamples().get(0));
        assertEquals("0#3", summary.duplicateSamples().get(0));
        assertEquals(1, ledger.pendingDelivery());
    }

    @Test
    void aRecordReceivedBeforeItsAcknowledgementIsNotPending() {
        DeliveryLedger ledger = new DeliveryLedger(1);
        ledger.received(ids(0, 0, 3), 3);
        ledger.acknowledged(0, 0, 3);

        assertEquals(0, ledger.pendingDelivery());
        assertTrue(ledger.summarize().exactlyOnce());
    }

    @Test
    void aDeliveredRecordOfARefusedBatchBreaksTheGuarantee() {
        DeliveryLedger ledger = new DeliveryLedger(1);
        ledger.refused(0, 0, 5);
        ledger.received(ids(0, 2, 3), 1);

        DeliveryLedger.Summary summary = ledger.summarize();
        assertEquals(1, summary.deliveredThoughRefused());
        assertFalse(summary.exactlyOnce());
    }

    @Test
    void recordsOfUnknownProducersAreForeign() {
        DeliveryLedger ledger = new DeliveryLedger(1);
        ledger.received(new long[] {Payload.recordId(5, 1)}, 1);

        assertEquals(1, ledger.summarize().foreign());
        assertFalse(ledger.summarize().exactlyOnce());
    }

    @Test
    void aCopyKeepsAcknowledgementsButNotReceptions() {
        DeliveryLedger ledger = new DeliveryLedger(1);
        ledger.acknowledged(0, 0, 2);
        ledger.received(ids(0, 0, 2), 2);

        DeliveryLedger copy = ledger.withAcknowledgementsOnly();
        assertEquals(2, copy.summarize().lost());
        assertEquals(0, ledger.summarize().lost());
    }
}
