package io.tributary.launcher;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ServiceProcessTest {

    @TempDir
    Path dir;

    private final HealthProbe probe = new HealthProbe();
    private final List<ServiceProcess> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(p -> p.process().destroyForcibly());
    }

    @Test
    void becomesReadyOnceHealthAnswers200AndStopsOnSigterm() throws IOException {
        int port = freePort();
        ServiceProcess process = start("ready", port, Map.of());

        ServiceProcess.StartupResult result = process.awaitReady(readiness(port), Duration.ofSeconds(30), probe,
                () -> false, line -> { });

        assertEquals(ServiceProcess.StartupState.READY, result.state());
        ServiceProcess.StopResult stop = process.stop(Duration.ofSeconds(10));
        assertEquals(ServiceProcess.StopState.STOPPED, stop.state());
        assertFalse(process.process().isAlive());
        List<String> log = Files.readAllLines(process.log());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("===== ") && l.contains("fake started by the Tributary launcher")),
                "banner first: " + log);
        assertTrue(log.stream().anyMatch(l -> l.contains("fake service listening on " + port)), "output appended: " + log);
    }

    @Test
    void reportsExitDuringStartupWithItsCodeInsteadOfWaitingForTheTimeout() throws IOException {
        int port = freePort();
        Files.writeString(dir.resolve("fake.log"), "earlier run: fake service listening\n");
        ServiceProcess process = start("crash", port, Map.of());

        ServiceProcess.StartupResult result = process.awaitReady(readiness(port), Duration.ofSeconds(60), probe,
                () -> false, line -> { });

        assertEquals(ServiceProcess.StartupState.EXITED, result.state());
        assertEquals(3, result.exitCode().orElseThrow());
        assertTrue(result.elapsed().compareTo(Duration.ofSeconds(30)) < 0, "failed fast: " + result.elapsed());
        List<String> tail = process.logTail(30);
        assertEquals("fake service: configuration broken, giving up", tail.get(tail.size() - 1));
        assertTrue(tail.stream().noneMatch(l -> l.contains("earlier run")), "only this run: " + tail);
    }

    @Test
    void timesOutWhileTheServiceAnswersNotReady() {
        int port = freePort();
        ServiceProcess process = start("unready", port, Map.of());

        ServiceProcess.StartupResult result = process.awaitReady(readiness(port), Duration.ofSeconds(4), probe,
                () -> false, line -> { });

        assertEquals(ServiceProcess.StartupState.TIMED_OUT, result.state());
        assertTrue(process.process().isAlive());
    }

    @Test
    void killsAServiceThatIgnoresSigtermAfterTheGracePeriod() {
        int port = freePort();
        ServiceProcess process = start("stubborn", port, Map.of());
        assertEquals(ServiceProcess.StartupState.READY, process.awaitReady(readiness(port), Duration.ofSeconds(30),
                probe, () -> false, line -> { }).state());

        ServiceProcess.StopResult stop = process.stop(Duration.ofSeconds(1));

        assertEquals(ServiceProcess.StopState.KILLED, stop.state());
        assertFalse(process.process().isAlive());
    }

    @Test
    void passesTheExtraEnvironmentToTheService() throws Exception {
        Path script = dir.resolve("env.sh");
        Files.writeString(script, "echo \"url=$QUARKUS_DATASOURCE_JDBC_URL\"\n");
        ServiceProcess process = ServiceProcess.start("env", List.of("sh", script.toString()),
                Map.of("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://127.0.0.1:1/x"), dir, dir.resolve("env.log"));
        started.add(process);

        assertEquals(0, process.process().onExit().get(10, TimeUnit.SECONDS).exitValue());
        assertEquals("url=jdbc:postgresql://127.0.0.1:1/x", LogFiles.tail(dir.resolve("env.log"), 1).get(0));
    }

    private ServiceProcess start(String mode, int port, Map<String, String> env) {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), FakeService.class.getName(),
                Integer.toString(port), mode);
        ServiceProcess process = ServiceProcess.start("fake", command, env, dir, dir.resolve("fake.log"));
        started.add(process);
        return process;
    }

    private static URI readiness(int port) {
        return URI.create("http://127.0.0.1:" + port + "/q/health/ready");
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
