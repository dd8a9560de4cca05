package io.tributary.ingest.api;

import io.smallrye.mutiny.Uni;
import io.tributary.aws.AwsException;
import io.tributary.aws.AwsRequest;
import io.tributary.aws.AwsResponses;
import io.tributary.aws.AwsWireFormat;
import io.tributary.aws.GatewayHeaders;
import io.tributary.ingest.service.PutRecordsDocument;
import io.tributary.ingest.service.PutRecordsService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Kinesis {@code PutRecord} and {@code PutRecords}: {@code POST /} with {@code X-Amz-Target:
 * Kinesis_20131202.PutRecord(s)}, in AWS JSON 1.1 or CBOR. Requests reach it through the gateway, which
 * authenticates them and names the caller's tenant in {@link GatewayHeaders#TENANT}.
 */
@Path("/")
public class KinesisResource {

    private static final Logger LOG = Logger.getLogger(KinesisResource.class);
    private static final String TARGET_PREFIX = "Kinesis_20131202.";
    private static final Pattern TENANT = Pattern.compile("[0-9]{12}");

    private final PutRecordsService puts;

    public KinesisResource(PutRecordsService puts) {
        this.puts = puts;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.WILDCARD)
    public Uni<Response> invoke(@HeaderParam("X-Amz-Target") String target,
                                @HeaderParam("Content-Type") String contentType,
                                @HeaderParam(GatewayHeaders.TENANT) String tenantId,
                                @HeaderParam(GatewayHeaders.REQUEST_ID) String requestId,
                                byte[] body) {
        String id = requestId == null || requestId.isBlank() ? UUID.randomUUID().toString() : requestId;
        AwsWireFormat format = AwsWireFormat.ofContentType(contentType);
        if (format == null) {
            return Uni.createFrom().item(error(AwsWireFormat.JSON, id, AwsException.serialization(
                    "Content-Type " + contentType + " is neither application/x-amz-json-1.1 nor application/x-amz-cbor-1.1")));
        }
        if (tenantId == null || !TENANT.matcher(tenantId).matches()) {
            return Uni.createFrom().item(error(format, id, new AwsException("MissingAuthenticationTokenException", 403,
                    "Missing Authentication Token: requests reach ingest-service through the gateway")));
        }
        Uni<? extends com.fasterxml.jackson.databind.JsonSerializable> result;
        try {
            String operation = target == null || !target.startsWith(TARGET_PREFIX) ? "" : target.substring(TARGET_PREFIX.length());
            result = switch (operation) {
                // PutRecords (up to 500 records, 5 MiB) is read token by token, not through a document tree.
                case "PutRecords" -> puts.putRecords(tenantId, PutRecordsDocument.parse(format, body));
                case "PutRecord" -> puts.putRecord(tenantId, AwsRequest.parse(format, body));
                default -> throw AwsException.unknownOperation("X-Amz-Target " + target
                        + " is not served by ingest-service (PutRecord, PutRecords)");
            };
        } catch (AwsException e) {
            return Uni.createFrom().item(error(format, id, e));
        }
        return result.map(document -> Response.ok(AwsResponses.write(format, document), format.contentType())
                        .header(GatewayHeaders.REQUEST_ID, id).build())
                .onFailure().recoverWithItem(t -> error(format, id, asAws(t)));
    }

    private static AwsException asAws(Throwable t) {
        if (t instanceof AwsException e) {
            return e;
        }
        LOG.warnf(t, "unexpected failure of a put request");
        return AwsException.internalFailure("internal failure; the request may be retried");
    }

    private static Response error(AwsWireFormat format, String requestId, AwsException e) {
        return Response.status(e.status()).entity(AwsResponses.error(format, e)).type(format.contentType())
                .header(GatewayHeaders.REQUEST_ID, requestId).header("x-amzn-ErrorType", e.type()).build();
    }
}
