package io.tributary.launcher;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The per-service log files: appended across runs, so each run starts with a banner. */
final class LogFiles {

    /** Enough for the last lines of a Quarkus stack trace without reading a log that grew for weeks. */
    private static final int TAIL_WINDOW_BYTES = 256 * 1024;

    private LogFiles() {
    }

    /** Appends the banner and returns where it starts, so this run's output can be told apart later. */
    static long appendBanner(Path log, String name, List<String> command) {
        String banner = System.lineSeparator()
                + "===== " + OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS) + " " + name
                + " started by the Tributary launcher (pid " + ProcessHandle.current().pid() + ")"
                + System.lineSeparator()
                + "===== " + String.join(" ", command) + System.lineSeparator();
        try {
            long offset = Files.exists(log) ? Files.size(log) : 0;
            Files.writeString(log, banner, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            return offset;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + log + ": " + e.getMessage(), e);
        }
    }

    /** The last {@code count} lines of the file; fewer when it is shorter, none when it does not exist. */
    static List<String> tail(Path log, int count) {
        return tail(log, count, 0);
    }

    /**
     * The last {@code count} lines written at or after byte {@code from}: the output of one run, without
     * the runs before it that the same file holds.
     */
    static List<String> tail(Path log, int count, long from) {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long length = file.length();
            long start = Math.max(Math.min(from, length), length - TAIL_WINDOW_BYTES);
            byte[] bytes = new byte[(int) (length - start)];
            file.seek(start);
            file.readFully(bytes);
            List<String> lines = new ArrayList<>(Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\\R", -1)));
            if (start > from && !lines.isEmpty()) {
                lines.remove(0); // cut mid-line by the window
            }
            while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
                lines.remove(lines.size() - 1);
            }
            return List.copyOf(lines.subList(Math.max(0, lines.size() - count), lines.size()));
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return List.of();
        } catch (IOException e) {
            return List.of("(cannot read " + log + ": " + e.getMessage() + ")");
        }
    }
}
