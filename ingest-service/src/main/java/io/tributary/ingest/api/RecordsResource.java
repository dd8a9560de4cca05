package io.tributary.ingest.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.tributary.aws.AwsException;
import io.tributary.aws.GatewayHeaders;
import io.tributary.aws.KinesisStreamAddress;
import io.tributary.ingest.service.PutRecordsService;
import io.tributary.ingest.service.RecordResult;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * REST bulk ingest: {@code POST /v1/streams/{stream}/records} with NDJSON, one record per line:
 * {@code {"key": "...", "data": "<base64>"}} or {@code {"key": "...", "json": <any JSON value>}} (stored as
 * its UTF-8 JSON text), optionally {@code "explicitHashKey"}. Same limits, routing and guarantees as
 * PutRecords; the answer lists every record's outcome in request order. Errors are
 * {@code {"error": "<code>", "message": "..."}}; a full in-flight budget answers 503 with
 * {@code Retry-After}.
 */
@Path("/v1/streams/{stream}/records")
public class RecordsResource {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TENANT = Pattern.compile("[0-9]{12}");

    private final PutRecordsService puts;

    public RecordsResource(PutRecordsService puts) {
        this.puts = puts;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> put(@PathParam("stream") String stream, @HeaderParam(GatewayHeaders.TENANT) String tenantId,
                             byte[] body) {
        if (tenantId == null || !TENANT.matcher(tenantId).matches()) {
            return Uni.createFrom().item(error(new AwsException("MissingAuthenticationTokenException", 401,
                    "requests reach ingest-service through the gateway, with an API key")));
        }
        List<PutRecordsService.Entry> entries;
        KinesisStreamAddress address;
        try {
            KinesisStreamAddress.checkName(stream, "stream");
            address = new KinesisStreamAddress(tenantId, stream);
            entries = parse(body);
        } catch (AwsException e) {
            return Uni.createFrom().item(error(e));
        }
        return puts.putEntries(address, entries).map(RecordsResource::answer)
                .onFailure(AwsException.class).recoverWithItem(t -> error((AwsException) t));
    }

    static List<PutRecordsService.Entry> parse(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        List<PutRecordsService.Entry> entries = new ArrayList<>();
        int lineNumber = 0;
        for (String line : text.split("\n")) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (IOException e) {
                throw AwsException.serialization("line " + lineNumber + " is not a JSON object");
            }
            if (node == null || !node.isObject()) {
                throw AwsException.serialization("line " + lineNumber + " is not a JSON object");
            }
            JsonNode key = node.get("key");
            JsonNode data = node.get("data");
            JsonNode json = node.get("json");
            JsonNode explicit = node.get("explicitHashKey");
            if ((data == null) == (json == null)) {
                throw AwsException.validation("line " + lineNumber + ": give exactly one of \"data\" (base64) and \"json\"");
            }
            byte[] bytes;
            if (data != null) {
                if (!data.isTextual()) {
                    throw AwsException.validation("line " + lineNumber + ": \"data\" must be a base64 string");
                }
                try {
                    bytes = Base64.getDecoder().decode(data.textValue());
                } catch (IllegalArgumentException e) {
                    throw AwsException.validation("line " + lineNumber + ": \"data\" is not valid base64");
                }
            } else {
                bytes = json.toString().getBytes(StandardCharsets.UTF_8);
            }
            if (key != null && !key.isTextual() || explicit != null && !explicit.isTextual()) {
                throw AwsException.validation("line " + lineNumber + ": \"key\" and \"explicitHashKey\" must be strings");
            }
            entries.add(PutRecordsService.entry(key == null ? null : key.textValue(), bytes,
                    explicit == null ? null : explicit.textValue(), "line " + lineNumber + ": "));
        }
        if (entries.isEmpty()) {
            throw AwsException.validation("the body holds no records (NDJSON: one JSON object per line)");
        }
        return entries;
    }

    private static Response answer(RecordResult[] results) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode list = out.putArray("records");
        int failed = 0;
        for (RecordResult r : results) {
            ObjectNode e = list.addObject();
            if (r.isStored()) {
                e.put("shardId", r.shardId()).put("sequenceNumber", r.sequenceNumber());
            } else {
                failed++;
                e.put("errorCode", r.errorCode()).put("errorMessage", r.errorMessage());
            }
        }
        out.put("failedRecordCount", failed);
        return Response.ok(out.toString(), MediaType.APPLICATION_JSON).build();
    }

    static Response error(AwsException e) {
        int status = switch (e.type()) {
            case "ResourceNotFoundException" -> 404;
            case "ProvisionedThroughputExceededException", "ServiceUnavailable" -> 503;
            case "MissingAuthenticationTokenException" -> 401;
            case "InternalFailure" -> 500;
            default -> 400;
        };
        ObjectNode body = JSON.createObjectNode().put("error", e.type()).put("message", e.getMessage());
        Response.ResponseBuilder r = Response.status(status).entity(body.toString()).type(MediaType.APPLICATION_JSON);
        if (status == 503) {
            r.header("Retry-After", "1");
        }
        return r.build();
    }
}
