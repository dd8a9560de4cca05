package io.tributary.shard.storage;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/** Stream metadata rows. Callers open the session or transaction. */
@ApplicationScoped
public class StreamRepository implements PanacheRepositoryBase<StreamEntity, Long> {

    private static final String DELETING = io.tributary.shard.StreamStatus.DELETING.name();

    /**
     * The live stream of this name. A deleted stream (DELETING until its data is purged) no longer holds
     * its name: a new stream may take it at once.
     */
    public Uni<StreamEntity> findByName(String tenantId, String name) {
        return find("tenantId = ?1 and name = ?2 and status <> ?3", tenantId, name, DELETING).firstResult();
    }

    /** Live streams of a tenant with names after {@code exclusiveStart}, in name order. */
    public Uni<List<StreamEntity>> listAfter(String tenantId, String exclusiveStart, int limit) {
        return find("tenantId = ?1 and name > ?2 and status <> ?3", Sort.by("name"), tenantId,
                exclusiveStart == null ? "" : exclusiveStart, DELETING).page(0, limit).list();
    }

    public Uni<List<StreamEntity>> listByStatus(String status) {
        return list("status", status);
    }
}
