package io.tributary.gateway.storage;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

/** Access keys. Callers open the session or transaction. */
@ApplicationScoped
public class AccessKeyRepository implements PanacheRepositoryBase<AccessKeyEntity, String> {
}
