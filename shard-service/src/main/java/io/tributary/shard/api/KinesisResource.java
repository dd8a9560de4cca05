package io.tributary.shard.api;

import io.smallrye.mutiny.Uni;
import io.tributary.aws.AwsException;
import io.tributary.aws.AwsRequest;
import io.tributary.aws.AwsResponses;
import io.tributary.aws.AwsWireFormat;
import io.tributary.aws.GatewayHeaders;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The Kinesis Data Streams API of shard-service: {@code POST /} with {@code X-Amz-Target:
 * Kinesis_20131202.<Operation>}, in AWS JSON 1.1 or CBOR. Requests reach it through the gateway, which
 * authenticates them and names the caller's tenant in {@value #TENANT_HEADER}.
 */
@Path("/")
public class KinesisResource {

    /** Set by the gateway: the 12-digit account id of the authenticated caller. */
    public static final String TENANT_HEADER = GatewayHeaders.TENANT;
    static final String TARGET_PREFIX = "Kinesis_20131202.";
    private static final Pattern TENANT = Pattern.compile("[0-9]{12}");

    private final KinesisOperations operations;

    public KinesisResource(KinesisOperations operations) {
        this.operations = operations;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.WILDCARD)
    public Uni<Response> invoke(@HeaderParam("X-Amz-Target") String target,
                                @HeaderParam("Content-Type") String contentType,
                                @HeaderParam(TENANT_HEADER) String tenantId,
                                @HeaderParam("x-amzn-RequestId") String requestId,
                                byte[] body) {
        String id = requestId == null || requestId.isBlank() ? UUID.randomUUID().toString() : requestId;
        AwsWireFormat format = AwsWireFormat.ofContentType(contentType);
        if (format == null) {
            return Uni.createFrom().item(error(AwsWireFormat.JSON, id, AwsException.serialization(
                    "Content-Type " + contentType + " is neither application/x-amz-json-1.1 nor application/x-amz-cbor-1.1")));
        }
        if (tenantId == null || !TENANT.matcher(tenantId).matches()) {
            return Uni.createFrom().item(error(format, id, new AwsException("MissingAuthenticationTokenException", 403,
                    "Missing Authentication Token: requests reach shard-service through the gateway")));
        }
        if (target == null || !target.startsWith(TARGET_PREFIX)) {
            return Uni.createFrom().item(error(format, id, AwsException.unknownOperation(
                    "X-Amz-Target " + target + " does not name a Kinesis_20131202 operation")));
        }
        AwsRequest request;
        try {
            request = AwsRequest.parse(format, body);
        } catch (AwsException e) {
            return Uni.createFrom().item(error(format, id, e));
        }
        return operations.invoke(target.substring(TARGET_PREFIX.length()), tenantId, request)
                .map(document -> Response.ok(AwsResponses.write(format, document), format.contentType())
                        .header("x-amzn-RequestId", id).build())
                .onFailure().recoverWithItem(t -> error(format, id, KinesisErrors.of(t)));
    }

    static Response error(AwsWireFormat format, String requestId, AwsException e) {
        return Response.status(e.status())
                .entity(AwsResponses.error(format, e))
                .type(format.contentType())
                .header("x-amzn-RequestId", requestId)
                .header("x-amzn-ErrorType", e.type())
                .build();
    }
}
