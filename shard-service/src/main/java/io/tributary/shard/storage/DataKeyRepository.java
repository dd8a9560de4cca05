package io.tributary.shard.storage;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/** Reads wrapped data keys on the append and read paths (reactive client, no ORM session). */
@ApplicationScoped
public class DataKeyRepository {

    private final Pool pool;

    public DataKeyRepository(Pool pool) {
        this.pool = pool;
    }

    /** A stored data key. */
    public record DataKeyRow(long id, long streamId, String masterKeyId, byte[] wrapped) {
    }

    /** The data key of this id, or {@code null}. */
    public Uni<DataKeyRow> find(long id) {
        return pool.preparedQuery("SELECT id, stream_id, master_key_id, wrapped FROM data_keys WHERE id = $1")
                .execute(Tuple.of(id)).map(rows -> {
                    var it = rows.iterator();
                    if (!it.hasNext()) {
                        return null;
                    }
                    Row r = it.next();
                    return new DataKeyRow(r.getLong(0), r.getLong(1), r.getString(2), r.getBuffer(3).getBytes());
                });
    }
}
