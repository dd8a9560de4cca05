package io.tributary.shard.storage;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Collection;
import java.util.List;

/** Stream tags. Callers open the session or transaction. */
@ApplicationScoped
public class StreamTagRepository implements PanacheRepositoryBase<StreamTagEntity, StreamTagEntity.Key> {

    public Uni<List<StreamTagEntity>> findByStream(long streamId) {
        return list("streamId", Sort.by("tagKey"), streamId);
    }

    public Uni<Long> deleteKeys(long streamId, Collection<String> keys) {
        return delete("streamId = ?1 and tagKey in ?2", streamId, keys);
    }
}
