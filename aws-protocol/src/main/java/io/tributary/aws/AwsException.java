package io.tributary.aws;

/**
 * An error answered in the AWS shape: {@code {"__type": "<type>", "message": "..."}} with an HTTP status,
 * in the request's wire format. The type is the exception name clients map to their exception classes
 * ({@code ResourceNotFoundException} becomes the SDK's {@code ResourceNotFoundException}).
 */
public class AwsException extends RuntimeException {

    private final String type;
    private final int status;

    public AwsException(String type, int status, String message) {
        super(message, null, false, false);
        this.type = type;
        this.status = status;
    }

    /** The AWS exception name, for example {@code ResourceNotFoundException}. */
    public String type() {
        return type;
    }

    /** The HTTP status AWS answers this error with. */
    public int status() {
        return status;
    }

    /** A body that is not valid JSON or CBOR, or whose fields have the wrong types. */
    public static AwsException serialization(String message) {
        return new AwsException("SerializationException", 400, message);
    }

    /** A field that breaks a constraint of the API model (length, pattern, range). */
    public static AwsException validation(String message) {
        return new AwsException("ValidationException", 400, message);
    }

    /** A request that is well-formed but not acceptable (Kinesis's {@code InvalidArgumentException}). */
    public static AwsException invalidArgument(String message) {
        return new AwsException("InvalidArgumentException", 400, message);
    }

    public static AwsException resourceNotFound(String message) {
        return new AwsException("ResourceNotFoundException", 400, message);
    }

    public static AwsException resourceInUse(String message) {
        return new AwsException("ResourceInUseException", 400, message);
    }

    public static AwsException limitExceeded(String message) {
        return new AwsException("LimitExceededException", 400, message);
    }

    /** An {@code X-Amz-Target} naming no operation of the service. */
    public static AwsException unknownOperation(String message) {
        return new AwsException("UnknownOperationException", 400, message);
    }

    /** A failure of the service itself; the request may be retried. */
    public static AwsException internalFailure(String message) {
        return new AwsException("InternalFailure", 500, message);
    }

    /** The service is saturated or unavailable for a moment; the request may be retried. */
    public static AwsException serviceUnavailable(String message) {
        return new AwsException("ServiceUnavailable", 503, message);
    }
}
