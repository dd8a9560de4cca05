package io.tributary.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How much written-but-unflushed data the Linux kernel lets pile up before it starts writing it to disk in
 * the background ({@code vm.dirty_background_bytes}, or {@code vm.dirty_background_ratio} percent of
 * memory). PostgreSQL writes table pages through the page cache and flushes only its WAL at each commit;
 * when the threshold is gigabytes, those pages leave in one burst once they are 30 seconds old, and every
 * commit behind the burst waits for the disk (100–300 ms on a virtual disk, measured: see
 * docs/performance.md). A threshold of tens of megabytes spreads the same writes out.
 */
final class DirtyWriteback {

    /** Above this, commits are likely to stall behind periodic writeback bursts under steady load. */
    static final long ADVISED_MAX_BYTES = 256L << 20;
    static final long ADVISED_BYTES = 32L << 20;

    private DirtyWriteback() {
    }

    /**
     * The background writeback threshold in bytes read from {@code root} (normally {@code /}), or empty
     * when it cannot be told (not Linux, files unreadable).
     */
    static Optional<Long> thresholdBytes(Path root) {
        try {
            long bytes = Long.parseLong(firstLine(root.resolve("proc/sys/vm/dirty_background_bytes")));
            if (bytes > 0) {
                return Optional.of(bytes);
            }
            long ratio = Long.parseLong(firstLine(root.resolve("proc/sys/vm/dirty_background_ratio")));
            for (String line : Files.readAllLines(root.resolve("proc/meminfo"))) {
                // The kernel takes the ratio of the memory it could use for the page cache; what is
                // available is close to that and errs on the small side.
                if (line.startsWith("MemAvailable:")) {
                    long kib = Long.parseLong(line.substring("MemAvailable:".length()).trim().split("\\s+")[0]);
                    return Optional.of(kib * 1024 * ratio / 100);
                }
            }
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Reads line by line: procfs files report a size of 0, and whole-file reads may stop after one byte. */
    private static String firstLine(Path file) throws IOException {
        return Files.readAllLines(file).get(0).trim();
    }

    /** A hint for the user when the threshold is large enough to stall commits, else empty. */
    static Optional<String> hint(Path root) {
        return thresholdBytes(root).filter(bytes -> bytes > ADVISED_MAX_BYTES).map(bytes -> String.format(
                "host: the kernel holds up to %d MiB of unflushed writes before writing them back, so PostgreSQL's"
                        + " table writes leave in bursts that stall commits every ~30 s under steady load;"
                        + " for steady latency: sudo sysctl -w vm.dirty_background_bytes=%d (docs/performance.md)",
                bytes >> 20, ADVISED_BYTES));
    }
}
