package io.tributary.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The launcher's directory, {@code .tributary/} at the repository root: database files, logs and the pid
 * files that let {@code down} and {@code status} find what {@code up} started.
 */
record Workspace(Path root) {

    Path logs() {
        return root.resolve("logs");
    }

    Path log(String name) {
        return logs().resolve(name + ".log");
    }

    /** Data directory of the embedded PostgreSQL; kept between runs so streams survive a restart. */
    Path pgData() {
        return root.resolve("pgdata");
    }

    /** Written by PostgreSQL itself; its first line is the postmaster's pid. */
    Path postmasterPid() {
        return pgData().resolve("postmaster.pid");
    }

    /** The gateway's master key (encrypts secret access keys), generated on first start. */
    Path gatewayMasterKey() {
        return root.resolve("gateway-master.key");
    }

    /** The master key of shard-service's encryption key ring for local runs. */
    Path shardMasterKey() {
        return root.resolve("shard-master.key");
    }

    /** Pid of the running launcher. */
    Path launcherPid() {
        return root.resolve("launcher.pid");
    }

    /**
     * {@code <service> <pid>} per line for every service process the launcher started, so that {@code down}
     * can still stop them if the launcher itself was killed with SIGKILL.
     */
    Path servicePids() {
        return root.resolve("services.pid");
    }

    void create() {
        try {
            Files.createDirectories(logs());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + logs() + ": " + e.getMessage(), e);
        }
    }

    /** A path as the user knows it: relative to the repository root when inside it. */
    String show(Path path) {
        Path home = root.getParent();
        return home != null && path.startsWith(home) ? home.relativize(path).toString() : path.toString();
    }
}
