package io.tributary.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;

/**
 * Builds and writes response documents. Documents are built once as a tree and written in the format of
 * the request: binary values become base64 text in JSON and byte strings in CBOR, timestamps go through
 * {@link AwsTimestamp}.
 */
public final class AwsResponses {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private AwsResponses() {
    }

    /** A new, empty document. */
    public static ObjectNode object() {
        return NODES.objectNode();
    }

    /** A timestamp value for a response document. */
    public static JsonNode timestamp(long epochMillis) {
        return new POJONode(new AwsTimestamp(epochMillis));
    }

    /**
     * Writes a document in a format: a tree, or anything that writes itself field by field (large answers,
     * without a node per field).
     */
    public static byte[] write(AwsWireFormat format, com.fasterxml.jackson.databind.JsonSerializable document) {
        try {
            return format.mapper().writeValueAsBytes(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a response document could not be written", e);
        }
    }

    /** The body of an error: {@code {"__type": type, "message": message}}. */
    public static byte[] error(AwsWireFormat format, AwsException error) {
        ObjectNode body = object();
        body.put("__type", error.type());
        body.put("message", error.getMessage() == null ? "" : error.getMessage());
        return write(format, body);
    }
}
