package io.tributary.launcher;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code down}: asks the running launcher to stop (SIGTERM; it stops everything in order) and waits for it.
 * If the launcher itself was killed, stops what it left behind, found through the pid files.
 */
final class DownCommand {

    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(5);
    /** PostgreSQL's SIGTERM is a "smart" shutdown: quick once the services are gone. */
    private static final Duration POSTMASTER_STOP_TIMEOUT = Duration.ofSeconds(60);

    private final LauncherConfig config;
    private final Workspace workspace;

    DownCommand(LauncherConfig config) {
        this.config = config;
        this.workspace = config.workspace();
    }

    int run() {
        Optional<ProcessHandle> launcher = PidFiles.liveLauncher(workspace.launcherPid());
        if (launcher.isPresent()) {
            return stopLauncher(launcher.get());
        }
        PidFiles.delete(workspace.launcherPid());
        List<PidFiles.Recorded> services = new ArrayList<>(PidFiles.liveServices(workspace.servicePids()));
        Optional<ProcessHandle> postmaster = PidFiles.livePostmaster(workspace.postmasterPid());
        if (services.isEmpty() && postmaster.isEmpty()) {
            PidFiles.delete(workspace.servicePids());
            Console.say("Tributary is not running.");
            return 0;
        }
        Console.say("the launcher is gone but left processes running; stopping them");
        return stopLeftovers(services, postmaster);
    }

    private int stopLauncher(ProcessHandle launcher) {
        // Every service may use its whole grace period, plus the database and some slack.
        Duration budget = config.stopTimeout().plusSeconds(10).multipliedBy(ServiceSpec.ALL.size()).plusSeconds(60);
        Console.say("asking the launcher (pid " + launcher.pid() + ") to stop: the other services together, then shard-service, then PostgreSQL");
        launcher.destroy();
        long begin = System.nanoTime();
        while (true) {
            try {
                launcher.onExit().get(PROGRESS_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
                Console.say("Tributary stopped (" + ServiceProcess.seconds(Duration.ofNanos(System.nanoTime() - begin)) + ").");
                return 0;
            } catch (TimeoutException stillRunning) {
                Duration waited = Duration.ofNanos(System.nanoTime() - begin);
                if (waited.compareTo(budget) > 0) {
                    Console.error("the launcher (pid " + launcher.pid() + ") is still running after "
                            + waited.toSeconds() + " s; see its terminal. Last resort: kill -9 " + launcher.pid()
                            + ", then ./tributary down again to stop what it leaves.");
                    return 1;
                }
                List<String> up = ServiceSpec.ALL.stream()
                        .filter(s -> Ports.accepts("127.0.0.1", s.httpPort()))
                        .map(ServiceSpec::name)
                        .toList();
                Console.detail("still stopping (" + waited.toSeconds() + " s)"
                        + (up.isEmpty() ? "" : "; still listening: " + String.join(", ", up)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private int stopLeftovers(List<PidFiles.Recorded> services, Optional<ProcessHandle> postmaster) {
        // Reverse start order, as the launcher would have done.
        services.sort(Comparator.comparingInt((PidFiles.Recorded r) -> ServiceSpec.names().indexOf(r.name())).reversed());
        boolean clean = true;
        for (PidFiles.Recorded service : services) {
            Console.say("stopping " + service.name() + " (pid " + service.process().pid() + ")");
            service.process().destroy();
            if (!await(service.process(), config.stopTimeout())) {
                service.process().destroyForcibly();
                Console.detail(service.name() + " did not stop within " + config.stopTimeout().toSeconds() + " s: killed");
                await(service.process(), Duration.ofSeconds(10));
            } else {
                Console.detail(service.name() + " stopped");
            }
        }
        if (postmaster.isPresent()) {
            Console.say("stopping PostgreSQL (pid " + postmaster.get().pid() + ")");
            postmaster.get().destroy();
            if (await(postmaster.get(), POSTMASTER_STOP_TIMEOUT)) {
                Console.detail("PostgreSQL stopped; the data stays in " + workspace.show(workspace.pgData()));
            } else {
                // Not SIGKILL: PostgreSQL would recover, but a hung shutdown deserves a human look.
                Console.error("PostgreSQL (pid " + postmaster.get().pid() + ") did not stop within "
                        + POSTMASTER_STOP_TIMEOUT.toSeconds() + " s; see " + workspace.show(workspace.log("postgres")));
                clean = false;
            }
        }
        PidFiles.delete(workspace.servicePids());
        Console.say(clean ? "Tributary stopped." : "Tributary partly stopped.");
        return clean ? 0 : 1;
    }

    private static boolean await(ProcessHandle process, Duration timeout) {
        try {
            process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }
}
