package io.tributary.shard.storage;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.security.SecureRandom;

/** Secret keys shared by all instances of the service, created on first use. */
@ApplicationScoped
public class ServiceKeyRepository {

    private static final String CREATE = "INSERT INTO service_keys (name, key_bytes) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING";
    private static final String READ = "SELECT key_bytes FROM service_keys WHERE name = $1";

    private final Pool pool;
    private final SecureRandom random = new SecureRandom();

    public ServiceKeyRepository(Pool pool) {
        this.pool = pool;
    }

    /** The key of this name: the one stored, or a new random one of {@code length} bytes stored now. */
    public Uni<byte[]> key(String name, int length) {
        byte[] fresh = new byte[length];
        random.nextBytes(fresh);
        // Whichever instance inserts first wins; everybody then reads the same key.
        return pool.preparedQuery(CREATE).execute(Tuple.of(name, io.vertx.core.buffer.Buffer.buffer(fresh)))
                .chain(() -> pool.preparedQuery(READ).execute(Tuple.of(name)))
                .map(rows -> rows.iterator().next().getBuffer("key_bytes").getBytes());
    }
}
