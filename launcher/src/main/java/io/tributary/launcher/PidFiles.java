package io.tributary.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Pid files and the checks that make them safe to trust: a pid only counts while that process is alive
 * and still looks like what wrote it, because the kernel reuses pids.
 */
final class PidFiles {

    /** A process the launcher recorded under a name. */
    record Recorded(String name, ProcessHandle process) {
    }

    private PidFiles() {
    }

    /**
     * Claims the launcher pid file for this process.
     *
     * @return the live launcher that already holds it, if any; empty when this process now holds it
     */
    static Optional<ProcessHandle> claimLauncher(Path file) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<ProcessHandle> holder = liveLauncher(file);
            if (holder.isPresent()) {
                return holder;
            }
            delete(file);
            try {
                // CREATE_NEW: of two launchers racing, exactly one wins.
                Files.writeString(file, ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII,
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return Optional.empty();
            } catch (FileAlreadyExistsException raced) {
                // someone else created it in between: look again
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
            }
        }
        return liveLauncher(file);
    }

    /** The launcher named by the pid file, if it is still running. */
    static Optional<ProcessHandle> liveLauncher(Path file) {
        return readPid(file)
                .flatMap(ProcessHandle::of)
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> commandLineMatches(p, "tributary-launcher", "io.tributary.launcher"));
    }

    /** The recorded service processes that are still running as Quarkus applications. */
    static List<Recorded> liveServices(Path file) {
        List<Recorded> live = new ArrayList<>();
        for (String line : readLines(file)) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length != 2) {
                continue;
            }
            parseLong(parts[1]).flatMap(ProcessHandle::of)
                    .filter(ProcessHandle::isAlive)
                    .filter(p -> commandLineMatches(p, "quarkus-run.jar"))
                    .ifPresent(p -> live.add(new Recorded(parts[0], p)));
        }
        return live;
    }

    /** The PostgreSQL server named by its own {@code postmaster.pid}, if it is still running. */
    static Optional<ProcessHandle> livePostmaster(Path postmasterPid) {
        return readPid(postmasterPid)
                .flatMap(ProcessHandle::of)
                .filter(ProcessHandle::isAlive)
                .filter(p -> commandLineMatches(p, "postgres"));
    }

    static void appendService(Path file, String name, long pid) {
        try {
            Files.writeString(file, name + " " + pid + "\n", StandardCharsets.US_ASCII,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file + ": " + e.getMessage(), e);
        }
    }

    static Optional<Long> readPid(Path file) {
        List<String> lines = readLines(file);
        return lines.isEmpty() ? Optional.empty() : parseLong(lines.get(0).trim());
    }

    /**
     * When the command line cannot be read (a process of another user, which this user could not signal
     * anyway), the process is assumed to match: for the launcher pid file that means refusing to start
     * twice, the safer mistake.
     */
    private static boolean commandLineMatches(ProcessHandle process, String... fragments) {
        Optional<String> commandLine = process.info().commandLine();
        if (commandLine.isEmpty()) {
            return true;
        }
        for (String fragment : fragments) {
            if (commandLine.get().contains(fragment)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Optional<Long> parseLong(String value) {
        try {
            return Optional.of(Long.parseLong(value));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
