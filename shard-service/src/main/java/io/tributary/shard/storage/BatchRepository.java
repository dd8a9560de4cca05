package io.tributary.shard.storage;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The hot path of storage: appends and reads of {@code record_batches} with the reactive PostgreSQL
 * client, as prepared statements with binary parameters (no SQL text per batch, no hex encoding).
 */
@ApplicationScoped
public class BatchRepository {

    // The arrays are unnested in the select list (a ProjectSet, one row at a time), not in FROM: a function
    // in FROM is materialised first, and a group's payloads beyond work_mem (4 MB) went through a
    // temporary file on every commit (see docs/performance.md, tenth round).
    private static final String INSERT = """
            INSERT INTO record_batches (shard_key, first_position, last_position, first_arrival, last_arrival,
                                        record_count, writer_epoch, traceparent, payload, retention_tier, data_key_id)
            SELECT k, f, l, a, a, c, e, t, p, r, d
            FROM (SELECT unnest($1::bigint[]) AS k, unnest($2::bigint[]) AS f, unnest($3::bigint[]) AS l,
                         unnest($4::timestamptz[]) AS a, unnest($5::int[]) AS c, unnest($6::bigint[]) AS e,
                         unnest($7::text[]) AS t, unnest($8::bytea[]) AS p, unnest($9::int[]) AS r,
                         unnest($10::bigint[]) AS d) AS b
            WHERE (SELECT bool_and(shard_lease_holds(x.k, x.e))
                   FROM (SELECT DISTINCT k, e FROM unnest($1::bigint[], $6::bigint[]) AS u(k, e)) AS x)
            """;
    private static final String HEAD = """
            SELECT last_position, last_arrival FROM record_batches
            WHERE shard_key = $1 ORDER BY last_position DESC LIMIT 1
            """;
    private static final String READ_FROM = """
            SELECT first_position, last_position, first_arrival, payload, data_key_id FROM record_batches
            WHERE shard_key = $1 AND last_position >= $2 ORDER BY last_position LIMIT $3
            """;
    private static final String FIRST_AT_OR_AFTER = """
            SELECT first_position FROM record_batches
            WHERE shard_key = $1 AND first_arrival >= $2 ORDER BY first_arrival, last_position LIMIT 1
            """;
    // Up to $2 rows, and no more stored bytes than $3 beyond the first row: every page a DELETE touches
    // may go to the WAL whole, and live commits wait behind this transaction's WAL flush.
    private static final String ERASE = """
            WITH picked AS (
                SELECT shard_key, last_position, first_arrival, retention_tier, pg_column_size(payload) AS size
                FROM record_batches WHERE shard_key = ANY($1) LIMIT $2),
            doomed AS (
                SELECT * FROM (SELECT p.*, sum(p.size) OVER (ROWS UNBOUNDED PRECEDING) AS upto FROM picked p) r
                WHERE r.upto - r.size < $3)
            DELETE FROM record_batches b USING doomed d
            WHERE b.shard_key = d.shard_key AND b.last_position = d.last_position
              AND b.first_arrival = d.first_arrival AND b.retention_tier = d.retention_tier
            """;
    private static final String PARTITIONS = """
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname LIKE 'record_batches\\_t%'
            """;
    private static final java.util.regex.Pattern PARTITION_NAME = java.util.regex.Pattern.compile("record_batches_t(\\d+)_(\\d{8})");
    private static final DateTimeFormatter PARTITION_SUFFIX = DateTimeFormatter.ofPattern("yyyyMMdd");

    private final Pool pool;

    public BatchRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Inserts batches in one statement, hence one transaction: all of them are committed (the WAL flushed)
     * when the returned {@code Uni} completes, or none of them. Each batch passes the lease fence with its
     * writer epoch: if any shard's lease moved on, the statement fails with SQLSTATE {@code TRB01} and
     * nothing is stored.
     */
    public Uni<Void> insert(List<BatchRow> rows) {
        int n = rows.size();
        Long[] shardKeys = new Long[n];
        Long[] firsts = new Long[n];
        Long[] lasts = new Long[n];
        OffsetDateTime[] arrivals = new OffsetDateTime[n];
        Integer[] counts = new Integer[n];
        Long[] epochs = new Long[n];
        String[] traces = new String[n];
        io.vertx.core.buffer.Buffer[] payloads = new io.vertx.core.buffer.Buffer[n];
        Integer[] tiers = new Integer[n];
        Long[] dataKeys = new Long[n];
        for (int i = 0; i < n; i++) {
            BatchRow r = rows.get(i);
            shardKeys[i] = r.shardKey();
            firsts[i] = r.firstPosition();
            lasts[i] = r.lastPosition();
            arrivals[i] = OffsetDateTime.ofInstant(Instant.ofEpochMilli(r.arrivalMillis()), ZoneOffset.UTC);
            counts[i] = r.recordCount();
            epochs[i] = r.writerEpoch();
            traces[i] = r.traceparent();
            // Wrapped, not copied: the payload is never modified, and the client copies it once into the message.
            payloads[i] = io.vertx.core.buffer.Buffer.buffer(io.netty.buffer.Unpooled.wrappedBuffer(r.payload()));
            tiers[i] = r.retentionTier();
            dataKeys[i] = r.dataKeyId() < 0 ? null : r.dataKeyId();
        }
        Tuple params = Tuple.tuple()
                .addArrayOfLong(shardKeys).addArrayOfLong(firsts).addArrayOfLong(lasts)
                .addArrayOfOffsetDateTime(arrivals).addArrayOfInteger(counts).addArrayOfLong(epochs)
                .addArrayOfString(traces).addValue(payloads).addArrayOfInteger(tiers).addArrayOfLong(dataKeys);
        return pool.preparedQuery(INSERT).execute(params).replaceWithVoid();
    }

    /**
     * Deletes up to {@code limit} stored batches of the given shards, in one transaction, stopping once
     * {@code maxBytes} of stored payload are reached (at least one batch is deleted whatever its size).
     *
     * @return how many were deleted; 0 when none of the shards has a batch left
     */
    public Uni<Integer> erase(List<Long> shardKeys, int limit, long maxBytes) {
        return pool.preparedQuery(ERASE).execute(Tuple.of(shardKeys.toArray(new Long[0]), limit, maxBytes))
                .map(RowSet::rowCount);
    }

    /** The newest committed batch of a shard. */
    public Uni<ShardHead> head(long shardKey) {
        return pool.preparedQuery(HEAD).execute(Tuple.of(shardKey)).map(rows -> {
            var it = rows.iterator();
            if (!it.hasNext()) {
                return ShardHead.EMPTY;
            }
            Row row = it.next();
            return new ShardHead(row.getLong(0), row.getOffsetDateTime(1).toInstant().toEpochMilli());
        });
    }

    private static final String HEADS = """
            SELECT k, h.last_position, h.last_arrival FROM unnest($1::bigint[]) AS k,
            LATERAL (SELECT last_position, last_arrival FROM record_batches WHERE shard_key = k
                     ORDER BY last_position DESC LIMIT 1) AS h
            """;

    /** The newest committed batch of each of several shards, in one query; shards without any are left out. */
    public Uni<java.util.Map<Long, ShardHead>> heads(List<Long> shardKeys) {
        return pool.preparedQuery(HEADS).execute(Tuple.of(shardKeys.toArray(new Long[0]))).map(rows -> {
            java.util.Map<Long, ShardHead> out = new java.util.HashMap<>();
            for (Row row : rows) {
                out.put(row.getLong(0), new ShardHead(row.getLong(1), row.getOffsetDateTime(2).toInstant().toEpochMilli()));
            }
            return out;
        });
    }

    /** Up to {@code limit} batches holding positions at or after {@code fromPosition}, in order. */
    public Uni<List<StoredBatch>> readFrom(long shardKey, long fromPosition, int limit) {
        return pool.preparedQuery(READ_FROM).execute(Tuple.of(shardKey, fromPosition, limit))
                .map(BatchRepository::toBatches);
    }

    /** Position of the first record that arrived at or after {@code timestampMillis}, or -1. */
    public Uni<Long> firstPositionAtOrAfter(long shardKey, long timestampMillis) {
        OffsetDateTime t = OffsetDateTime.ofInstant(Instant.ofEpochMilli(timestampMillis), ZoneOffset.UTC);
        return pool.preparedQuery(FIRST_AT_OR_AFTER).execute(Tuple.of(shardKey, t)).map(rows -> {
            var it = rows.iterator();
            return it.hasNext() ? it.next().getLong(0) : -1L;
        });
    }

    /**
     * Creates the partition of a retention tier holding {@code day} if it does not exist. An existing
     * partition is left alone: DDL on it would take a lock that stalls appends and invalidate their
     * prepared plans.
     */
    public Uni<Void> ensurePartition(int tier, LocalDate day) {
        String name = partitionName(tier, day);
        return pool.preparedQuery("SELECT 1 FROM pg_class WHERE relname = $1").execute(Tuple.of(name))
                .chain(rows -> {
                    if (rows.size() > 0) {
                        return Uni.createFrom().voidItem();
                    }
                    // Batches are never updated or deleted row by row (partitions are dropped whole), so
                    // vacuums triggered by inserts would only rewrite every page to set visibility bits,
                    // doubling the WAL with full-page images. Wraparound protection still freezes the data.
                    String create = "CREATE TABLE IF NOT EXISTS " + name + " PARTITION OF record_batches_t" + tier + " FOR VALUES FROM ('"
                            + day + " 00:00:00+00') TO ('" + day.plusDays(1) + " 00:00:00+00')"
                            + " WITH (autovacuum_vacuum_insert_threshold = -1, toast.autovacuum_vacuum_insert_threshold = -1,"
                            + " toast_tuple_target = 8160)";
                    String storage = "ALTER TABLE " + name + " ALTER COLUMN payload SET STORAGE EXTERNAL";
                    return pool.query(create).execute().chain(() -> pool.query(storage).execute()).replaceWithVoid();
                });
    }

    /** The daily partitions of every retention tier. */
    public Uni<List<BatchPartition>> partitions() {
        return pool.query(PARTITIONS).execute().map(rows -> {
            List<BatchPartition> out = new ArrayList<>();
            for (Row row : rows) {
                java.util.regex.Matcher m = PARTITION_NAME.matcher(row.getString(0));
                if (m.matches()) {
                    out.add(new BatchPartition(Integer.parseInt(m.group(1)), LocalDate.parse(m.group(2), PARTITION_SUFFIX)));
                }
            }
            return out;
        });
    }

    /**
     * Drops a daily partition with everything in it. It is detached concurrently first, so appends and
     * reads of the other partitions are never blocked behind the drop's lock.
     */
    public Uni<Void> dropPartition(BatchPartition partition) {
        String name = partitionName(partition.tier(), partition.day());
        String parent = "record_batches_t" + partition.tier();
        return pool.query("ALTER TABLE " + parent + " DETACH PARTITION " + name + " CONCURRENTLY").execute()
                .onFailure().recoverWithUni(e -> pool.query("ALTER TABLE " + parent + " DETACH PARTITION " + name
                        + " FINALIZE").execute().onFailure().recoverWithItem((RowSet<Row>) null))
                .chain(() -> pool.query("DROP TABLE IF EXISTS " + name).execute())
                .replaceWithVoid();
    }

    private static String partitionName(int tier, LocalDate day) {
        return "record_batches_t" + tier + "_" + PARTITION_SUFFIX.format(day);
    }

    private static List<StoredBatch> toBatches(RowSet<Row> rows) {
        List<StoredBatch> batches = new ArrayList<>(rows.size());
        for (Row row : rows) {
            batches.add(new StoredBatch(row.getLong(0), row.getLong(1),
                    row.getOffsetDateTime(2).toInstant().toEpochMilli(), row.getBuffer(3).getBytes(),
                    row.getLong(4) == null ? -1 : row.getLong(4)));
        }
        return batches;
    }
}
