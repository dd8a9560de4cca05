package io.tributary.launcher;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * A Tributary service the launcher knows how to run: its module folder (also its name), the ports it
 * binds and the JVM options it runs with unless the user says otherwise. The ports are the services' configured defaults; the launcher checks them before starting and
 * probes them afterwards.
 */
record ServiceSpec(String name, int httpPort, OptionalInt grpcPort, List<String> javaOptions) {

    ServiceSpec(String name, int httpPort, OptionalInt grpcPort) {
        this(name, httpPort, grpcPort, List.of());
    }

    /**
     * Every service in start order: shard-service first because it runs the schema migrations the others
     * rely on, the gateway last so the public endpoint only opens once everything behind it answers.
     */
    static final List<ServiceSpec> ALL = List.of(
            // An initial heap of 1 GiB for the three services on the write path. shard-service: with the
            // JVM's default start of 1/64 of memory, G1 keeps the heap small and starts a marking cycle (and
            // its remark pause) every few seconds under steady writes, because the in-memory tail's chunks
            // count as old data. ingest-service and the gateway copy every request body a few times, so
            // their young generation fills every 4-7 s at 10 000 records/s with the default start, and every
            // young pause stalls the requests in flight; with 1 GiB G1 sizes it about twice as large
            // (docs/performance.md). TRIBUTARY_JAVA_OPTS come after these and win.
            new ServiceSpec("shard-service", 8082, OptionalInt.of(9082), List.of("-Xms1g")),
            new ServiceSpec("ingest-service", 8081, OptionalInt.empty(), List.of("-Xms1g")),
            new ServiceSpec("delivery-service", 8083, OptionalInt.empty()),
            new ServiceSpec("analytics-service", 8084, OptionalInt.empty()),
            new ServiceSpec("gateway", 4566, OptionalInt.empty(), List.of("-Xms1g")));

    /** The packaged Quarkus application of this service inside the repository. */
    Path jar(Path home) {
        return home.resolve(name).resolve("target").resolve("quarkus-app").resolve("quarkus-run.jar");
    }

    /** Probed by the launcher; loopback by address, because Quarkus listens on IPv4 0.0.0.0. */
    URI readinessUri() {
        return URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready");
    }

    /** What the user is told to open. */
    String healthUrl() {
        return "http://localhost:" + httpPort + "/q/health";
    }

    /** Every TCP port this service binds. */
    List<Integer> ports() {
        List<Integer> ports = new ArrayList<>(List.of(httpPort));
        grpcPort.ifPresent(ports::add);
        return ports;
    }

    static List<String> names() {
        return ALL.stream().map(ServiceSpec::name).toList();
    }
}
