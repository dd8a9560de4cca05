package io.tributary.launcher;

import java.util.Locale;
import java.util.Optional;

/** {@code status}: what is running, found by asking it over the network rather than trusting pid files. */
final class StatusCommand {

    /** Exit code when not every configured service is ready, as the LSB uses for "not running". */
    static final int NOT_ALL_UP = 3;

    private final LauncherConfig config;
    private final Workspace workspace;

    StatusCommand(LauncherConfig config) {
        this.config = config;
        this.workspace = config.workspace();
    }

    int run() {
        HealthProbe probe = new HealthProbe();
        System.out.println("Tributary in " + config.home());
        Optional<ProcessHandle> launcher = PidFiles.liveLauncher(workspace.launcherPid());
        row("launcher", launcher.map(p -> "running (pid " + p.pid() + ")").orElse("not running"));
        row("PostgreSQL", database());
        int ready = 0;
        for (ServiceSpec service : config.services()) {
            Readiness answer = probe.probe(service.readinessUri());
            String state = switch (answer.state()) {
                case READY -> "UP        ";
                case NOT_READY -> "NOT READY ";
                case UNREACHABLE -> "DOWN      ";
            };
            if (answer.ready()) {
                ready++;
            }
            row(service.name(), state + service.healthUrl()
                    + service.grpcPort().stream().mapToObj(p -> "   gRPC localhost:" + p).findFirst().orElse("")
                    + (answer.ready() ? "" : "   (" + answer.detail() + ")"));
        }
        System.out.println(ready + " of " + config.services().size() + " service(s) ready"
                + (ready == config.services().size() ? "." : "; logs in " + workspace.show(workspace.logs())));
        return ready == config.services().size() ? 0 : NOT_ALL_UP;
    }

    private String database() {
        if (config.externalDb().isPresent()) {
            LauncherConfig.ExternalDatabase db = config.externalDb().get();
            LauncherConfig.Endpoint endpoint = db.endpoint();
            return (Ports.accepts(endpoint.host(), endpoint.port()) ? "UP        " : "DOWN      ")
                    + UpCommand.mask(db.jdbcUrl()) + " (external)";
        }
        return (Ports.accepts("127.0.0.1", config.dbPort()) ? "UP        " : "DOWN      ")
                + "jdbc:postgresql://127.0.0.1:" + config.dbPort() + "/tributary (embedded, data in "
                + workspace.show(workspace.pgData()) + ")";
    }

    private static void row(String name, String value) {
        System.out.println(String.format(Locale.ROOT, "  %-18s %s", name, value));
    }
}
