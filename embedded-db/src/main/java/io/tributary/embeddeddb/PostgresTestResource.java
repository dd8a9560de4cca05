package io.tributary.embeddeddb;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Gives a {@code @QuarkusTest} a real PostgreSQL: the one named by the environment variable
 * {@code TRIBUTARY_TEST_DB_URL} (a JDBC URL, with {@code TRIBUTARY_TEST_DB_USER} and
 * {@code TRIBUTARY_TEST_DB_PASSWORD}), or else an embedded server started once per test JVM.
 *
 * <p>The database is shared by the test classes of a JVM; tests use their own stream names.
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private static EmbeddedDatabase shared;

    /** The settings pointing a Quarkus service at the test database, starting it if needed. */
    public static synchronized Map<String, String> datasourceConfig() {
        String external = System.getenv("TRIBUTARY_TEST_DB_URL");
        if (external != null && !external.isBlank()) {
            return EmbeddedDatabase.quarkusDatasourceConfig(external,
                    envOr("TRIBUTARY_TEST_DB_USER", "postgres"), envOr("TRIBUTARY_TEST_DB_PASSWORD", "postgres"));
        }
        if (shared == null) {
            shared = EmbeddedDatabase.start(null, 0);
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "embedded-postgres-stop"));
        }
        return shared.quarkusDatasourceConfig();
    }

    private static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(datasourceConfig());
        config.put("quarkus.devservices.enabled", "false");
        return config;
    }

    @Override
    public void stop() {
        // The server outlives a single test class: it is stopped when the test JVM exits.
    }
}
