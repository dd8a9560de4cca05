package io.tributary.ingest.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.aws.AwsException;
import io.tributary.aws.GatewayHeaders;
import io.tributary.aws.KinesisStreamAddress;
import io.tributary.ingest.config.IngestConfig;
import io.tributary.ingest.service.PutRecordsService;
import io.tributary.ingest.service.RecordResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * WebSocket ingest: {@code /v1/streams/{stream}/ws}. A producer streams records; each is acknowledged,
 * after its commit, with its shard and sequence number. Flow control is by credit: the welcome message
 * grants {@code websocket.credits} records, every acknowledgement grants one more. A producer that sends
 * beyond its credit, or arrives while this instance's in-flight budget is full, is not refused: its
 * socket stops being read (TCP backpressure) until there is room again. Nothing is queued without bound:
 * at most one frame per connection waits outside the budget.
 *
 * <p>Frames from the producer: text {@code {"id": <any>, "key": "...", "data": "<base64>"}} (or
 * {@code "json"} instead of {@code "data"}; optional {@code "explicitHashKey"}), or binary
 * {@code [2-byte big-endian key length][key UTF-8][data]}. Every frame is numbered from 0 in arrival
 * order ({@code "seq"}); answers carry that number and the text frame's {@code id}:
 * {@code {"seq": n, "id": ..., "shardId": "...", "sequenceNumber": "...", "credits": 1}} or
 * {@code {"seq": n, "id": ..., "errorCode": "...", "errorMessage": "...", "credits": 1}}.
 */
@ApplicationScoped
public class RecordStreamSocket {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TENANT = Pattern.compile("[0-9]{12}");

    private final PutRecordsService puts;
    private final IngestConfig config;
    private final Vertx vertx;

    public RecordStreamSocket(PutRecordsService puts, IngestConfig config, Vertx vertx) {
        this.puts = puts;
        this.config = config;
        this.vertx = vertx;
    }

    void routes(@Observes Router router) {
        router.get("/v1/streams/:stream/ws").order(-10).handler(this::upgrade);
    }

    private void upgrade(RoutingContext rc) {
        String tenant = rc.request().getHeader(GatewayHeaders.TENANT);
        String stream = rc.pathParam("stream");
        if (tenant == null || !TENANT.matcher(tenant).matches()) {
            rc.response().setStatusCode(401).end("{\"error\":\"MissingAuthenticationTokenException\","
                    + "\"message\":\"requests reach ingest-service through the gateway, with an API key\"}");
            return;
        }
        try {
            KinesisStreamAddress.checkName(stream, "stream");
        } catch (AwsException e) {
            rc.response().setStatusCode(400).end(error(e));
            return;
        }
        rc.request().toWebSocket().onSuccess(ws -> new Connection(ws, new KinesisStreamAddress(tenant, stream)).start());
    }

    private static String error(AwsException e) {
        return JSON.createObjectNode().put("error", e.type()).put("message", e.getMessage()).toString();
    }

    /** One producer's connection. All state is touched on the connection's event loop. */
    private final class Connection {

        private final ServerWebSocket ws;
        private final KinesisStreamAddress stream;
        private final int window = config.websocket().credits();
        private final ArrayDeque<Frame> waiting = new ArrayDeque<>();
        private long nextSeq;
        private int outstanding;
        private boolean paused;
        private boolean closed;
        private io.vertx.core.Context context;

        private record Frame(long seq, JsonNode id, PutRecordsService.Entry entry, AwsException invalid) {
        }

        Connection(ServerWebSocket ws, KinesisStreamAddress stream) {
            this.ws = ws;
            this.stream = stream;
        }

        void start() {
            context = vertx.getOrCreateContext();
            ws.textMessageHandler(text -> accept(parseText(text)));
            ws.binaryMessageHandler(data -> accept(parseBinary(data)));
            ws.closeHandler(v -> closed = true);
            ws.exceptionHandler(e -> closed = true);
            ws.writeTextMessage(JSON.createObjectNode().put("type", "welcome").put("credits", window).toString());
        }

        private Frame parseText(String text) {
            long seq = nextSeq++;
            JsonNode node;
            try {
                node = JSON.readTree(text);
            } catch (IOException e) {
                return new Frame(seq, null, null, AwsException.serialization("the frame is not a JSON object"));
            }
            if (node == null || !node.isObject()) {
                return new Frame(seq, null, null, AwsException.serialization("the frame is not a JSON object"));
            }
            JsonNode id = node.get("id");
            try {
                JsonNode key = node.get("key");
                JsonNode data = node.get("data");
                JsonNode json = node.get("json");
                JsonNode explicit = node.get("explicitHashKey");
                if ((data == null) == (json == null)) {
                    throw AwsException.validation("give exactly one of \"data\" (base64) and \"json\"");
                }
                byte[] bytes;
                if (data != null) {
                    if (!data.isTextual()) {
                        throw AwsException.validation("\"data\" must be a base64 string");
                    }
                    try {
                        bytes = Base64.getDecoder().decode(data.textValue());
                    } catch (IllegalArgumentException e) {
                        throw AwsException.validation("\"data\" is not valid base64");
                    }
                } else {
                    bytes = json.toString().getBytes(StandardCharsets.UTF_8);
                }
                if (key != null && !key.isTextual() || explicit != null && !explicit.isTextual()) {
                    throw AwsException.validation("\"key\" and \"explicitHashKey\" must be strings");
                }
                return new Frame(seq, id, PutRecordsService.entry(key == null ? null : key.textValue(), bytes,
                        explicit == null ? null : explicit.textValue(), ""), null);
            } catch (AwsException e) {
                return new Frame(seq, id, null, e);
            }
        }

        private Frame parseBinary(Buffer frame) {
            long seq = nextSeq++;
            try {
                if (frame.length() < 2) {
                    throw AwsException.serialization("a binary frame starts with a 2-byte key length");
                }
                int keyLength = frame.getUnsignedShort(0);
                if (frame.length() < 2 + keyLength) {
                    throw AwsException.serialization("the binary frame is shorter than its key length");
                }
                String key = frame.getString(2, 2 + keyLength, "UTF-8");
                return new Frame(seq, null, PutRecordsService.entry(key, frame.getBytes(2 + keyLength, frame.length()), null, ""), null);
            } catch (AwsException e) {
                return new Frame(seq, null, null, e);
            }
        }

        private void accept(Frame frame) {
            waiting.add(frame);
            drain();
        }

        /** Sends waiting frames on while the credit window and the budget allow; pauses the socket otherwise. */
        private void drain() {
            while (!waiting.isEmpty() && !closed) {
                Frame frame = waiting.peek();
                if (frame.invalid() != null) {
                    waiting.poll();
                    answer(frame, null, frame.invalid());
                    continue;
                }
                if (outstanding >= window) {
                    pause(); // beyond its credit: TCP backpressure until acknowledgements come
                    return;
                }
                waiting.poll();
                outstanding++;
                puts.putEntries(stream, List.of(frame.entry())).subscribe().with(
                        results -> context.runOnContext(v -> acknowledged(frame, results[0])),
                        failure -> context.runOnContext(v -> refused(frame, failure)));
            }
            if (waiting.isEmpty()) {
                resume();
            }
        }

        private void acknowledged(Frame frame, RecordResult result) {
            outstanding--;
            answer(frame, result, null);
            drain();
        }

        private void refused(Frame frame, Throwable failure) {
            outstanding--;
            if (failure instanceof AwsException e && e.type().equals("ProvisionedThroughputExceededException")) {
                // The instance is saturated: hold this producer instead of refusing it, then try the same frame again.
                waiting.addFirst(frame);
                pause();
                vertx.setTimer(config.websocket().budgetRetry().toMillis(), t -> drain());
                return;
            }
            answer(frame, null, failure instanceof AwsException e ? e : AwsException.internalFailure("internal failure"));
            drain();
        }

        private void answer(Frame frame, RecordResult result, AwsException error) {
            if (closed) {
                return;
            }
            ObjectNode out = JSON.createObjectNode().put("seq", frame.seq());
            if (frame.id() != null) {
                out.set("id", frame.id());
            }
            if (error != null) {
                out.put("errorCode", error.type()).put("errorMessage", error.getMessage());
            } else if (result.isStored()) {
                out.put("shardId", result.shardId()).put("sequenceNumber", result.sequenceNumber());
            } else {
                out.put("errorCode", result.errorCode()).put("errorMessage", result.errorMessage());
            }
            out.put("credits", 1);
            ws.writeTextMessage(out.toString());
        }

        private void pause() {
            if (!paused) {
                paused = true;
                ws.pause();
            }
        }

        private void resume() {
            if (paused) {
                paused = false;
                ws.resume();
            }
        }
    }
}
