package io.tributary.launcher;

import io.tributary.embeddeddb.EmbeddedDatabase;
import sun.misc.Signal;

import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code up}: PostgreSQL, then every service in start order, each waited for until ready; then it stays in
 * the foreground until told to stop, and stops the dependent services together, then the first-started one, then the database.
 *
 * <p>Stopping has one implementation, {@link #stopAll()}, reached from three places: a signal (Ctrl-C,
 * {@code ./tributary down}), a failed start, and the JVM shutdown hook as a backstop. It is idempotent.
 */
final class UpCommand {

    private static final int LOG_TAIL_LINES = 30;
    /** Exit codes: preconditions not met (nothing was started) vs. a start that failed and was undone. */
    static final int REFUSED = 2;
    static final int FAILED = 1;

    private final LauncherConfig config;
    private final Workspace workspace;
    private final HealthProbe probe = new HealthProbe();

    /**
     * Held while something is being started, and by {@link #stopAll()}: a stop requested during the
     * database start waits for it and then stops it, instead of leaving a server behind.
     */
    private final Object lifecycle = new Object();
    private volatile boolean stopping;
    private boolean stopped;
    private final List<ServiceProcess> running = new ArrayList<>();
    private EmbeddedDatabase embedded;
    private final AtomicBoolean signalled = new AtomicBoolean();

    UpCommand(LauncherConfig config) {
        this.config = config;
        this.workspace = config.workspace();
    }

    int run() {
        workspace.create();
        Console.say("Tributary launcher (pid " + ProcessHandle.current().pid() + ") in " + config.home());
        if (!preflight()) {
            return REFUSED;
        }
        Optional<ProcessHandle> raced = PidFiles.claimLauncher(workspace.launcherPid());
        if (raced.isPresent()) {
            Console.error("another launcher (pid " + raced.get().pid() + ") started at the same moment; "
                    + "use ./tributary status or ./tributary down");
            return REFUSED;
        }
        PidFiles.delete(workspace.servicePids());
        installStopTriggers();

        long begin = System.nanoTime();
        Optional<DatasourceSettings> datasource = startDatabase();
        if (datasource.isEmpty()) {
            return stopping ? awaitStop() : fail();
        }
        Map<String, String> environment = serviceEnvironment(datasource.get());
        int index = 0;
        for (ServiceSpec service : config.services()) {
            index++;
            if (!startService(service, index, environment)) {
                return stopping ? awaitStop() : fail();
            }
        }
        printSummary(datasource.get(), Duration.ofNanos(System.nanoTime() - begin));
        watchForUnexpectedExits();
        return awaitStop();
    }

    // ---------------------------------------------------------------------------------------------- checks

    private boolean preflight() {
        Optional<ProcessHandle> other = PidFiles.liveLauncher(workspace.launcherPid());
        if (other.isPresent()) {
            Console.error("Tributary is already running (launcher pid " + other.get().pid() + ", "
                    + workspace.show(workspace.launcherPid()) + "). See ./tributary status; stop it with ./tributary down.");
            return false;
        }
        List<PidFiles.Recorded> leftovers = PidFiles.liveServices(workspace.servicePids());
        Optional<ProcessHandle> postmaster = config.embeddedDb()
                ? PidFiles.livePostmaster(workspace.postmasterPid()) : Optional.empty();
        if (!leftovers.isEmpty() || postmaster.isPresent()) {
            Console.error("processes of an earlier launcher that did not shut down are still running:");
            leftovers.forEach(r -> Console.detail(r.name() + " (pid " + r.process().pid() + ")"));
            postmaster.ifPresent(p -> Console.detail("PostgreSQL on " + workspace.show(workspace.pgData())
                    + " (pid " + p.pid() + ")"));
            Console.detail("Stop them with ./tributary down, then run ./tributary up again.");
            return false;
        }

        List<String> missing = config.services().stream()
                .map(s -> s.jar(config.home()))
                .filter(jar -> !Files.isRegularFile(jar))
                .map(workspace::show)
                .toList();
        if (!missing.isEmpty()) {
            Console.error("not built yet: " + String.join(", ", missing));
            Console.detail("Build with ./tributary build (or ./mvnw -B package -DskipTests).");
            return false;
        }

        Console.say("checking that the ports Tributary needs are free");
        Map<Integer, String> needed = new LinkedHashMap<>();
        if (config.embeddedDb()) {
            needed.put(config.dbPort(), "embedded PostgreSQL (TRIBUTARY_DB_PORT)");
        }
        for (ServiceSpec service : config.services()) {
            needed.put(service.httpPort(), service.name() + " HTTP");
            service.grpcPort().ifPresent(port -> needed.put(port, service.name() + " gRPC"));
        }
        boolean free = true;
        for (Map.Entry<Integer, String> port : needed.entrySet()) {
            if (Ports.inUse(port.getKey())) {
                free = false;
                Console.error("port " + port.getKey() + " (" + port.getValue() + ") is already in use.");
            }
        }
        if (!free) {
            Console.detail("Stop whatever listens there (`ss -ltnp` names it); an earlier ./tributary up stops with ./tributary down.");
            if (config.embeddedDb()) {
                Console.detail("The embedded PostgreSQL can move: TRIBUTARY_DB_PORT=<port> ./tributary up");
            }
            return false;
        }

        if (config.externalDb().isPresent()) {
            return checkExternalDatabase(config.externalDb().get());
        }
        return true;
    }

    private boolean checkExternalDatabase(LauncherConfig.ExternalDatabase db) {
        Console.say("checking the external PostgreSQL " + mask(db.jdbcUrl()) + " (TRIBUTARY_DB_URL) as user " + db.user());
        DriverManager.setLoginTimeout(10);
        try (Connection ignored = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
            Console.detail("reachable, login accepted");
            return true;
        } catch (SQLException e) {
            Console.error("cannot connect to " + mask(db.jdbcUrl()) + " as " + db.user() + ": " + e.getMessage());
            Console.detail("Check TRIBUTARY_DB_URL, TRIBUTARY_DB_USER and TRIBUTARY_DB_PASSWORD, or unset TRIBUTARY_DB_URL to use the embedded PostgreSQL.");
            return false;
        }
    }

    // ---------------------------------------------------------------------------------------------- start

    /** Connection settings handed to every service. */
    private record DatasourceSettings(String jdbcUrl, String user, String password, boolean embedded) {
    }

    /** File name pattern ({@code strftime}) of the embedded server's own log, in the logs folder. */
    static final String SERVER_LOG_PATTERN = "postgres-server-%Y-%m-%d.log";

    private Optional<DatasourceSettings> startDatabase() {
        if (config.externalDb().isPresent()) {
            LauncherConfig.ExternalDatabase db = config.externalDb().get();
            Console.say("using the external PostgreSQL " + mask(db.jdbcUrl()) + "; no embedded server is started");
            return Optional.of(new DatasourceSettings(db.jdbcUrl(), db.user(), db.password(), false));
        }
        Path pgData = workspace.pgData();
        Path log = workspace.log("postgres");
        // Once started, the server's own messages (checkpoints, errors, slow statements) no longer reach the
        // library's output: the server writes them itself, next to the other logs, one file a day.
        Map<String, String> settings = new java.util.LinkedHashMap<>();
        settings.put("logging_collector", "on");
        settings.put("log_directory", log.toAbsolutePath().getParent().toString());
        settings.put("log_filename", SERVER_LOG_PATTERN);
        settings.put("log_rotation_age", "1d");
        settings.put("log_rotation_size", "0");
        settings.putAll(config.pgSettings());
        boolean fresh = !Files.isRegularFile(pgData.resolve("PG_VERSION"));
        Console.say((fresh
                ? "creating a new PostgreSQL 17 database in " + workspace.show(pgData) + " (first run only) and starting it"
                : "starting PostgreSQL 17 on the data in " + workspace.show(pgData))
                + " on 127.0.0.1:" + config.dbPort() + ", log: " + workspace.show(log) + " (start-up), "
                + workspace.show(log.resolveSibling("postgres-server-<date>.log")) + " (server)");
        if (fresh) {
            Console.detail("the first start also unpacks the PostgreSQL binaries: allow a few seconds more");
        }
        if (!config.pgSettings().isEmpty()) {
            Console.detail("PostgreSQL settings from TRIBUTARY_PG_SETTINGS: " + config.pgSettings());
        }
        long logOffset = log.toFile().length();
        PostgresLog.routeTo(log);
        long begin = System.nanoTime();
        synchronized (lifecycle) {
            if (stopping) {
                return Optional.empty();
            }
            try {
                embedded = EmbeddedDatabase.start(pgData, config.dbPort(), settings);
            } catch (RuntimeException e) {
                Console.error("PostgreSQL did not start: " + e.getMessage());
                Console.quote("last " + LOG_TAIL_LINES + " lines of " + workspace.show(log) + ":",
                        LogFiles.tail(log, LOG_TAIL_LINES, logOffset));
                return Optional.empty();
            }
            Console.say("PostgreSQL is ready (" + ServiceProcess.seconds(Duration.ofNanos(System.nanoTime() - begin))
                    + "): " + embedded.jdbcUrl());
        }
        return Optional.of(new DatasourceSettings(embedded.jdbcUrl(), EmbeddedDatabase.USER, EmbeddedDatabase.PASSWORD, true));
    }

    /**
     * Every service gets the datasource, even those that do not use it yet: harmless, and one less thing
     * to change when they start to.
     */
    private Map<String, String> serviceEnvironment(DatasourceSettings datasource) {
        Map<String, String> env = new LinkedHashMap<>();
        EmbeddedDatabase.quarkusDatasourceConfig(datasource.jdbcUrl(), datasource.user(), datasource.password())
                .forEach((key, value) -> env.put(environmentName(key), value));
        env.put(LauncherConfig.OTLP_ENDPOINT_VARIABLE, config.otlpEndpoint());
        env.putAll(GatewayKeys.environment(System.getenv(), workspace.gatewayMasterKey()));
        env.putAll(ShardKeyRing.environment(System.getenv(), workspace.shardMasterKey()));
        return env;
    }

    /** Quarkus' environment-variable spelling of a configuration key. */
    static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    private boolean startService(ServiceSpec service, int index, Map<String, String> environment) {
        Path log = workspace.log(service.name());
        String ports = "HTTP " + service.httpPort() + service.grpcPort().stream().mapToObj(p -> ", gRPC " + p)
                .findFirst().orElse("");
        Console.say("[" + index + "/" + config.services().size() + "] starting " + service.name() + " (" + ports
                + "), log: " + workspace.show(log));
        ServiceProcess process;
        synchronized (lifecycle) {
            if (stopping) {
                return false;
            }
            process = ServiceProcess.start(service.name(), command(service), environment, config.home(), log);
            running.add(process);
            PidFiles.appendService(workspace.servicePids(), service.name(), process.pid());
        }
        ServiceProcess.StartupResult result = process.awaitReady(service.readinessUri(), config.startupTimeout(),
                probe, () -> stopping, Console::detail);
        if (stopping) {
            return false;
        }
        String elapsed = ServiceProcess.seconds(result.elapsed());
        switch (result.state()) {
            case READY:
                Console.detail(service.name() + " is ready (" + elapsed + ", pid " + process.pid() + ")");
                return true;
            case EXITED:
                Console.error(service.name() + " exited with code " + result.exitCode().orElse(-1)
                        + " during startup, after " + elapsed + ".");
                break;
            case TIMED_OUT:
                Console.error(service.name() + " was not ready within " + config.startupTimeout().toSeconds()
                        + " s (last answer from " + service.readinessUri() + ": " + result.lastAnswer().detail() + ").");
                Console.detail("If this machine is only slow, allow more: TRIBUTARY_STARTUP_TIMEOUT=<seconds> ./tributary up");
                break;
            default:
                return false;
        }
        Console.quote("last " + LOG_TAIL_LINES + " lines of " + workspace.show(log) + ":", process.logTail(LOG_TAIL_LINES));
        return false;
    }

    private List<String> command(ServiceSpec service) {
        List<String> command = new ArrayList<>();
        setsid().ifPresent(command::add);
        command.add(javaExecutable());
        command.addAll(service.javaOptions());
        command.addAll(config.javaOptions());
        command.add("-jar");
        command.add(service.jar(config.home()).toString());
        return command;
    }

    /** The JVM running the launcher, so services run on the Java the user chose for ./tributary. */
    private static String javaExecutable() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * Ctrl-C signals the terminal's whole foreground process group. Started through {@code setsid}, the
     * services are in a session of their own, so only the launcher hears it and stops them in reverse
     * order; without setsid (not on every OS) they would all stop at once, the database-facing ones
     * possibly after the database.
     */
    private static Optional<String> setsid() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "setsid");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate.toString());
            }
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------------------------------- running

    private void printSummary(DatasourceSettings datasource, Duration elapsed) {
        Console.say("Tributary is up: " + config.services().size() + " service(s) ready in "
                + ServiceProcess.seconds(elapsed) + ".");
        if (config.services().stream().anyMatch(s -> s.name().equals("gateway"))) {
            String key = System.getenv(GatewayKeys.ACCESS_KEY_ID);
            Console.detail("Kinesis API        http://localhost:4566  (AWS SDK / CLI with --endpoint-url; access key "
                    + (key == null || key.isBlank() ? "test, secret test" : key) + ")");
            Console.detail("REST ingest        POST http://localhost:4566/v1/streams/<stream>/records  (NDJSON; "
                    + (key == null || key.isBlank() ? "Authorization: Bearer test" : "Authorization: Bearer <your API key>") + ")");
        }
        for (ServiceSpec service : config.services()) {
            Console.detail(String.format(Locale.ROOT, "%-18s health  %s%s", service.name(), service.healthUrl(),
                    service.grpcPort().stream().mapToObj(p -> "   gRPC localhost:" + p).findFirst().orElse("")));
        }
        Console.detail(String.format(Locale.ROOT, "%-18s %s (user %s)%s", "PostgreSQL", mask(datasource.jdbcUrl()),
                datasource.user(), datasource.embedded() ? ", data in " + workspace.show(workspace.pgData()) : ""));
        Console.detail(String.format(Locale.ROOT, "%-18s %s%s", "OpenTelemetry", config.otlpEndpoint(),
                collectorListening() ? "" : "  (nothing listens there: services log an export warning now and then)"));
        Console.detail(String.format(Locale.ROOT, "%-18s %s/<service>.log%s", "logs", workspace.show(workspace.logs()),
                datasource.embedded() ? ", " + workspace.show(workspace.log("postgres")) : ""));
        Console.say("Press Ctrl-C (or run ./tributary down in another terminal) to stop everything.");
    }

    private boolean collectorListening() {
        try {
            URI uri = URI.create(config.otlpEndpoint());
            return uri.getHost() != null && Ports.accepts(uri.getHost(), uri.getPort() < 0 ? 4317 : uri.getPort());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * A service that dies after startup is reported loudly but the others are left running: a developer
     * debugging one service keeps the rest of the system.
     */
    private void watchForUnexpectedExits() {
        for (ServiceProcess process : running) {
            process.process().onExit().thenRun(() -> {
                if (stopping) {
                    return;
                }
                Console.error(process.name() + " (pid " + process.pid() + ") exited unexpectedly with code "
                        + process.process().exitValue() + "; the other services keep running.");
                Console.quote("last " + LOG_TAIL_LINES + " lines of " + workspace.show(process.log()) + ":",
                        process.logTail(LOG_TAIL_LINES));
                Console.detail("Restart everything with ./tributary down and ./tributary up.");
            });
        }
    }

    // ---------------------------------------------------------------------------------------------- stop

    /**
     * Signals are handled directly rather than only through a shutdown hook: the embedded PostgreSQL library
     * registers a hook of its own, and the JVM runs hooks concurrently, so on a plain hook the database
     * could stop before the services that write to it. Handling SIGINT/SIGTERM/SIGHUP first stops
     * everything in order; the JVM's hooks then find nothing left to do.
     */
    private void installStopTriggers() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "tributary-shutdown-hook"));
        for (String name : List.of("INT", "TERM", "HUP")) {
            try {
                Signal.handle(new Signal(name), this::onSignal);
            } catch (IllegalArgumentException unsupported) {
                // Not on this OS; the shutdown hook still stops everything.
            }
        }
    }

    private void onSignal(Signal signal) {
        if (!signalled.compareAndSet(false, true)) {
            Console.say("already stopping; each service gets " + config.stopTimeout().toSeconds()
                    + " s before it is killed");
            return;
        }
        // Signal handlers run on a dispatcher thread that should not block; stop from a thread of our own.
        Thread stopper = new Thread(() -> {
            Console.say("received SIG" + signal.getName() + ": stopping Tributary");
            stopAll();
            System.exit(0);
        }, "tributary-stop");
        stopper.start();
    }

    /** Stops the dependent services together, then the first-started one (shard-service), then the database; removes the pid files. Idempotent. */
    void stopAll() {
        stopping = true;
        synchronized (lifecycle) {
            if (stopped) {
                return;
            }
            stopped = true;
            if (!running.isEmpty() || embedded != null) {
                Console.say("stopping the services that depend on shard-service, then shard-service, then the database");
            }
            // The services started after the first one depend only on it, not on each other: stopping them
            // together keeps the order that matters (dependents before shard-service, everything before the
            // database) without adding up their shutdown times.
            List<ServiceProcess> dependents = new ArrayList<>(running.subList(Math.min(1, running.size()), running.size()));
            java.util.Collections.reverse(dependents);
            stopTogether(dependents);
            if (!running.isEmpty()) {
                stopTogether(List.of(running.get(0)));
            }
            if (embedded != null) {
                Console.say("stopping PostgreSQL");
                try {
                    embedded.close();
                    Console.detail("PostgreSQL stopped; the data stays in " + workspace.show(workspace.pgData()));
                } catch (RuntimeException e) {
                    Console.error("PostgreSQL did not stop cleanly: " + e.getMessage());
                }
            }
            PidFiles.delete(workspace.servicePids());
            if (PidFiles.readPid(workspace.launcherPid()).orElse(-1L) == ProcessHandle.current().pid()) {
                PidFiles.delete(workspace.launcherPid());
            }
            Console.say("Tributary stopped.");
        }
    }

    private void stopTogether(List<ServiceProcess> processes) {
        List<java.util.concurrent.CompletableFuture<ServiceProcess.StopResult>> results = new ArrayList<>();
        for (ServiceProcess process : processes) {
            Console.say("stopping " + process.name() + " (pid " + process.pid() + ")");
            results.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> process.stop(config.stopTimeout())));
        }
        for (int i = 0; i < processes.size(); i++) {
            ServiceProcess process = processes.get(i);
            ServiceProcess.StopResult result = results.get(i).join();
            String code = result.exitCode().isPresent() ? "exit code " + result.exitCode().getAsInt() : "still alive";
            switch (result.state()) {
                case STOPPED -> Console.detail(process.name() + " stopped (" + ServiceProcess.seconds(result.elapsed())
                        + ", " + code + ")");
                case KILLED -> Console.detail(process.name() + " did not stop within " + config.stopTimeout().toSeconds()
                        + " s: killed (" + code + ")");
                case ALREADY_EXITED -> Console.detail(process.name() + " had already exited (" + code + ")");
            }
        }
    }

    private int fail() {
        stopAll();
        return FAILED;
    }

    /** Parks the main thread; the thread that stops everything ends the JVM. */
    private int awaitStop() {
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** A JDBC URL without any password it carries in its query string. */
    static String mask(String jdbcUrl) {
        return jdbcUrl.replaceAll("(?i)(password=)[^&]*", "$1****");
    }
}
