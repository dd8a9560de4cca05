package io.tributary.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogFilesTest {

    @TempDir
    Path dir;

    @Test
    void tailReturnsTheLastLinesInOrder() throws IOException {
        Path log = dir.resolve("svc.log");
        Files.writeString(log, IntStream.rangeClosed(1, 100).mapToObj(i -> "line " + i)
                .collect(Collectors.joining("\n", "", "\n")));

        List<String> tail = LogFiles.tail(log, 3);

        assertEquals(List.of("line 98", "line 99", "line 100"), tail);
    }

    @Test
    void tailOfALogLargerThanTheReadWindowDropsOnlyTheCutLine() throws IOException {
        Path log = dir.resolve("big.log");
        String filler = "x".repeat(1000);
        Files.writeString(log, IntStream.rangeClosed(1, 1000).mapToObj(i -> i + " " + filler)
                .collect(Collectors.joining("\n")));

        List<String> tail = LogFiles.tail(log, 2);

        assertEquals(List.of("999 " + filler, "1000 " + filler), tail);
    }

    @Test
    void tailFromAnOffsetLeavesOutEarlierRuns() throws IOException {
        Path log = dir.resolve("svc.log");
        Files.writeString(log, "earlier run\nold failure\n");

        long offset = LogFiles.appendBanner(log, "gateway", List.of("java", "-jar", "x.jar"));
        Files.writeString(log, "this run failed\n", java.nio.file.StandardOpenOption.APPEND);

        List<String> tail = LogFiles.tail(log, 30, offset);
        assertEquals(4, tail.size(), tail.toString());
        assertTrue(tail.get(1).startsWith("===== ") && tail.get(1).contains("gateway started"), tail.toString());
        assertEquals("this run failed", tail.get(3));
    }

    @Test
    void tailOfAMissingLogIsEmpty() {
        assertTrue(LogFiles.tail(dir.resolve("absent.log"), 30).isEmpty());
    }

    @Test
    void bannerIsAppendedAfterEarlierRuns() throws IOException {
        Path log = dir.resolve("svc.log");
        Files.writeString(log, "earlier run\n");

        LogFiles.appendBanner(log, "gateway", List.of("java", "-jar", "gateway/target/quarkus-app/quarkus-run.jar"));

        List<String> lines = Files.readAllLines(log);
        assertEquals("earlier run", lines.get(0));
        assertTrue(lines.get(2).contains("gateway started by the Tributary launcher"), lines.toString());
        assertEquals("===== java -jar gateway/target/quarkus-app/quarkus-run.jar", lines.get(3));
    }
}
