package io.tributary.aws;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;

import java.util.Locale;

/**
 * The two body formats of the AWS JSON protocols: AWS JSON 1.1 and its CBOR twin, which the AWS SDK for
 * Java v2 uses for Kinesis by default. Both carry the same document; they differ in how binary data
 * (base64 text vs. byte strings) and timestamps (epoch seconds vs. tagged epoch milliseconds) are written.
 */
public enum AwsWireFormat {

    JSON("application/x-amz-json-1.1", new JsonFactory()),
    CBOR("application/x-amz-cbor-1.1", new CBORFactory());

    private final String contentType;
    private final ObjectMapper mapper;

    AwsWireFormat(String contentType, JsonFactory factory) {
        this.contentType = contentType;
        this.mapper = new ObjectMapper(factory)
                .registerModule(new SimpleModule("aws-timestamps").addSerializer(AwsTimestamp.class, new AwsTimestamp.Serializer()));
    }

    /** The media type of this format. */
    public String contentType() {
        return contentType;
    }

    /** The mapper reading and writing this format. */
    public ObjectMapper mapper() {
        return mapper;
    }

    /**
     * The format of a request by its {@code Content-Type}; AWS JSON 1.0/1.1 and plain JSON are JSON.
     *
     * @return the format, or {@code null} when the media type is neither
     */
    public static AwsWireFormat ofContentType(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return JSON; // the AWS CLI and most SDKs always send one; a bare request is read as JSON
        }
        String type = contentType.toLowerCase(Locale.ROOT);
        int semicolon = type.indexOf(';');
        if (semicolon >= 0) {
            type = type.substring(0, semicolon);
        }
        type = type.trim();
        return switch (type) {
            case "application/x-amz-json-1.1", "application/x-amz-json-1.0", "application/json" -> JSON;
            case "application/x-amz-cbor-1.1", "application/cbor" -> CBOR;
            default -> null;
        };
    }
}
