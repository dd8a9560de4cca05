package io.tributary.shard.api;

import io.tributary.aws.AwsException;
import io.tributary.shard.LogException;
import org.jboss.logging.Logger;

/** Maps the log's errors to the exceptions the Kinesis API answers with. */
final class KinesisErrors {

    private static final Logger LOG = Logger.getLogger(KinesisErrors.class);

    private KinesisErrors() {
    }

    static AwsException of(Throwable t) {
        if (t instanceof AwsException aws) {
            return aws;
        }
        if (t instanceof LogException e) {
            return switch (e.reason()) {
                case STREAM_NOT_FOUND, SHARD_NOT_FOUND, GROUP_NOT_FOUND -> AwsException.resourceNotFound(e.getMessage());
                case STREAM_ALREADY_EXISTS, STREAM_NOT_ACTIVE, LEASE_LOST -> AwsException.resourceInUse(e.getMessage());
                case INVALID_ARGUMENT, INVALID_PARTITION_KEY, INVALID_HASH_KEY, RECORD_TOO_LARGE, INVALID_POSITION,
                     WRONG_SHARD, SHARD_CLOSED -> AwsException.invalidArgument(e.getMessage());
                case LIMIT_EXCEEDED -> AwsException.limitExceeded(e.getMessage());
                case KEY_UNAVAILABLE -> new AwsException("KMSNotFoundException", 400, e.getMessage());
                case UNAVAILABLE, NOT_OWNER -> AwsException.serviceUnavailable(e.getMessage());
                case STORAGE_FAILURE -> AwsException.internalFailure(e.getMessage());
            };
        }
        LOG.warnf(t, "unexpected failure of a Kinesis API request");
        return AwsException.internalFailure("internal failure; the request may be retried");
    }
}
