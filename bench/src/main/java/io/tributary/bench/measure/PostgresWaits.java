package io.tributary.bench.measure;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Samples what PostgreSQL's busy client backends are doing during the measured phase ({@code --pg-waits}):
 * every {@value #INTERVAL_MILLIS} ms, the wait event of each active backend from {@code pg_stat_activity},
 * or "CPU" when it waits for nothing (running, or runnable). The shares tell where a commit's time goes
 * (its WAL flush, another backend's flush, extending a table, the CPU), which latency figures cannot.
 * The sampling is one small query per interval on its own connection.
 */
public final class PostgresWaits implements AutoCloseable {

    static final long INTERVAL_MILLIS = 25;
    private static final String SAMPLE = """
            SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU'), count(*) FROM pg_stat_activity
            WHERE backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid()
            GROUP BY 1
            """;

    private final Map<String, Long> counts = new HashMap<>();
    private long samples;
    private volatile String failure;
    private final java.util.concurrent.ScheduledExecutorService sampler;
    private Connection connection;
    private Statement statement;

    /** Starts sampling the server at {@code jdbcUrl} (user and password in the URL). */
    public PostgresWaits(String jdbcUrl) {
        sampler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pg-waits");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleWithFixedDelay(() -> sample(jdbcUrl), 0, INTERVAL_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** One sample, on the sampler's thread; the first opens the connection. A failure ends the sampling. */
    private void sample(String jdbcUrl) {
        try {
            if (statement == null) {
                connection = DriverManager.getConnection(jdbcUrl);
                statement = connection.createStatement();
            }
            try (ResultSet rs = statement.executeQuery(SAMPLE)) {
                synchronized (this) {
                    samples++;
                    while (rs.next()) {
                        counts.merge(rs.getString(1), rs.getLong(2), Long::sum);
                    }
                }
            }
        } catch (SQLException e) {
            failure = e.getMessage();
            sampler.shutdown();
        }
    }

    /** Stops sampling. */
    @Override
    public void close() {
        sampler.shutdown();
        try {
            sampler.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // the server went away: nothing to give back
            }
        }
    }

    /** One line: the most frequent states with their share of all backend samples. */
    public synchronized String summary() {
        if (failure != null && samples == 0) {
            return "not sampled: " + failure;
        }
        return summarize(counts, samples) + (failure != null ? " (sampling stopped early: " + failure + ")" : "");
    }

    static String summarize(Map<String, Long> counts, long samples) {
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        if (total == 0) {
            return String.format("no active backend in %,d samples", samples);
        }
        List<Map.Entry<String, Long>> sorted = new ArrayList<>(counts.entrySet());
        sorted.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        StringBuilder out = new StringBuilder(String.format("%,d samples, %.1f busy backends on average:", samples,
                (double) total / samples));
        int shown = 0;
        long rest = 0;
        for (Map.Entry<String, Long> e : sorted) {
            if (shown < 7) {
                out.append(String.format(" %s %.0f%%,", e.getKey(), 100.0 * e.getValue() / total));
                shown++;
            } else {
                rest += e.getValue();
            }
        }
        if (rest > 0) {
            out.append(String.format(" other %.0f%%,", 100.0 * rest / total));
        }
        out.setLength(out.length() - 1);
        return out.toString();
    }
}
