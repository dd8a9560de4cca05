package io.tributary.shard.grpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tributary.protocol.v1.Error;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.shard.LogException;
import org.jboss.logging.Logger;

/** Maps the log's errors to gRPC: a status with the error code in trailers, or an {@link Error} message. */
final class GrpcErrors {

    /** Trailer carrying the {@link ErrorCode} name of a failed unary call. */
    static final Metadata.Key<String> ERROR_CODE = Metadata.Key.of("tributary-error-code", Metadata.ASCII_STRING_MARSHALLER);

    private static final Logger LOG = Logger.getLogger(GrpcErrors.class);

    private GrpcErrors() {
    }

    static LogException asLogException(Throwable t) {
        if (t instanceof LogException le) {
            return le;
        }
        LOG.warnf(t, "unexpected failure");
        return new LogException(LogException.Reason.STORAGE_FAILURE, "internal failure: " + t.getMessage());
    }

    static ErrorCode code(LogException.Reason reason) {
        return ErrorCode.valueOf(reason.name());
    }

    static Error error(Throwable t) {
        LogException e = asLogException(t);
        return Error.newBuilder().setCode(code(e.reason())).setMessage(e.getMessage()).build();
    }

    static StatusRuntimeException status(Throwable t) {
        if (t instanceof StatusRuntimeException sre) {
            return sre;
        }
        LogException e = asLogException(t);
        Status status = switch (e.reason()) {
            case STREAM_NOT_FOUND, SHARD_NOT_FOUND, GROUP_NOT_FOUND -> Status.NOT_FOUND;
            case STREAM_ALREADY_EXISTS -> Status.ALREADY_EXISTS;
            case INVALID_ARGUMENT, INVALID_PARTITION_KEY, INVALID_HASH_KEY, RECORD_TOO_LARGE, INVALID_POSITION ->
                    Status.INVALID_ARGUMENT;
            case STREAM_NOT_ACTIVE, WRONG_SHARD, SHARD_CLOSED, LEASE_LOST, KEY_UNAVAILABLE -> Status.FAILED_PRECONDITION;
            case LIMIT_EXCEEDED -> Status.RESOURCE_EXHAUSTED;
            case UNAVAILABLE, STORAGE_FAILURE, NOT_OWNER -> Status.UNAVAILABLE;
        };
        Metadata trailers = new Metadata();
        trailers.put(ERROR_CODE, code(e.reason()).name());
        return status.withDescription(e.getMessage()).asRuntimeException(trailers);
    }
}
