package io.tributary.gateway.routing;

import io.tributary.aws.GatewayHeaders;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;

/** Streams a service's answer back to the client as the service wrote it, with the gateway's request id. */
final class Relay {

    /** Headers of an answer passed on to the client. */
    static final List<String> RESPONSE_HEADERS = List.of("Content-Type", "x-amzn-ErrorType", "Retry-After", "Content-Encoding");

    private Relay() {
    }

    static void answer(HttpServerResponse response, String requestId, HttpClientResponse answer) {
        response.setStatusCode(answer.statusCode());
        for (String name : RESPONSE_HEADERS) {
            String value = answer.getHeader(name);
            if (value != null) {
                response.putHeader(name, value);
            }
        }
        response.putHeader(GatewayHeaders.REQUEST_ID, requestId);
        String length = answer.getHeader("Content-Length");
        if (length != null) {
            response.putHeader("Content-Length", length);
        } else {
            response.setChunked(true);
        }
        // pipeTo applies backpressure: the service is read only as fast as the client takes the answer.
        answer.pipeTo(response);
    }
}
