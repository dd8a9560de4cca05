package io.tributary.aws;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An enhanced fan-out consumer as a {@code ConsumerARN} names it:
 * {@code arn:aws:kinesis:<region>:<account>:stream/<stream>/consumer/<name>:<creation epoch seconds>}. Like
 * stream ARNs, one of another account is not found: a tenant never reaches another tenant's consumers.
 */
public record KinesisConsumerAddress(KinesisStreamAddress stream, String name, long createdAtSeconds) {

    private static final Pattern ARN = Pattern.compile(
            "arn:aws[a-z-]*:kinesis:[a-z0-9-]+:([0-9]{12}):stream/([a-zA-Z0-9_.-]{1,128})/consumer/([a-zA-Z0-9_.-]{1,128}):([0-9]{1,20})");

    /**
     * The consumer a ConsumerARN names.
     *
     * @throws AwsException {@code InvalidArgumentException} for a malformed ARN, {@code ResourceNotFoundException}
     *                      for one of another account
     */
    public static KinesisConsumerAddress ofArn(String tenantId, String arn) {
        Matcher m = ARN.matcher(arn);
        if (!m.matches()) {
            throw AwsException.invalidArgument("'" + arn + "' is not the ARN of a stream consumer.");
        }
        if (!m.group(1).equals(tenantId)) {
            throw AwsException.resourceNotFound("Consumer " + arn + " not found.");
        }
        return new KinesisConsumerAddress(new KinesisStreamAddress(tenantId, m.group(2)), m.group(3), Long.parseLong(m.group(4)));
    }
}
