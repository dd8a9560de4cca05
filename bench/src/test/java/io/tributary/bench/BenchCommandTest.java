package io.tributary.bench;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the whole bench against an in-memory shard-service over a real gRPC connection. */
class BenchCommandTest {

    /** Light load: the test machine also runs the fake server and the build. */
    private static final String[] LIGHT = {"--producers", "2", "--shards", "3", "--batch-records", "50",
            "--record-bytes", "100", "--window", "4", "--progress-interval", "500ms", "--catch-up-timeout", "2s",
            "--ack-timeout", "5s"};

    private record Run(int exitCode, String output) {
    }

    private static Run bench(String target, String... args) {
        List<String> all = new ArrayList<>(List.of(LIGHT));
        all.add("--target");
        all.add(target);
        all.addAll(List.of(args));
        return command(all.toArray(String[]::new));
    }

    private static Run command(String... args) {
        StringWriter out = new StringWriter();
        CommandLine commandLine = BenchCommand.configure(new CommandLine(new BenchCommand()));
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(out, true));
        int exit = commandLine.execute(args);
        return new Run(exit, out.toString());
    }

    @Test
    void passesWhenEveryAcknowledgedRecordArrivesExactlyOnce() throws Exception {
        try (FakeShardService service = new FakeShardService(FakeShardService.Fault.NONE)) {
            Run run = bench(service.target(), "--warmup", "500ms", "--duration", "1500ms", "--rate", "20000",
                    "--verify-read", "--verify-data");

            System.out.print(run.output()); // a sample of the report in the surefire output
            assertEquals(0, run.exitCode(), run.output());
            assertTrue(run.output().contains("lost 0, duplicated 0"), run.output());
            assertTrue(run.output().contains("verify-read        read "), run.output());
            assertTrue(run.output().contains("RESULT: PASS"), run.output());
            assertTrue(run.output().contains("[   0.5s"), "a progress line every 500 ms: " + run.output());
            assertTrue(run.output().contains("Deleted stream 000000000000/bench-"), run.output());
            assertEquals(0, service.streamCount(), "the bench deletes its stream");
        }
    }

    @Test
    void failsWhenAnAcknowledgedRecordIsNeverDelivered() throws Exception {
        try (FakeShardService service = new FakeShardService(FakeShardService.Fault.DROP_ONE_DELIVERY)) {
            Run run = bench(service.target(), "--warmup", "0", "--records", "3000");

            assertEquals(1, run.exitCode(), run.output());
            assertTrue(run.output().contains("lost 1, duplicated 0"), run.output());
            assertTrue(run.output().contains("RESULT: FAIL"), run.output());
        }
    }

    @Test
    void withoutAConsumerChecksDeliveryByReadingEverythingBackAfterTheLoad() throws Exception {
        try (FakeShardService service = new FakeShardService(FakeShardService.Fault.NONE)) {
            Run run = bench(service.target(), "--warmup", "0", "--records", "3000", "--consumer", "none");

            assertEquals(0, run.exitCode(), run.output());
            assertTrue(run.output().contains("no consumer: see verify-read"), run.output());
            assertTrue(run.output().contains("verify-read        read 3,000 records"), run.output());
            assertFalse(run.output().contains("first lost"), "nothing was lost: " + run.output());
            assertTrue(run.output().contains("RESULT: PASS"), run.output());
        }
        try (FakeShardService service = new FakeShardService(FakeShardService.Fault.DROP_ONE_STORED)) {
            Run run = bench(service.target(), "--warmup", "0", "--records", "3000", "--consumer", "none");

            assertEquals(1, run.exitCode(), run.output());
            assertTrue(run.output().contains("lost 1, duplicated 0"), run.output());
            assertEquals(1, run.output().split("first lost", -1).length - 1, "the read's lost record, once: " + run.output());
            assertTrue(run.output().contains("RESULT: FAIL"), run.output());
        }
    }

    @Test
    void failsWhenARecordIsDeliveredTwice() throws Exception {
        try (FakeShardService service = new FakeShardService(FakeShardService.Fault.DUPLICATE_ONE_DELIVERY)) {
            Run run = bench(service.target(), "--warmup", "0", "--records", "3000");

            assertEquals(1, run.exitCode(), run.output());
            assertTrue(run.output().contains("lost 0, duplicated 1"), run.output());
        }
    }

    @Test
    void stopsAfterTheRequestedNumberOfMeasuredRecords() throws Exception {
        try (FakeShardService service = new FakeShardService(FakeShardService.Fault.NONE)) {
            Run run = bench(service.target(), "--warmup", "0", "--records", "4321", "--keep-stream",
                    "--start-position", "trim_horizon");

            assertEquals(0, run.exitCode(), run.output());
            assertTrue(run.output().contains("(4,321 records in "), run.output());
            // one probe per shard (3) when each arrives at the first attempt
            assertEquals(4321 + 3, service.storedRecords());
            assertEquals(1, service.streamCount(), "--keep-stream keeps the stream");
        }
    }

    @Test
    void routesExplicitHashKeysInsideTheTargetShard() throws Exception {
        try (FakeShardService service = new FakeShardService(FakeShardService.Fault.NONE)) {
            // the fake refuses with WRONG_SHARD any record whose hash key is outside the batch's shard
            Run run = bench(service.target(), "--warmup", "0", "--records", "2000", "--keys", "explicit");

            assertEquals(0, run.exitCode(), run.output());
            assertTrue(run.output().contains("refused 0, unanswered 0"), run.output());
        }
    }

    @Test
    void reportsAnUnreachableServiceAsIncomplete() {
        Run run = bench("localhost:1", "--duration", "1s");

        assertEquals(3, run.exitCode(), run.output());
        assertTrue(run.output().contains("cannot create stream"), run.output());
    }

    @Test
    void rejectsRecordsTooSmallForTheHeader() {
        Run run = command("--target", "localhost:1", "--record-bytes", "8");

        assertEquals(2, run.exitCode(), run.output());
        assertTrue(run.output().contains("--record-bytes must be 16.."), run.output());
    }
}
