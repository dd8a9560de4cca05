package io.tributary.shard.storage;

import io.tributary.batch.RecordBatchFormat;

import java.util.Arrays;

/**
 * How one appended batch is laid out in {@code record_batches}: consecutive runs of its records, each run
 * an encoded batch of its own (a row), at most {@code rowBytes} long unless a single record is longer.
 *
 * <p>Rows that fit a page stay in the table itself. A larger value would go to PostgreSQL's TOAST table
 * in chunks of about 2 KB, each chunk a tuple and an index entry of its own, and that table is extended
 * one page at a time under one lock by every backend appending to the partition (see
 * docs/performance.md, thirteenth round).
 *
 * @param payloads the rows' payloads, in position order
 * @param firstRecords index in the batch of each row's first record
 * @param recordCount records in the whole batch
 */
public record StoredRows(byte[][] payloads, int[] firstRecords, int recordCount) {

    /** Bytes of an encoded batch besides its records: version, the largest count varint, checksum. */
    private static final int FRAMING = 1 + 5 + RecordBatchFormat.CHECKSUM_BYTES;

    /**
     * Cuts an encoded batch into rows.
     *
     * @param batch the encoded batch, already verified
     * @param layout four ints per record: key offset, key length, data offset, data length in {@code batch}
     * @param count records in the batch
     * @param rowBytes largest payload of a row
     */
    public static StoredRows of(byte[] batch, int[] layout, int count, int rowBytes) {
        if (batch.length <= rowBytes) {
            return new StoredRows(new byte[][] {batch}, new int[] {0}, count);
        }
        byte[][] payloads = new byte[count][];
        int[] firsts = new int[count];
        int rows = 0;
        int first = 0;
        int from = recordStart(layout, 0);
        for (int i = 1; i <= count; i++) {
            // Cut before record i when the row would not hold it any more.
            if (i == count || recordEnd(layout, i) - from + FRAMING > rowBytes) {
                payloads[rows] = RecordBatchFormat.slice(batch, from, recordEnd(layout, i - 1), i - first);
                firsts[rows] = first;
                rows++;
                if (i < count) {
                    first = i;
                    from = recordStart(layout, i);
                }
            }
        }
        return new StoredRows(Arrays.copyOf(payloads, rows), Arrays.copyOf(firsts, rows), count);
    }

    /** Rows of this batch. */
    public int size() {
        return payloads.length;
    }

    /** Records in row {@code row}. */
    public int recordsIn(int row) {
        return (row + 1 < firstRecords.length ? firstRecords[row + 1] : recordCount) - firstRecords[row];
    }

    /** The same rows with other payloads (their encryption), in the same order. */
    public StoredRows withPayloads(byte[][] replaced) {
        if (replaced.length != payloads.length) {
            throw new IllegalArgumentException(replaced.length + " payloads for " + payloads.length + " rows");
        }
        return new StoredRows(replaced, firstRecords, recordCount);
    }

    private static int recordStart(int[] layout, int i) {
        return layout[i * 4] - RecordBatchFormat.varintSize(layout[i * 4 + 1]);
    }

    private static int recordEnd(int[] layout, int i) {
        return layout[i * 4 + 2] + layout[i * 4 + 3];
    }
}
