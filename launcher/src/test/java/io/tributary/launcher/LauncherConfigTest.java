package io.tributary.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LauncherConfigTest {

    @TempDir
    Path home;

    @Test
    void defaultsToEmbeddedDatabaseOn5433AndEveryServiceInStartOrder() {
        LauncherConfig config = LauncherConfig.from(Map.of("TRIBUTARY_HOME", home.toString()), null);

        assertEquals(5433, config.dbPort());
        assertTrue(config.embeddedDb());
        assertEquals(List.of("shard-service", "ingest-service", "delivery-service", "analytics-service", "gateway"),
                config.services().stream().map(ServiceSpec::name).toList());
        assertEquals(Duration.ofSeconds(120), config.startupTimeout());
        assertEquals(Duration.ofSeconds(15), config.stopTimeout());
        assertEquals("http://localhost:4317", config.otlpEndpoint());
        assertEquals(home.resolve(".tributary"), config.workspace().root());
    }

    @Test
    void keepsStartOrderWhateverOrderServicesAreListedIn() {
        LauncherConfig config = LauncherConfig.from(Map.of("TRIBUTARY_HOME", home.toString(),
                "TRIBUTARY_SERVICES", "gateway, shard-service"), null);

        assertEquals(List.of("shard-service", "gateway"), config.services().stream().map(ServiceSpec::name).toList());
    }

    @Test
    void rejectsUnknownServiceNamingTheValidOnes() {
        ConfigException e = assertThrows(ConfigException.class, () -> LauncherConfig.from(
                Map.of("TRIBUTARY_HOME", home.toString(), "TRIBUTARY_SERVICES", "gateway,kafka"), null));

        assertEquals("TRIBUTARY_SERVICES names an unknown service 'kafka'; valid: shard-service, ingest-service, "
                + "delivery-service, analytics-service, gateway", e.getMessage());
    }

    @Test
    void rejectsDatabasePortOutsideTheTcpRange() {
        ConfigException e = assertThrows(ConfigException.class, () -> LauncherConfig.from(
                Map.of("TRIBUTARY_HOME", home.toString(), "TRIBUTARY_DB_PORT", "70000"), null));

        assertEquals("TRIBUTARY_DB_PORT=70000 is not a TCP port (1-65535)", e.getMessage());
    }

    @Test
    void rejectsAStartupTimeoutThatIsNotPositiveSeconds() {
        ConfigException e = assertThrows(ConfigException.class, () -> LauncherConfig.from(
                Map.of("TRIBUTARY_HOME", home.toString(), "TRIBUTARY_STARTUP_TIMEOUT", "2m"), null));

        assertEquals("TRIBUTARY_STARTUP_TIMEOUT=2m is not a positive number of seconds", e.getMessage());
    }

    @Test
    void usesAnExternalDatabaseWithItsCredentialsAndDefaultPort() {
        LauncherConfig config = LauncherConfig.from(Map.of("TRIBUTARY_HOME", home.toString(),
                "TRIBUTARY_DB_URL", "jdbc:postgresql://db.example/tributary",
                "TRIBUTARY_DB_USER", "app", "TRIBUTARY_DB_PASSWORD", "secret"), null);

        LauncherConfig.ExternalDatabase db = config.externalDb().orElseThrow();
        assertEquals("app", db.user());
        assertEquals("secret", db.password());
        assertEquals(new LauncherConfig.Endpoint("db.example", 5432), db.endpoint());
    }

    @Test
    void rejectsADatabaseUrlThatIsNotPostgresJdbc() {
        ConfigException e = assertThrows(ConfigException.class, () -> LauncherConfig.from(
                Map.of("TRIBUTARY_HOME", home.toString(), "TRIBUTARY_DB_URL", "postgresql://db:5432/tributary"), null));

        assertTrue(e.getMessage().startsWith("TRIBUTARY_DB_URL must be a PostgreSQL JDBC URL"), e.getMessage());
    }

    @Test
    void findsTheRepositoryFromTheLauncherJarLocation() throws IOException {
        Files.createDirectories(home.resolve("launcher/target"));
        Files.writeString(home.resolve("pom.xml"), "<project/>");

        LauncherConfig config = LauncherConfig.from(Map.of(),
                home.resolve("launcher/target/tributary-launcher.jar"));

        assertEquals(home.toAbsolutePath().normalize(), config.home());
    }

    @Test
    void spellsQuarkusKeysAsEnvironmentVariables() {
        assertEquals("QUARKUS_DATASOURCE_REACTIVE_URL", UpCommand.environmentName("quarkus.datasource.reactive.url"));
    }

    @Test
    void hidesAPasswordCarriedInTheJdbcUrl() {
        assertEquals("jdbc:postgresql://h/db?user=a&password=****&ssl=true",
                UpCommand.mask("jdbc:postgresql://h/db?user=a&password=s3cret&ssl=true"));
    }

    @Test
    void readsPostgresSettingsAsNameValuePairsAndRefusesAnythingElse() {
        LauncherConfig config = LauncherConfig.from(Map.of("TRIBUTARY_HOME", home.toString(),
                "TRIBUTARY_PG_SETTINGS", " checkpoint_timeout=60s, shared_buffers=2GB wal_compression=pglz "), null);
        assertEquals(Map.of("checkpoint_timeout", "60s", "shared_buffers", "2GB", "wal_compression", "pglz"),
                config.pgSettings());
        assertTrue(LauncherConfig.from(Map.of("TRIBUTARY_HOME", home.toString()), null).pgSettings().isEmpty());
        for (String bad : List.of("checkpoint_timeout", "checkpoint_timeout=", "=60s", "Checkpoint_Timeout=60s")) {
            ConfigException e = assertThrows(ConfigException.class, () -> LauncherConfig.from(
                    Map.of("TRIBUTARY_HOME", home.toString(), "TRIBUTARY_PG_SETTINGS", bad), null), bad);
            assertTrue(e.getMessage().contains("TRIBUTARY_PG_SETTINGS"), e.getMessage());
        }
    }
}
