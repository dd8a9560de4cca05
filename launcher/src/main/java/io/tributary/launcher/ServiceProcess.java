package io.tributary.launcher;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** One service running as a child process, its output appended to its own log file. */
final class ServiceProcess {

    /** How often readiness is probed while a service starts. */
    private static final Duration POLL_INTERVAL = Duration.ofMillis(500);
    /** How often the user hears that the launcher is still waiting. */
    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(10);
    /** After SIGKILL the kernel reaps quickly; this only guards against a hung wait. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    /** How a start attempt ended. */
    enum StartupState {
        READY,
        /** The process ended before it answered ready. */
        EXITED,
        TIMED_OUT,
        /** The launcher is shutting down; stop waiting. */
        CANCELLED
    }

    /**
     * @param state    how it ended
     * @param elapsed  time since the process was started
     * @param exitCode the exit code when the process ended
     * @param lastAnswer the last readiness answer, for the timeout message
     */
    record StartupResult(StartupState state, Duration elapsed, OptionalInt exitCode, Readiness lastAnswer) {
    }

    /** How a stop ended. */
    enum StopState {
        /** Exited after SIGTERM within the grace period. */
        STOPPED,
        /** Needed SIGKILL. */
        KILLED,
        /** Had already exited before the stop. */
        ALREADY_EXITED
    }

    record StopResult(StopState state, Duration elapsed, OptionalInt exitCode) {
    }

    private final String name;
    private final Process process;
    private final Path log;
    private final long logOffset;
    private final long startNanos;

    private ServiceProcess(String name, Process process, Path log, long logOffset, long startNanos) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.logOffset = logOffset;
        this.startNanos = startNanos;
    }

    /**
     * Starts the process with stdout and stderr appended to {@code log} (after a banner), and stdin from
     * nothing, so a service never blocks on, or steals, the terminal.
     */
    static ServiceProcess start(String name, List<String> command, Map<String, String> extraEnv, Path workDir, Path log) {
        long logOffset = LogFiles.appendBanner(log, name, command);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File(isWindows() ? "NUL" : "/dev/null")));
        builder.environment().putAll(extraEnv);
        try {
            return new ServiceProcess(name, builder.start(), log, logOffset, System.nanoTime());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + " (" + String.join(" ", command) + "): "
                    + e.getMessage(), e);
        }
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    /** The last lines this process wrote (its banner first when it wrote little). */
    List<String> logTail(int lines) {
        return LogFiles.tail(log, lines, logOffset);
    }

    Process process() {
        return process;
    }

    /**
     * Waits until the readiness endpoint answers 200, the process exits, the timeout passes or
     * {@code cancelled} turns true, whichever comes first.
     *
     * @param progress receives a line every few seconds while waiting
     */
    StartupResult awaitReady(URI readinessUri, Duration timeout, HealthProbe probe, BooleanSupplier cancelled,
                             Consumer<String> progress) {
        long deadline = startNanos + timeout.toNanos();
        long nextProgress = System.nanoTime() + PROGRESS_INTERVAL.toNanos();
        Readiness last = new Readiness(Readiness.State.UNREACHABLE, "not probed yet");
        while (true) {
            if (cancelled.getAsBoolean() || Thread.currentThread().isInterrupted()) {
                return result(StartupState.CANCELLED, last);
            }
            last = probe.probe(readinessUri);
            if (last.ready()) {
                return result(StartupState.READY, last);
            }
            // Waiting on the process, rather than sleeping, notices an exit at once.
            if (waitForExit(POLL_INTERVAL)) {
                return result(StartupState.EXITED, last);
            }
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                return result(StartupState.TIMED_OUT, last);
            }
            if (now - nextProgress >= 0) {
                progress.accept("still waiting for " + name + " (" + seconds(elapsed()) + ", last answer: "
                        + last.detail() + ")");
                nextProgress = now + PROGRESS_INTERVAL.toNanos();
            }
        }
    }

    /**
     * SIGTERM (Process.destroy), so Quarkus runs its graceful shutdown; SIGKILL only if that takes longer
     * than {@code grace}.
     */
    StopResult stop(Duration grace) {
        long begin = System.nanoTime();
        if (!process.isAlive()) {
            return new StopResult(StopState.ALREADY_EXITED, Duration.ZERO, OptionalInt.of(process.exitValue()));
        }
        process.destroy();
        if (waitForExit(grace)) {
            return new StopResult(StopState.STOPPED, Duration.ofNanos(System.nanoTime() - begin), exitCode());
        }
        process.destroyForcibly();
        waitForExit(KILL_WAIT);
        return new StopResult(StopState.KILLED, Duration.ofNanos(System.nanoTime() - begin), exitCode());
    }

    Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    static String seconds(Duration duration) {
        return String.format(java.util.Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
    }

    private StartupResult result(StartupState state, Readiness last) {
        return new StartupResult(state, elapsed(), exitCode(), last);
    }

    private OptionalInt exitCode() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    private boolean waitForExit(Duration duration) {
        try {
            return process.waitFor(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("windows");
    }
}
