package io.tributary.embeddeddb;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * A real PostgreSQL server started from Maven Central artifacts, configured for durability: {@code fsync}
 * and {@code synchronous_commit} are on, so a commit that returned is on disk.
 *
 * <p>The server listens on loopback only. Closing the instance stops the server; the data directory is
 * kept when one was given, so a restart finds the same databases.
 */
public final class EmbeddedDatabase implements AutoCloseable {

    /** Database every Tributary service uses inside the server. */
    public static final String DATABASE = "tributary";
    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";

    /** How long {@link #close()} waits for the server to finish its shutdown checkpoint and exit. */
    static final java.time.Duration STOP_TIMEOUT = java.time.Duration.ofSeconds(120);

    private final EmbeddedPostgres postgres;
    /** The postmaster, found at start: stopping returns once it has exited. */
    private java.util.Optional<ProcessHandle> postmaster = java.util.Optional.empty();

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * Starts a server.
     *
     * @param dataDirectory where the cluster lives; created and initialised when empty, reused otherwise.
     *                      {@code null} for a throw-away directory.
     * @param port          TCP port on loopback; 0 picks a free one.
     */
    public static EmbeddedDatabase start(Path dataDirectory, int port) {
        return start(dataDirectory, port, java.util.Map.of());
    }

    /**
     * Starts a server with some of its settings replaced or added.
     *
     * @param settings server settings ({@code postgresql.conf} names) applied over the defaults here
     */
    public static EmbeddedDatabase start(Path dataDirectory, int port, java.util.Map<String, String> settings) {
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setPGStartupWait(java.time.Duration.ofSeconds(60))
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .setServerConfig("max_connections", "200")
                    // The background writer writes dirty table pages out as the buffers are about to be
                    // reused, each 512 kB handed to the kernel for writeback at once (bgwriter_flush_after),
                    // instead of the committing backends writing them into the page cache, where they pile
                    // up until the kernel writes them in one burst every ~30 s and every WAL flush behind the
                    // burst waits. It needs room to work ahead: measured, neither the larger buffer pool nor
                    // the busier writer alone removed the stalls at 75 000 records/s; together they did
                    // (docs/performance.md, sixteenth round).
                    .setServerConfig("shared_buffers", sharedBuffers())
                    .setServerConfig("bgwriter_delay", "10ms")
                    .setServerConfig("bgwriter_lru_maxpages", "1000")
                    .setServerConfig("bgwriter_lru_multiplier", "4")
                    .setServerConfig("wal_buffers", "64MB")
                    .setServerConfig("max_wal_size", "4GB")
                    .setServerConfig("checkpoint_timeout", "15min")
                    // A new WAL segment is otherwise filled with 16 MB of zeros and synced while every commit
                    // waits (30-40 ms here, about once a second at 10 000 records/s, until checkpoints start
                    // recycling segments). Reused segments are unaffected.
                    .setServerConfig("wal_init_zero", "off")
                    .setServerConfig("track_io_timing", "on")
                    .setServerConfig("timezone", "UTC");
            settings.forEach(builder::setServerConfig);
            if (dataDirectory != null) {
                Files.createDirectories(dataDirectory);
                builder.setDataDirectory(dataDirectory).setCleanDataDirectory(false);
            }
            if (port > 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres pg = builder.start();
            EmbeddedDatabase db = new EmbeddedDatabase(pg);
            db.createDatabaseIfMissing();
            db.postmaster = db.findPostmaster();
            return db;
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL did not start: " + e.getMessage(), e);
        }
    }

    private void createDatabaseIfMissing() {
        try (Connection c = postgres.getPostgresDatabase().getConnection();
             Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'");
            if (!rs.next()) {
                s.execute("CREATE DATABASE " + DATABASE);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + DATABASE + ": " + e.getMessage(), e);
        }
    }

    /** The buffer pool: 2 GB, or an eighth of the machine's memory on one with less than 16 GB. */
    static String sharedBuffers() {
        long total = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getTotalMemorySize();
        return sharedBuffersFor(total);
    }

    static String sharedBuffersFor(long totalMemoryBytes) {
        long mb = Math.max(128, Math.min(2048, (totalMemoryBytes >> 20) / 8));
        // As PostgreSQL shows it.
        return mb % 1024 == 0 ? mb / 1024 + "GB" : mb + "MB";
    }

    /** The server's main process: the parent of a backend serving a connection. */
    private java.util.Optional<ProcessHandle> findPostmaster() {
        try (Connection c = postgres.getPostgresDatabase().getConnection();
             Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT pg_backend_pid()");
            rs.next();
            return ProcessHandle.of(rs.getLong(1)).flatMap(ProcessHandle::parent);
        } catch (SQLException e) {
            return java.util.Optional.empty();
        }
    }

    /** Process id of the server's main process, when known. */
    public java.util.OptionalLong pid() {
        return postmaster.map(p -> java.util.OptionalLong.of(p.pid())).orElse(java.util.OptionalLong.empty());
    }

    public int port() {
        return postgres.getPort();
    }

    /** JDBC URL of the Tributary database, e.g. for Flyway. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + DATABASE;
    }

    /** URL of the Tributary database in the form Quarkus' reactive client takes. */
    public String reactiveUrl() {
        return "postgresql://127.0.0.1:" + port() + "/" + DATABASE;
    }

    /** The datasource settings a Quarkus service needs to use this database. */
    public Map<String, String> quarkusDatasourceConfig() {
        return quarkusDatasourceConfig(jdbcUrl(), USER, PASSWORD);
    }

    /** The datasource settings for any PostgreSQL given by its JDBC URL and credentials. */
    public static Map<String, String> quarkusDatasourceConfig(String jdbcUrl, String user, String password) {
        String reactive = jdbcUrl.startsWith("jdbc:") ? jdbcUrl.substring("jdbc:".length()) : jdbcUrl;
        return Map.of(
                "quarkus.datasource.jdbc.url", jdbcUrl,
                "quarkus.datasource.reactive.url", reactive,
                "quarkus.datasource.username", user,
                "quarkus.datasource.password", password);
    }

    /**
     * Stops the server and returns once it has exited. The stop request itself gives up after a few
     * seconds while the server may still be writing its shutdown checkpoint (all of {@code shared_buffers}
     * that is dirty); returning then would leave the port and the data directory in use.
     *
     * @throws IllegalStateException when the server is still running after {@link #STOP_TIMEOUT}
     */
    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (postmaster.isPresent()) {
            ProcessHandle p = postmaster.get();
            try {
                p.onExit().get(STOP_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("PostgreSQL (pid " + p.pid() + ") is still running "
                        + STOP_TIMEOUT.toSeconds() + " s after it was asked to stop");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
