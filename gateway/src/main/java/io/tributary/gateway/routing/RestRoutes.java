package io.tributary.gateway.routing;

import io.tributary.aws.GatewayHeaders;
import io.tributary.gateway.config.GatewayConfig;
import io.tributary.gateway.service.AccessKeys;
import io.tributary.gateway.service.TenantQuotas;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.UUID;

/**
 * The REST API ({@code /v1/...}): a bearer API key ({@code Authorization: Bearer <key>}) names the tenant;
 * the request is then streamed to its service (records to ingest-service, consumer groups to
 * shard-service) as it arrives (with backpressure: the gateway reads the
 * client only as fast as ingest-service takes the body), and the answer streamed back.
 */
@ApplicationScoped
public class RestRoutes {

    private static final Logger LOG = Logger.getLogger(RestRoutes.class);
    private static final List<String> FORWARDED_REQUEST_HEADERS = List.of("Content-Type", "Content-Length", "Content-Encoding");

    private final AccessKeys keys;
    private final TenantQuotas quotas;
    private final GatewayConfig config;
    private final HttpClient client;
    private final io.vertx.core.http.WebSocketClient webSockets;

    private final ShardServiceUrls shardUrls;

    public RestRoutes(AccessKeys keys, TenantQuotas quotas, GatewayConfig config, Vertx vertx, ShardServiceUrls shardUrls) {
        this.shardUrls = shardUrls;
        this.keys = keys;
        this.quotas = quotas;
        this.config = config;
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(64));
        this.webSockets = vertx.createWebSocketClient(new io.vertx.core.http.WebSocketClientOptions()
                .setMaxFrameSize(2 * 1024 * 1024).setMaxMessageSize(2 * 1024 * 1024));
    }

    void routes(@Observes Router router) {
        router.post("/v1/streams/:stream/records").order(-10).handler(rc -> rest(rc, config.services().ingestUrl(), "ingest-service"));
        router.get("/v1/streams/:stream/ws").order(-10).handler(this::websocket);
        // Consumer groups are shard-service's.
        router.get("/v1/streams/:stream/consumer-groups").order(-10).handler(rc -> rest(rc, shardUrls.current(), "shard-service"));
        router.get("/v1/streams/:stream/consumer-groups/:group").order(-10).handler(rc -> rest(rc, shardUrls.current(), "shard-service"));
        router.post("/v1/streams/:stream/consumer-groups/:group/reset").order(-10).handler(rc -> rest(rc, shardUrls.current(), "shard-service"));
    }

    private void rest(RoutingContext rc, String serviceUrl, String service) {
        HttpServerRequest request = rc.request();
        request.pause();
        String requestId = UUID.randomUUID().toString();
        String authorization = request.getHeader("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            fail(rc, requestId, 401, "MissingAuthenticationTokenException", "an API key is required: Authorization: Bearer <key>");
            return;
        }
        keys.accountOfApiKey(authorization.substring(7).trim()).subscribe().with(account -> {
            if (account == null) {
                fail(rc, requestId, 403, "UnrecognizedClientException", "the API key is not valid");
                return;
            }
            String length = rc.request().getHeader("Content-Length");
            long bytes = length == null ? 0 : parseLength(length);
            if (!quotas.tryTake(account, bytes)) {
                rc.response().putHeader("Retry-After", "1");
                fail(rc, requestId, 429, "ThrottlingException", "rate exceeded for account " + account + "; retry later");
                return;
            }
            forward(rc, requestId, account, serviceUrl, service);
        }, e -> {
            LOG.warnf(e, "API key lookup failed");
            fail(rc, requestId, 503, "ServiceUnavailable", "API keys cannot be read right now; retry");
        });
    }

    /**
     * WebSocket ingest: the API key comes in {@code Authorization: Bearer} or, for browsers that cannot set
     * headers on a WebSocket, the {@code api_key} query parameter. Frames are relayed one by one in both
     * directions, keeping their type; when one side's write queue is full the other side is no longer read,
     * so ingest-service's backpressure reaches the producer's TCP connection.
     */
    private void websocket(RoutingContext rc) {
        HttpServerRequest request = rc.request();
        String requestId = UUID.randomUUID().toString();
        String authorization = request.getHeader("Authorization");
        String key = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : request.getParam("api_key");
        if (key == null || key.isBlank()) {
            fail(rc, requestId, 401, "MissingAuthenticationTokenException", "an API key is required: Authorization: Bearer <key>");
            return;
        }
        keys.accountOfApiKey(key).subscribe().with(account -> {
            if (account == null) {
                fail(rc, requestId, 403, "UnrecognizedClientException", "the API key is not valid");
                return;
            }
            if (!quotas.tryTake(account, 0)) {
                rc.response().putHeader("Retry-After", "1");
                fail(rc, requestId, 429, "ThrottlingException", "rate exceeded for account " + account + "; retry later");
                return;
            }
            io.vertx.core.http.WebSocketConnectOptions options = new io.vertx.core.http.WebSocketConnectOptions()
                    .setAbsoluteURI(config.services().ingestUrl().replaceFirst("^http", "ws") + request.path())
                    .addHeader(GatewayHeaders.TENANT, account)
                    .addHeader(GatewayHeaders.REQUEST_ID, requestId);
            webSockets.connect(options).onSuccess(upstream -> {
                // ingest-service greets at once; hold its frames until both directions are wired.
                upstream.pause();
                request.toWebSocket().onSuccess(downstream -> {
                    relay(downstream, upstream);
                    relay(upstream, downstream);
                    upstream.resume();
                }).onFailure(e -> upstream.close());
            }).onFailure(e -> {
                LOG.debugf("WebSocket to ingest-service failed: %s", e.toString());
                fail(rc, requestId, 503, "ServiceUnavailable", "ingest-service is unavailable; retry");
            });
        }, e -> {
            LOG.warnf(e, "API key lookup failed");
            fail(rc, requestId, 503, "ServiceUnavailable", "API keys cannot be read right now; retry");
        });
    }

    private static void relay(io.vertx.core.http.WebSocketBase from, io.vertx.core.http.WebSocketBase to) {
        from.frameHandler(frame -> {
            if (to.isClosed()) {
                return; // the other side is gone; its close handler is closing this one
            }
            to.writeFrame(frame);
            if (to.writeQueueFull()) {
                from.pause();
                to.drainHandler(v -> from.resume());
            }
        });
        from.closeHandler(v -> {
            if (!to.isClosed()) {
                to.close();
            }
        });
        from.exceptionHandler(e -> to.close());
    }

    private static long parseLength(String value) {
        try {
            return Math.max(0, Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void forward(RoutingContext rc, String requestId, String account, String serviceUrl, String service) {
        HttpServerRequest request = rc.request();
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        for (String name : FORWARDED_REQUEST_HEADERS) {
            String value = request.getHeader(name);
            if (value != null) {
                headers.set(name, value);
            }
        }
        headers.set(GatewayHeaders.TENANT, account);
        headers.set(GatewayHeaders.REQUEST_ID, requestId);
        RequestOptions options = new RequestOptions().setMethod(request.method())
                .setAbsoluteURI(serviceUrl + request.uri()).setHeaders(headers);
        client.request(options)
                .compose(outgoing -> {
                    if (request.method() == io.vertx.core.http.HttpMethod.GET) {
                        request.resume();
                        return outgoing.send();
                    }
                    if (request.getHeader("Content-Length") == null) {
                        outgoing.setChunked(true);
                    }
                    return outgoing.send(request);
                })
                .onSuccess(answer -> Relay.answer(rc.response(), requestId, answer))
                .onFailure(e -> {
                    LOG.debugf("forwarding to %s failed: %s", service, e.toString());
                    if (ShardServiceUrls.notConnected(e) && serviceUrl.equals(shardUrls.current())) {
                        // The body may be streaming already: the caller retries, and reaches the next instance.
                        shardUrls.unreachable(serviceUrl);
                    }
                    fail(rc, requestId, 503, "ServiceUnavailable", service + " is unavailable; retry");
                });
    }

    private static void fail(RoutingContext rc, String requestId, int status, String code, String message) {
        if (rc.response().ended()) {
            return;
        }
        rc.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .putHeader(GatewayHeaders.REQUEST_ID, requestId)
                .end(new JsonObject().put("error", code).put("message", message).encode());
    }
}
