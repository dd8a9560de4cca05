package io.tributary.shard.storage;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/** Stream metadata rows. Callers open the session or transaction. */
@ApplicationScoped
public class StreamRepository implements PanacheRepositoryBase<StreamEntity, Long> {

    public Uni<StreamEntity> findByName(String tenantId, String name) {
        return find("tenantId = ?1 and name = ?2", tenantId, name).firstResult();
    }

    /** Streams of a tenant with names after {@code exclusiveStart}, in name order. */
    public Uni<List<StreamEntity>> listAfter(String tenantId, String exclusiveStart, int limit) {
        return find("tenantId = ?1 and name > ?2", Sort.by("name"), tenantId, exclusiveStart == null ? "" : exclusiveStart)
                .page(0, limit).list();
    }

    public Uni<List<StreamEntity>> listByStatus(String status) {
        return list("status", status);
    }
}
