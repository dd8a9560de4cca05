package io.tributary.launcher;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the launcher is told by its environment. Environment variables rather than flags, because
 * {@code ./tributary up} is the only way users run it and variables survive in shell profiles and CI.
 *
 * @param home           repository root: holds the service modules and {@code .tributary/}
 * @param dbPort         port of the embedded PostgreSQL (ignored with an external database)
 * @param externalDb     an external PostgreSQL to use instead of the embedded one
 * @param services       services to run, in start order
 * @param startupTimeout how long one service may take to answer its readiness check
 * @param stopTimeout    how long one service may take to stop after SIGTERM before it is killed
 * @param javaOptions    JVM options given to every service
 * @param otlpEndpoint   OpenTelemetry collector every service exports to
 * @param pgSettings     server settings of the embedded PostgreSQL that replace or add to its defaults
 */
record LauncherConfig(
        Path home,
        int dbPort,
        Optional<ExternalDatabase> externalDb,
        List<ServiceSpec> services,
        Duration startupTimeout,
        Duration stopTimeout,
        List<String> javaOptions,
        String otlpEndpoint,
        Map<String, String> pgSettings) {

    static final int DEFAULT_DB_PORT = 5433;
    static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(120);
    static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(15);
    static final String DEFAULT_OTLP_ENDPOINT = "http://localhost:4317";
    static final String OTLP_ENDPOINT_VARIABLE = "QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT";

    /** A PostgreSQL the user runs; {@code password} is never printed. */
    record ExternalDatabase(String jdbcUrl, String user, String password) {

        /** Host and port from the JDBC URL, for a reachability probe; PostgreSQL's default port when absent. */
        Endpoint endpoint() {
            try {
                URI uri = new URI(jdbcUrl.substring("jdbc:".length()));
                String host = uri.getHost() == null ? "localhost" : uri.getHost();
                return new Endpoint(host, uri.getPort() < 0 ? 5432 : uri.getPort());
            } catch (URISyntaxException e) {
                throw new ConfigException("TRIBUTARY_DB_URL is not a valid URL (" + e.getMessage() + ")");
            }
        }
    }

    record Endpoint(String host, int port) {
    }

    /**
     * Reads the configuration.
     *
     * @param env          the process environment
     * @param codeLocation where the launcher's classes were loaded from, to find the repository when
     *                     {@code TRIBUTARY_HOME} is not set; may be {@code null}
     * @throws ConfigException naming the variable and what it accepts
     */
    static LauncherConfig from(Map<String, String> env, Path codeLocation) {
        Path home = home(env, codeLocation);
        int dbPort = port(env, "TRIBUTARY_DB_PORT", DEFAULT_DB_PORT);
        Optional<ExternalDatabase> external = Optional.ofNullable(blankToNull(env.get("TRIBUTARY_DB_URL")))
                .map(url -> {
                    if (!url.startsWith("jdbc:postgresql:")) {
                        throw new ConfigException("TRIBUTARY_DB_URL must be a PostgreSQL JDBC URL such as "
                                + "jdbc:postgresql://db.example:5432/tributary, got: " + url);
                    }
                    return new ExternalDatabase(url,
                            env.getOrDefault("TRIBUTARY_DB_USER", "postgres"),
                            env.getOrDefault("TRIBUTARY_DB_PASSWORD", "postgres"));
                });
        external.ifPresent(ExternalDatabase::endpoint);
        return new LauncherConfig(
                home,
                dbPort,
                external,
                services(env.get("TRIBUTARY_SERVICES")),
                seconds(env, "TRIBUTARY_STARTUP_TIMEOUT", DEFAULT_STARTUP_TIMEOUT),
                seconds(env, "TRIBUTARY_STOP_TIMEOUT", DEFAULT_STOP_TIMEOUT),
                words(env.get("TRIBUTARY_JAVA_OPTS")),
                Optional.ofNullable(blankToNull(env.get(OTLP_ENDPOINT_VARIABLE))).orElse(DEFAULT_OTLP_ENDPOINT),
                pgSettings(env.get("TRIBUTARY_PG_SETTINGS")));
    }

    /**
     * {@code TRIBUTARY_PG_SETTINGS}: {@code name=value} pairs separated by commas or spaces, e.g.
     * {@code checkpoint_timeout=5min,shared_buffers=2GB}. PostgreSQL itself checks names and values when it
     * starts; here only the shape is checked, so that a typo is reported before anything starts.
     */
    static Map<String, String> pgSettings(String value) {
        Map<String, String> settings = new java.util.LinkedHashMap<>();
        if (blankToNull(value) == null) {
            return settings;
        }
        for (String pair : value.trim().split("[,\\s]+")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String setting = eq < 0 ? "" : pair.substring(eq + 1);
            if (!name.matches("[a-z][a-z0-9_.]*") || setting.isEmpty()) {
                throw new ConfigException("TRIBUTARY_PG_SETTINGS takes name=value pairs separated by commas "
                        + "(e.g. checkpoint_timeout=5min,shared_buffers=2GB), got '" + pair + "'");
            }
            settings.put(name, setting);
        }
        return settings;
    }

    /** Everything the launcher owns on disk: {@code <home>/.tributary}. */
    Workspace workspace() {
        return new Workspace(home.resolve(".tributary"));
    }

    boolean embeddedDb() {
        return externalDb.isEmpty();
    }

    private static Path home(Map<String, String> env, Path codeLocation) {
        String explicit = blankToNull(env.get("TRIBUTARY_HOME"));
        if (explicit != null) {
            Path home = Path.of(explicit).toAbsolutePath().normalize();
            if (!Files.isDirectory(home)) {
                throw new ConfigException("TRIBUTARY_HOME=" + explicit + " is not a directory");
            }
            return home;
        }
        // launcher/target/tributary-launcher.jar (or launcher/target/classes) -> the repository root.
        if (codeLocation != null) {
            Path candidate = codeLocation.toAbsolutePath().normalize();
            for (int i = 0; i < 3 && candidate != null; i++) {
                candidate = candidate.getParent();
            }
            if (candidate != null && Files.isDirectory(candidate.resolve("launcher"))
                    && Files.isRegularFile(candidate.resolve("pom.xml"))) {
                return candidate;
            }
        }
        return Path.of("").toAbsolutePath();
    }

    static List<ServiceSpec> services(String value) {
        if (blankToNull(value) == null) {
            return ServiceSpec.ALL;
        }
        Set<String> wanted = new LinkedHashSet<>();
        for (String name : value.split("[,\\s]+")) {
            if (name.isBlank()) {
                continue;
            }
            if (!ServiceSpec.names().contains(name)) {
                throw new ConfigException("TRIBUTARY_SERVICES names an unknown service '" + name
                        + "'; valid: " + String.join(", ", ServiceSpec.names()));
            }
            wanted.add(name);
        }
        if (wanted.isEmpty()) {
            throw new ConfigException("TRIBUTARY_SERVICES is empty; valid: " + String.join(", ", ServiceSpec.names()));
        }
        // Start order is fixed by dependencies, not by how the user listed them.
        return ServiceSpec.ALL.stream().filter(s -> wanted.contains(s.name())).toList();
    }

    private static int port(Map<String, String> env, String variable, int fallback) {
        String value = blankToNull(env.get(variable));
        if (value == null) {
            return fallback;
        }
        try {
            int port = Integer.parseInt(value.trim());
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // reported below with the accepted range
        }
        throw new ConfigException(variable + "=" + value + " is not a TCP port (1-65535)");
    }

    private static Duration seconds(Map<String, String> env, String variable, Duration fallback) {
        String value = blankToNull(env.get(variable));
        if (value == null) {
            return fallback;
        }
        try {
            long seconds = Long.parseLong(value.trim());
            if (seconds > 0) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException ignored) {
            // reported below with what is accepted
        }
        throw new ConfigException(variable + "=" + value + " is not a positive number of seconds");
    }

    private static List<String> words(String value) {
        if (blankToNull(value) == null) {
            return List.of();
        }
        return new ArrayList<>(Arrays.asList(value.trim().split("\\s+")));
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
