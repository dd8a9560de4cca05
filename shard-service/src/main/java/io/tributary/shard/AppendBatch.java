package io.tributary.shard;

import java.util.List;

/**
 * A batch of records offered for append to one shard, in the encoding of
 * {@link io.tributary.batch.RecordBatchFormat}. The log checks it in place and stores these bytes as
 * they are; the array must not be modified after it is handed over.
 *
 * @param encoded          the encoded records
 * @param explicitHashKeys empty, or one decimal hash key per record ({@code ""} for none) overriding the
 *                         MD5 of its partition key
 */
public record AppendBatch(byte[] encoded, List<String> explicitHashKeys) {
}
