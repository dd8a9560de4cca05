package io.tributary.shard.storage;

import java.time.LocalDate;

/** A daily partition of the batch table: the batches of one retention tier that arrived on one UTC day. */
public record BatchPartition(int tier, LocalDate day) {
}
