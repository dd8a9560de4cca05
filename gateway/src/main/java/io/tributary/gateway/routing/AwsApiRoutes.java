package io.tributary.gateway.routing;

import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.tributary.aws.AwsException;
import io.tributary.aws.AwsResponses;
import io.tributary.aws.AwsWireFormat;
import io.tributary.aws.GatewayHeaders;
import io.tributary.gateway.auth.SigV4Verifier;
import io.tributary.gateway.config.GatewayConfig;
import io.tributary.gateway.service.AccessKeys;
import io.tributary.gateway.service.TenantQuotas;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The AWS JSON APIs at {@code POST /}: every request is authenticated with SigV4 against the tenants'
 * access keys, then forwarded by its {@code X-Amz-Target} — Kinesis {@code PutRecord}/{@code PutRecords}
 * to ingest-service, every other Kinesis operation to shard-service — with the caller's tenant in
 * {@link GatewayHeaders#TENANT}. The body is hashed as it arrives (the signature covers it) and forwarded
 * as received; the answer is streamed back as the service wrote it.
 */
@ApplicationScoped
public class AwsApiRoutes {

    private static final Logger LOG = Logger.getLogger(AwsApiRoutes.class);
    private static final String KINESIS = "Kinesis_20131202.";
    private static final List<String> FORWARDED_REQUEST_HEADERS = List.of("Content-Type", "X-Amz-Target", "Content-Encoding");

    private final AccessKeys accessKeys;
    private final TenantQuotas quotas;
    private final GatewayConfig config;
    private final SigV4Verifier verifier;
    private final HttpClient client;
    private final LongCounter refused;

    private final ShardServiceUrls shardUrls;
    /** Each service URL parsed once, not per forwarded request. */
    private final Map<String, Target> targets = new ConcurrentHashMap<>();

    public AwsApiRoutes(AccessKeys accessKeys, TenantQuotas quotas, GatewayConfig config, Vertx vertx, Meter meter,
                        ShardServiceUrls shardUrls) {
        this.shardUrls = shardUrls;
        this.accessKeys = accessKeys;
        this.quotas = quotas;
        this.config = config;
        this.verifier = new SigV4Verifier(config.allowedClockSkew());
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(64));
        this.refused = meter.counterBuilder("tributary.gateway.refused.requests")
                .setDescription("Requests refused before reaching a service (authentication, size, routing)")
                .setUnit("{request}").build();
    }

    void routes(@Observes Router router) {
        router.post("/").order(-10).handler(this::handle);
    }

    private void handle(RoutingContext rc) {
        HttpServerRequest request = rc.request();
        String requestId = UUID.randomUUID().toString();
        AwsWireFormat format = AwsWireFormat.ofContentType(request.getHeader("Content-Type"));
        AwsWireFormat answerFormat = format == null ? AwsWireFormat.JSON : format;
        MessageDigest sha256 = sha256();
        // Sized from Content-Length when given: growing a buffer of half a megabyte by doubling costs more
        // than everything else the gateway does with a request.
        Buffer body = Buffer.buffer(initialSize(request.getHeader("Content-Length")));
        boolean[] failed = {false};
        request.handler(chunk -> {
            if (failed[0]) {
                return;
            }
            if (body.length() + chunk.length() > config.maxBodyBytes()) {
                failed[0] = true;
                fail(rc, answerFormat, requestId, new AwsException("SerializationException", 413,
                        "the request body exceeds the limit of " + config.maxBodyBytes() + " bytes"));
                return;
            }
            sha256.update(chunk.getByteBuf().nioBuffer());
            body.appendBuffer(chunk);
        });
        request.exceptionHandler(e -> {
            if (!failed[0]) {
                failed[0] = true;
                LOG.debugf("request body failed: %s", e.toString());
            }
        });
        request.endHandler(v -> {
            if (!failed[0]) {
                authenticate(rc, answerFormat, requestId, body, HexFormat.of().formatHex(sha256.digest()));
            }
        });
        request.resume();
    }

    private void authenticate(RoutingContext rc, AwsWireFormat format, String requestId, Buffer body, String payloadHash) {
        HttpServerRequest request = rc.request();
        String authorization = request.getHeader("Authorization");
        String accessKeyId = SigV4Verifier.accessKeyId(authorization);
        io.smallrye.mutiny.Uni<AccessKeys.Credential> lookup = accessKeyId == null
                ? io.smallrye.mutiny.Uni.createFrom().nullItem() : accessKeys.find(accessKeyId);
        lookup.subscribe().with(credential -> {
            AccessKeys.Credential c = credential;
            SigV4Verifier.Signer signer;
            try {
                signer = verifier.verify(new SigV4Verifier.SignedRequest(request.method().name(), request.path(),
                                request.query(), headers(request), payloadHash),
                        id -> c != null && c.accessKeyId().equals(id) ? c.secret() : null, Instant.now());
            } catch (AwsException e) {
                fail(rc, format, requestId, e);
                return;
            }
            route(rc, format, requestId, body, c.accountId(), signer);
        }, e -> {
            LOG.warnf(e, "access key lookup failed");
            fail(rc, format, requestId, AwsException.serviceUnavailable("access keys cannot be read right now; retry"));
        });
    }

    private void route(RoutingContext rc, AwsWireFormat format, String requestId, Buffer body, String accountId,
                       SigV4Verifier.Signer signer) {
        String target = rc.request().getHeader("X-Amz-Target");
        String base;
        if (target != null && target.startsWith(KINESIS)) {
            if (!signer.service().equals("kinesis")) {
                fail(rc, format, requestId, new AwsException("InvalidSignatureException", 400,
                        "Credential should be scoped to correct service: 'kinesis'."));
                return;
            }
            String operation = target.substring(KINESIS.length());
            boolean put = operation.equals("PutRecord") || operation.equals("PutRecords");
            if (!quotas.tryTake(accountId, body.length())) {
                boolean dataPlane = put || operation.equals("GetRecords");
                fail(rc, format, requestId, new AwsException(dataPlane ? "ProvisionedThroughputExceededException"
                        : "LimitExceededException", 400, "Rate exceeded for account " + accountId
                        + ": the gateway's per-tenant quota is " + describeQuota() + "."));
                return;
            }
            base = put ? config.services().ingestUrl() : shardUrls.current();
        } else {
            fail(rc, format, requestId, AwsException.unknownOperation("X-Amz-Target " + target
                    + " names no operation served here (Kinesis_20131202.*)"));
            return;
        }
        forward(rc, format, requestId, body, accountId, base, base.equals(config.services().ingestUrl()) ? 1 : shardUrls.count());
    }

    /**
     * @param attempts instances to try: the body is buffered, so a request whose connection could not be
     *                 made goes to the next shard-service instance
     */
    private void forward(RoutingContext rc, AwsWireFormat format, String requestId, Buffer body, String accountId,
                         String base, int attempts) {
        Target target = targets.computeIfAbsent(base, Target::of);
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(target.host())
                .setPort(target.port()).setSsl(target.ssl()).setURI(target.path());
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        for (String name : FORWARDED_REQUEST_HEADERS) {
            String value = rc.request().getHeader(name);
            if (value != null) {
                headers.set(name, value);
            }
        }
        headers.set(GatewayHeaders.TENANT, accountId);
        headers.set(GatewayHeaders.REQUEST_ID, requestId);
        options.setHeaders(headers);
        client.request(options)
                .compose(outgoing -> outgoing.send(body))
                .onSuccess(answer -> Relay.answer(rc.response(), requestId, answer))
                .onFailure(e -> {
                    LOG.debugf("forwarding to %s failed: %s", base, e.toString());
                    if (ShardServiceUrls.notConnected(e) && !base.equals(config.services().ingestUrl())) {
                        shardUrls.unreachable(base);
                        if (attempts > 1 && !rc.response().ended()) {
                            forward(rc, format, requestId, body, accountId, shardUrls.current(), attempts - 1);
                            return;
                        }
                    }
                    fail(rc, format, requestId, AwsException.serviceUnavailable("the service behind the gateway is unavailable; retry"));
                });
    }

    private String describeQuota() {
        var q = config.quotas();
        return (q.requestsPerSecond() > 0 ? q.requestsPerSecond() + " requests/s" : "")
                + (q.requestsPerSecond() > 0 && q.bytesPerSecond() > 0 ? " and " : "")
                + (q.bytesPerSecond() > 0 ? q.bytesPerSecond() + " bytes/s" : "");
    }

    private void fail(RoutingContext rc, AwsWireFormat format, String requestId, AwsException e) {
        refused.add(1);
        if (rc.response().ended()) {
            return;
        }
        rc.response().setStatusCode(e.status())
                .putHeader("Content-Type", format.contentType())
                .putHeader(GatewayHeaders.REQUEST_ID, requestId)
                .putHeader("x-amzn-ErrorType", e.type())
                .end(Buffer.buffer(AwsResponses.error(format, e)));
    }

    /**
     * The request's headers as the signer saw them. HTTP/2 carries the host in the {@code :authority}
     * pseudo-header rather than a {@code Host} header; clients sign it as {@code host}.
     */
    private static Map<String, List<String>> headers(io.vertx.core.http.HttpServerRequest request) {
        MultiMap headers = request.headers();
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String name : headers.names()) {
            out.put(name, new ArrayList<>(headers.getAll(name)));
        }
        boolean hasHost = out.keySet().stream().anyMatch(n -> n.equalsIgnoreCase("host"));
        if (!hasHost && request.authority() != null) {
            out.put("host", List.of(request.authority().toString()));
        }
        return out;
    }

    private int initialSize(String contentLength) {
        if (contentLength == null) {
            return 1024;
        }
        try {
            return (int) Math.max(0, Math.min(config.maxBodyBytes(), Long.parseLong(contentLength.trim())));
        } catch (NumberFormatException e) {
            return 1024;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a mandatory JDK algorithm", e);
        }
    }

    /** Where a service URL ({@code http://host:port}, optionally with a path) sends forwarded requests. */
    private record Target(String host, int port, boolean ssl, String path) {
        static Target of(String base) {
            URI uri = URI.create(base);
            boolean ssl = "https".equalsIgnoreCase(uri.getScheme());
            int port = uri.getPort() != -1 ? uri.getPort() : ssl ? 443 : 80;
            String raw = uri.getRawPath() == null ? "" : uri.getRawPath();
            String path = raw.endsWith("/") ? raw : raw + "/";
            return new Target(uri.getHost(), port, ssl, path);
        }
    }
}
