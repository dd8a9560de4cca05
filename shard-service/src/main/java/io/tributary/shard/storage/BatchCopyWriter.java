package io.tributary.shard.storage;

import io.agroal.api.AgroalDataSource;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Appends with PostgreSQL's binary {@code COPY}, the one way of inserting for which PostgreSQL extends a
 * table many pages at a time (with {@code fallocate}, without writing zeros first) instead of a page at a
 * time under the table's extension lock. The reactive client has no {@code COPY}, so this writer uses the
 * JDBC driver on threads of its own: one per commit pipeline, each pipeline having at most one group in
 * flight, so nothing here ever waits for a thread and no event loop ever blocks.
 *
 * <p>One group is one transaction: the lease fence for every shard in it, the {@code COPY} of its rows,
 * the commit. Either all rows are committed (the WAL flushed) when the returned {@code Uni} completes, or
 * none of them.
 */
@ApplicationScoped
public class BatchCopyWriter {

    private static final String COPY = "COPY record_batches (shard_key, first_position, last_position, first_arrival,"
            + " last_arrival, record_count, writer_epoch, traceparent, retention_tier, data_key_id, payload)"
            + " FROM STDIN (FORMAT binary)";
    private static final String FENCE = "SELECT bool_and(shard_lease_holds(k, e)) FROM unnest(?::bigint[], ?::bigint[]) AS u(k, e)";
    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0};
    private static final int FIELDS = 11;
    /** PostgreSQL's timestamps count microseconds from 2000-01-01T00:00:00Z. */
    private static final long POSTGRES_EPOCH_MILLIS = 946_684_800_000L;
    private static final int CHUNK = 256 * 1024;
    /** One chunk buffer per commit thread, reused by every group it writes. */
    private static final ThreadLocal<byte[]> CHUNKS = ThreadLocal.withInitial(() -> new byte[CHUNK]);

    private final AgroalDataSource dataSource;
    private final ExecutorService threads;

    public BatchCopyWriter(AgroalDataSource dataSource, io.tributary.shard.config.ShardServiceConfig config) {
        this.dataSource = dataSource;
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newFixedThreadPool(Math.max(1, config.append().commitPipelines()), r -> {
            Thread t = new Thread(r, "tributary-commit-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @jakarta.annotation.PreDestroy
    void stop() {
        threads.shutdownNow();
    }

    /** Stores the rows in one transaction; see the class comment. */
    public Uni<Void> insert(List<BatchRow> rows) {
        return Uni.createFrom().<Void>item(() -> {
            try {
                copy(rows);
            } catch (SQLException e) {
                throw new StorageException(e);
            }
            return null;
        }).runSubscriptionOn(threads);
    }

    private void copy(List<BatchRow> rows) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                fence(c, rows);
                CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY);
                try {
                    write(in, rows);
                    long stored = in.endCopy();
                    if (stored != rows.size()) {
                        throw new SQLException("COPY stored " + stored + " of " + rows.size() + " rows");
                    }
                } finally {
                    if (in.isActive()) {
                        in.cancelCopy();
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        }
    }

    /** The lease fence of every shard in the group, taken before any row is written (SQLSTATE TRB01 if lost). */
    private static void fence(Connection c, List<BatchRow> rows) throws SQLException {
        Set<List<Long>> pairs = new LinkedHashSet<>();
        for (BatchRow r : rows) {
            pairs.add(List.of(r.shardKey(), r.writerEpoch()));
        }
        Long[] keys = new Long[pairs.size()];
        Long[] epochs = new Long[pairs.size()];
        int i = 0;
        for (List<Long> p : pairs) {
            keys[i] = p.get(0);
            epochs[i++] = p.get(1);
        }
        try (PreparedStatement s = c.prepareStatement(FENCE)) {
            Array k = c.createArrayOf("int8", keys);
            Array e = c.createArrayOf("int8", epochs);
            s.setArray(1, k);
            s.setArray(2, e);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
            }
        }
    }

    private static void write(CopyIn in, List<BatchRow> rows) throws SQLException {
        Out out = new Out(in);
        out.bytes(SIGNATURE);
        out.int32(0);
        out.int32(0);
        for (BatchRow r : rows) {
            out.int16(FIELDS);
            out.int64Field(r.shardKey());
            out.int64Field(r.firstPosition());
            out.int64Field(r.lastPosition());
            long micros = (r.arrivalMillis() - POSTGRES_EPOCH_MILLIS) * 1000;
            out.int64Field(micros);
            out.int64Field(micros);
            out.int32(4);
            out.int32(r.recordCount());
            out.int64Field(r.writerEpoch());
            if (r.traceparent() == null) {
                out.int32(-1);
            } else {
                byte[] t = r.traceparent().getBytes(StandardCharsets.UTF_8);
                out.int32(t.length);
                out.bytes(t);
            }
            out.int32(4);
            out.int32(r.retentionTier());
            if (r.dataKeyId() < 0) {
                out.int32(-1);
            } else {
                out.int64Field(r.dataKeyId());
            }
            out.int32(r.payload().length);
            out.bytes(r.payload());
        }
        out.int16(-1);
        out.flush();
    }

    /** Collects the COPY stream into chunks, so the driver sends a few large messages rather than one per field. */
    private static final class Out {
        private final CopyIn in;
        private final byte[] buffer = CHUNKS.get();
        private int position;

        Out(CopyIn in) {
            this.in = in;
        }

        void int16(int v) throws SQLException {
            room(2);
            buffer[position++] = (byte) (v >>> 8);
            buffer[position++] = (byte) v;
        }

        void int32(int v) throws SQLException {
            room(4);
            buffer[position++] = (byte) (v >>> 24);
            buffer[position++] = (byte) (v >>> 16);
            buffer[position++] = (byte) (v >>> 8);
            buffer[position++] = (byte) v;
        }

        void int64Field(long v) throws SQLException {
            int32(8);
            room(8);
            for (int s = 56; s >= 0; s -= 8) {
                buffer[position++] = (byte) (v >>> s);
            }
        }

        void bytes(byte[] b) throws SQLException {
            if (b.length > buffer.length / 2) {
                flush();
                in.writeToCopy(b, 0, b.length);
                return;
            }
            room(b.length);
            System.arraycopy(b, 0, buffer, position, b.length);
            position += b.length;
        }

        private void room(int n) throws SQLException {
            if (position + n > buffer.length) {
                flush();
            }
        }

        void flush() throws SQLException {
            if (position > 0) {
                in.writeToCopy(buffer, 0, position);
                position = 0;
            }
        }
    }

    /** A failed COPY transaction; its cause is the driver's {@link SQLException} (with the SQLSTATE). */
    public static final class StorageException extends RuntimeException {
        public StorageException(SQLException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
