package io.tributary.embeddeddb;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded server as {@code ./tributary up} uses it: stopping returns only once the server has exited
 * (so the port and the data directory are free for the next start), and the data survives a restart.
 */
class EmbeddedDatabaseTest {

    @TempDir
    Path dir;

    @Test
    void theBufferPoolIsTwoGigabytesOrAnEighthOfASmallerMachine() {
        assertEquals("2GB", EmbeddedDatabase.sharedBuffersFor(24L << 30));
        assertEquals("2GB", EmbeddedDatabase.sharedBuffersFor(16L << 30));
        assertEquals("1GB", EmbeddedDatabase.sharedBuffersFor(8L << 30));
        assertEquals("1536MB", EmbeddedDatabase.sharedBuffersFor(12L << 30));
        assertEquals("128MB", EmbeddedDatabase.sharedBuffersFor(512L << 20));
    }

    @Test
    void theServerRunsWithTheWritebackSettings() throws Exception {
        try (EmbeddedDatabase db = EmbeddedDatabase.start(dir.resolve("settings"), 0);
             Connection c = DriverManager.getConnection(db.jdbcUrl(), EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD);
             Statement s = c.createStatement()) {
            assertEquals(EmbeddedDatabase.sharedBuffers(), show(s, "shared_buffers"));
            assertEquals("10ms", show(s, "bgwriter_delay"));
            assertEquals("1000", show(s, "bgwriter_lru_maxpages"));
            assertEquals("on", show(s, "fsync"));
            assertEquals("on", show(s, "synchronous_commit"));
        }
    }

    private static String show(Statement s, String setting) throws Exception {
        try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void closeReturnsOnceTheServerHasExitedAndARestartFindsTheData() throws Exception {
        Path data = dir.resolve("pgdata");
        long pid;
        try (EmbeddedDatabase db = EmbeddedDatabase.start(data, 0)) {
            pid = db.pid().orElseThrow();
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the postmaster runs");
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(), EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD);
                 Statement s = c.createStatement()) {
                // Enough dirty pages that the shutdown checkpoint has something to write.
                s.execute("CREATE TABLE kept (id bigint PRIMARY KEY, filler text)");
                s.execute("INSERT INTO kept SELECT g, repeat('x', 900) FROM generate_series(1, 100000) g");
            }
        }
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "close() waited for the server to exit");
        assertFalse(Files.exists(data.resolve("postmaster.pid")), "the server removed its pid file on exit");

        try (EmbeddedDatabase db = EmbeddedDatabase.start(data, 0);
             Connection c = DriverManager.getConnection(db.jdbcUrl(), EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM kept")) {
            rs.next();
            assertEquals(100000, rs.getLong(1));
        }
    }
}
