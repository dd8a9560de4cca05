package io.tributary.launcher;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Asks a service's SmallRye Health endpoint whether it is ready. */
final class HealthProbe {

    // Short timeouts: a probe is repeated, and a service that takes seconds to answer is not ready.
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(CONNECT_TIMEOUT)
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    Readiness probe(URI readinessUri) {
        HttpRequest request = HttpRequest.newBuilder(readinessUri).timeout(REQUEST_TIMEOUT).GET().build();
        try {
            HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200
                    ? new Readiness(Readiness.State.READY, "HTTP 200")
                    : new Readiness(Readiness.State.NOT_READY, "HTTP " + response.statusCode());
        } catch (java.net.ConnectException e) {
            return new Readiness(Readiness.State.UNREACHABLE, "not listening");
        } catch (java.net.http.HttpTimeoutException e) {
            return new Readiness(Readiness.State.UNREACHABLE, "no answer within " + REQUEST_TIMEOUT.toSeconds() + " s");
        } catch (IOException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return new Readiness(Readiness.State.UNREACHABLE, reason);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Readiness(Readiness.State.UNREACHABLE, "interrupted");
        }
    }
}
