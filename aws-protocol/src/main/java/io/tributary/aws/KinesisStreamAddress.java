package io.tributary.aws;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stream a Kinesis request names, by {@code StreamName} or {@code StreamARN}. An ARN must name the
 * caller's own account: a tenant never reaches another tenant's streams, whatever ARN it sends.
 */
public record KinesisStreamAddress(String tenantId, String name) {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.-]+");
    private static final Pattern ARN = Pattern.compile("arn:aws[a-z-]*:kinesis:[a-z0-9-]+:([0-9]{12}):stream/([a-zA-Z0-9_.-]{1,128})");

    /**
     * The stream a request names.
     *
     * @throws AwsException when it names none, a malformed one, or one of another account
     */
    public static KinesisStreamAddress of(String tenantId, AwsRequest request) {
        return of(tenantId, request.string("StreamName"), request.string("StreamARN"));
    }

    /**
     * The stream named by a request's {@code StreamName} and {@code StreamARN} members, either of which may
     * be absent ({@code null}).
     *
     * @throws AwsException when it names none, a malformed one, or one of another account
     */
    public static KinesisStreamAddress of(String tenantId, String name, String arn) {
        if (name == null && arn == null) {
            throw AwsException.invalidArgument("Either StreamName or StreamARN should be provided.");
        }
        if (name != null) {
            checkName(name, "streamName");
        }
        if (arn == null) {
            return new KinesisStreamAddress(tenantId, name);
        }
        Matcher m = ARN.matcher(arn);
        if (arn.length() > 2048 || !m.matches()) {
            throw AwsException.validation("1 validation error detected: Value '" + arn
                    + "' at 'streamARN' failed to satisfy constraint: Member must satisfy regular expression pattern: "
                    + "arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+");
        }
        if (!m.group(1).equals(tenantId)) {
            throw AwsException.resourceNotFound("Stream " + m.group(2) + " under account " + m.group(1) + " not found.");
        }
        if (name != null && !name.equals(m.group(2))) {
            throw AwsException.invalidArgument("StreamName " + name + " and StreamARN " + arn + " name different streams.");
        }
        return new KinesisStreamAddress(tenantId, m.group(2));
    }

    /**
     * The stream a resource ARN names ({@code TagResource} and friends).
     *
     * @throws AwsException when it is not a stream ARN, or one of another account
     */
    public static KinesisStreamAddress ofArn(String tenantId, String arn, String member) {
        Matcher m = ARN.matcher(arn);
        if (arn.length() > 2048 || !m.matches()) {
            throw AwsException.invalidArgument("'" + arn + "' at '" + member + "' is not the ARN of a Kinesis stream.");
        }
        if (!m.group(1).equals(tenantId)) {
            throw AwsException.resourceNotFound("Stream " + m.group(2) + " under account " + m.group(1) + " not found.");
        }
        return new KinesisStreamAddress(tenantId, m.group(2));
    }

    /** Checks a stream name against the API's constraints; {@code member} names the field in messages. */
    public static void checkName(String name, String member) {
        if (name.isEmpty() || name.length() > 128) {
            throw AwsException.validation("1 validation error detected: Value '" + name + "' at '" + member
                    + "' failed to satisfy constraint: Member must have length between 1 and 128");
        }
        if (!NAME.matcher(name).matches()) {
            throw AwsException.validation("1 validation error detected: Value '" + name + "' at '" + member
                    + "' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
        }
    }
}
