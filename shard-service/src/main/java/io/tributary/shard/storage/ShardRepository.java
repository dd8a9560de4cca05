package io.tributary.shard.storage;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/** Shard metadata rows. Callers open the session or transaction. */
@ApplicationScoped
public class ShardRepository implements PanacheRepositoryBase<ShardEntity, Long> {

    public Uni<List<ShardEntity>> findByStream(long streamId) {
        return list("streamId", Sort.by("shardIndex"), streamId);
    }

    /** Open shards of a tenant's live streams. */
    public Uni<Long> countOpenShards(String tenantId) {
        return count("endingPosition is null and streamId in (select s.id from StreamEntity s "
                + "where s.tenantId = ?1 and s.status <> 'DELETING')", tenantId);
    }
}
