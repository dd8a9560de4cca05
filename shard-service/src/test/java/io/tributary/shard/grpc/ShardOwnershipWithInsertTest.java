package io.tributary.shard.grpc;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.tributary.embeddeddb.PostgresTestResource;

import java.util.Map;

/**
 * The ownership and fencing cases of {@link ShardOwnershipTest} with groups written by the reactive
 * {@code INSERT} ({@code tributary.shard.append.statement=insert}), whose lease fence is a sub-query of the
 * statement rather than a statement of its own before the {@code COPY}.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@TestProfile(ShardOwnershipWithInsertTest.Insert.class)
class ShardOwnershipWithInsertTest extends ShardOwnershipTest {

    public static class Insert implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tributary.shard.append.statement", "insert");
        }
    }
}
