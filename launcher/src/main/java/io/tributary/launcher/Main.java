package io.tributary.launcher;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.CodeSource;

/**
 * Entry point of the launcher jar; {@code ./tributary} is a thin wrapper around it.
 *
 * <p>Exit codes: 0 success; 1 a start or stop failed (everything started was stopped again); 2 refused
 * (bad configuration, already running, port in use, not built); 3 {@code status} found a service not ready.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        String command = args.length == 0 ? "help" : args[0];
        try {
            switch (command) {
                case "up":
                    return new UpCommand(config()).run();
                case "down":
                    return new DownCommand(config()).run();
                case "status":
                    return new StatusCommand(config()).run();
                case "help":
                case "-h":
                case "--help":
                    usage();
                    return 0;
                default:
                    Console.error("unknown command '" + command + "'");
                    usage();
                    return UpCommand.REFUSED;
            }
        } catch (ConfigException e) {
            Console.error(e.getMessage());
            return UpCommand.REFUSED;
        }
    }

    private static LauncherConfig config() {
        return LauncherConfig.from(System.getenv(), codeLocation());
    }

    private static Path codeLocation() {
        try {
            CodeSource source = Main.class.getProtectionDomain().getCodeSource();
            return source == null ? null : Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            return null;
        }
    }

    private static void usage() {
        System.out.println("""
                usage: java -jar launcher/target/tributary-launcher.jar <command>   (normally: ./tributary <command>)

                  up      start PostgreSQL and every service, wait until each is ready, stay in the foreground;
                          Ctrl-C stops everything
                  down    stop a running 'up' (from another terminal), or what a killed launcher left behind
                  status  show which services answer their readiness check
                  help    this text

                Environment: TRIBUTARY_DB_PORT, TRIBUTARY_DB_URL, TRIBUTARY_DB_USER, TRIBUTARY_DB_PASSWORD,
                TRIBUTARY_SERVICES, TRIBUTARY_STARTUP_TIMEOUT, TRIBUTARY_STOP_TIMEOUT, TRIBUTARY_JAVA_OPTS,
                TRIBUTARY_HOME, QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT (see launcher/README.md).""");
    }
}
