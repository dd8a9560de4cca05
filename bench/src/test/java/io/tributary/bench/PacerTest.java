package io.tributary.bench;

import io.tributary.bench.load.Pacer;
import io.tributary.bench.load.RunControl;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The send schedule of one producer, in the warm-up and in the measured phase. */
class PacerTest {

    private static BenchSettings settings(String... args) {
        BenchCommand command = new BenchCommand();
        BenchCommand.configure(new CommandLine(command)).parseArgs(args);
        return command.settings();
    }

    @Test
    void warmsUpAtTheWarmupRateThenMeasuresAtTheRate() {
        // 2 producers, batches of 100: a warm-up at 200 records/s is one send per second per producer.
        BenchSettings settings = settings("--producers", "2", "--batch-records", "100", "--warmup-rate", "200",
                "--rate", "0");
        RunControl control = new RunControl(0);
        Pacer pacer = new Pacer(settings, control, settings.batchRecords());

        assertTrue(pacer.waitNanos() <= 0, "the first send leaves at once");
        pacer.sent();
        long wait = pacer.waitNanos();
        assertTrue(wait > 900_000_000L && wait <= 1_000_000_000L, "the second send waits its second: " + wait);

        control.startMeasuring();
        assertTrue(pacer.waitNanos() <= 0, "unlimited once measuring");
        pacer.sent();
        assertTrue(pacer.waitNanos() <= 0, "still unlimited");
    }

    @Test
    void withoutAWarmupRateBothPhasesKeepTheRate() {
        BenchSettings settings = settings("--producers", "1", "--batch-records", "10", "--rate", "10");
        RunControl control = new RunControl(0);
        Pacer pacer = new Pacer(settings, control, settings.batchRecords());
        pacer.sent();
        assertTrue(pacer.waitNanos() > 900_000_000L, "one send a second in the warm-up");

        control.startMeasuring();
        assertTrue(pacer.waitNanos() <= 0, "the measured phase starts its own schedule");
        pacer.sent();
        assertTrue(pacer.waitNanos() > 900_000_000L, "one send a second when measuring");
    }
}
