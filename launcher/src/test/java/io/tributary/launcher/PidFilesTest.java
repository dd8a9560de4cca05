package io.tributary.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PidFilesTest {

    @TempDir
    Path dir;

    @Test
    void claimsAFreshPidFileWithItsOwnPid() throws IOException {
        Path file = dir.resolve("launcher.pid");

        assertTrue(PidFiles.claimLauncher(file).isEmpty());
        assertEquals(ProcessHandle.current().pid() + "", Files.readString(file).trim());
    }

    @Test
    void replacesAPidFileWhoseProcessIsGone() throws Exception {
        Path file = dir.resolve("launcher.pid");
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.writeString(file, gone.pid() + "\n");

        assertTrue(PidFiles.claimLauncher(file).isEmpty());
        assertEquals(ProcessHandle.current().pid() + "", Files.readString(file).trim());
    }

    @Test
    void refusesWhileTheRecordedLauncherIsAlive() throws Exception {
        Path file = dir.resolve("launcher.pid");
        // A JVM whose command line names the launcher package, as a real launcher's does.
        Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), FakeService.class.getName(),
                Integer.toString(ServiceProcessTest.freePort()), "ready").start();
        try {
            Files.writeString(file, other.pid() + "\n");

            Optional<ProcessHandle> holder = PidFiles.claimLauncher(file);

            assertEquals(other.pid(), holder.orElseThrow().pid());
            assertEquals(other.pid() + "", Files.readString(file).trim());
        } finally {
            other.destroyForcibly().waitFor();
        }
    }

    @Test
    void ignoresARecordedPidThatIsAliveButNotALauncher() throws Exception {
        Path file = dir.resolve("launcher.pid");
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        try {
            Files.writeString(file, sleeper.pid() + "\n");

            assertTrue(PidFiles.claimLauncher(file).isEmpty(), "pid reused by an unrelated process");
        } finally {
            sleeper.destroyForcibly().waitFor();
        }
    }

    @Test
    void listsOnlyRecordedServicesThatAreStillRunningQuarkus() throws Exception {
        Path file = dir.resolve("services.pid");
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        try {
            PidFiles.appendService(file, "shard-service", sleeper.pid());
            PidFiles.appendService(file, "gateway", 999_999_999L);

            List<PidFiles.Recorded> live = PidFiles.liveServices(file);

            assertTrue(live.isEmpty(), "a sleep is not a quarkus-run.jar: " + live);
        } finally {
            sleeper.destroyForcibly().waitFor();
        }
    }
}
