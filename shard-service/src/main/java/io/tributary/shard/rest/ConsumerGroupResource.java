package io.tributary.shard.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.tributary.aws.GatewayHeaders;
import io.tributary.shard.LogException;
import io.tributary.shard.Position;
import io.tributary.shard.service.ConsumerGroupService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * Consumer groups for operators: list a stream's groups, see a group's members and every shard's holder,
 * checkpoint and lag, and reset a group to a position. JSON; errors as {@code {"error", "message"}}.
 * Requests reach it through the gateway, which names the caller's tenant in {@code X-Tributary-Tenant}.
 */
@Path("/v1/streams/{stream}/consumer-groups")
public class ConsumerGroupResource {

    private static final Logger LOG = Logger.getLogger(ConsumerGroupResource.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TENANT = Pattern.compile("[0-9]{12}");

    private final ConsumerGroupService groups;

    public ConsumerGroupResource(ConsumerGroupService groups) {
        this.groups = groups;
    }

    @GET
    public Uni<Response> list(@HeaderParam(GatewayHeaders.TENANT) String tenant, @PathParam("stream") String stream) {
        if (!validTenant(tenant)) {
            return Uni.createFrom().item(missingTenant());
        }
        return groups.list(tenant, stream).map(views -> {
            ObjectNode out = JSON.createObjectNode();
            ArrayNode list = out.putArray("groups");
            views.forEach(v -> list.add(group(v)));
            return json(out.toString());
        }).onFailure().recoverWithItem(ConsumerGroupResource::error);
    }

    @GET
    @Path("/{group}")
    public Uni<Response> describe(@HeaderParam(GatewayHeaders.TENANT) String tenant, @PathParam("stream") String stream,
                                  @PathParam("group") String group) {
        if (!validTenant(tenant)) {
            return Uni.createFrom().item(missingTenant());
        }
        return groups.describe(tenant, stream, group).map(v -> json(group(v).toString()))
                .onFailure().recoverWithItem(ConsumerGroupResource::error);
    }

    /**
     * Body: {@code {"position": "TRIM_HORIZON" | "LATEST" | "AT_TIMESTAMP", "timestamp": "2026-01-01T00:00:00Z"}}.
     */
    @POST
    @Path("/{group}/reset")
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> reset(@HeaderParam(GatewayHeaders.TENANT) String tenant, @PathParam("stream") String stream,
                               @PathParam("group") String group, byte[] body) {
        if (!validTenant(tenant)) {
            return Uni.createFrom().item(missingTenant());
        }
        Position position;
        try {
            position = position(body);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().item(problem(400, "InvalidArgument", e.getMessage()));
        }
        return groups.reset(tenant, stream, group, position).map(v -> json(group(v).toString()))
                .onFailure().recoverWithItem(ConsumerGroupResource::error);
    }

    private static Position position(byte[] body) {
        JsonNode doc;
        try {
            doc = JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getMessage());
        }
        if (doc == null || !doc.isObject() || !doc.path("position").isTextual()) {
            throw new IllegalArgumentException("expected {\"position\": \"TRIM_HORIZON\" | \"LATEST\" | \"AT_TIMESTAMP\", "
                    + "\"timestamp\": \"<ISO-8601>\"}");
        }
        return switch (doc.get("position").asText()) {
            case "TRIM_HORIZON" -> Position.trimHorizon();
            case "LATEST" -> Position.latest();
            case "AT_TIMESTAMP" -> {
                JsonNode ts = doc.path("timestamp");
                long millis;
                try {
                    millis = ts.isNumber() ? ts.asLong() : Instant.parse(ts.asText()).toEpochMilli();
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("AT_TIMESTAMP needs \"timestamp\" as ISO-8601 or epoch milliseconds");
                }
                yield new Position(Position.Type.AT_TIMESTAMP, null, millis);
            }
            default -> throw new IllegalArgumentException("position must be TRIM_HORIZON, LATEST or AT_TIMESTAMP, not "
                    + doc.get("position").asText());
        };
    }

    private static ObjectNode group(ConsumerGroupService.GroupView v) {
        ObjectNode g = JSON.createObjectNode();
        g.put("name", v.name());
        ObjectNode start = g.putObject("initialPosition");
        start.put("type", v.initialPosition());
        if (v.initialTimestampMillis() > 0) {
            start.put("timestamp", Instant.ofEpochMilli(v.initialTimestampMillis()).toString());
        }
        ArrayNode members = g.putArray("members");
        for (ConsumerGroupService.MemberView m : v.members()) {
            ObjectNode member = members.addObject();
            member.put("memberId", m.memberId());
            member.put("lastHeartbeat", Instant.ofEpochMilli(m.lastHeartbeatMillis()).toString());
            ArrayNode shards = member.putArray("shards");
            m.shardIds().forEach(shards::add);
        }
        ArrayNode shards = g.putArray("shards");
        long lag = 0;
        for (ConsumerGroupService.ShardView s : v.shards()) {
            ObjectNode shard = shards.addObject();
            shard.put("shardId", s.shardId());
            shard.put("owner", s.owner());
            shard.put("epoch", s.epoch());
            shard.put("checkpoint", s.checkpoint());
            shard.put("finished", s.finished());
            shard.put("lagRecords", s.lagRecords());
            lag += s.lagRecords();
        }
        g.put("lagRecords", lag);
        return g;
    }

    /** A JSON answer, written as text (the documents are built with Jackson's tree model here). */
    private static Response json(String body) {
        return Response.ok(body).type(MediaType.APPLICATION_JSON).build();
    }

    private static boolean validTenant(String tenant) {
        return tenant != null && TENANT.matcher(tenant).matches();
    }

    private static Response missingTenant() {
        return problem(401, "Unauthorized", "requests reach shard-service through the gateway, which names the tenant");
    }

    private static Response error(Throwable t) {
        if (t instanceof LogException e) {
            return switch (e.reason()) {
                case STREAM_NOT_FOUND, GROUP_NOT_FOUND, SHARD_NOT_FOUND -> problem(404, "NotFound", e.getMessage());
                case INVALID_ARGUMENT, INVALID_POSITION -> problem(400, "InvalidArgument", e.getMessage());
                case LEASE_LOST, STREAM_NOT_ACTIVE -> problem(409, "Conflict", e.getMessage());
                default -> problem(503, "Unavailable", e.getMessage());
            };
        }
        LOG.warnf(t, "consumer group request failed");
        return problem(500, "InternalFailure", "internal failure; the request may be retried");
    }

    private static Response problem(int status, String code, String message) {
        ObjectNode body = JSON.createObjectNode().put("error", code).put("message", message);
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body.toString()).build();
    }
}
