package io.tributary.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * A request document of the AWS JSON protocols, read with the checks AWS applies before an operation
 * runs: a field of the wrong type is a {@code SerializationException}, a missing required field a
 * {@code ValidationException}. Absent and JSON {@code null} fields read as absent.
 */
public final class AwsRequest {

    private final AwsWireFormat format;
    private final ObjectNode document;

    private AwsRequest(AwsWireFormat format, ObjectNode document) {
        this.format = format;
        this.document = document;
    }

    /**
     * Parses a request body. An empty body is an empty document, as AWS treats it.
     *
     * @throws AwsException {@code SerializationException} when the body is not one document of the format
     */
    public static AwsRequest parse(AwsWireFormat format, byte[] body) {
        if (body == null || body.length == 0) {
            return new AwsRequest(format, format.mapper().createObjectNode());
        }
        JsonNode node;
        try {
            node = format.mapper().readTree(body);
        } catch (JsonProcessingException e) {
            throw AwsException.serialization("the request body is not valid " + format + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw AwsException.serialization("the request body could not be read: " + e.getMessage());
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            return new AwsRequest(format, format.mapper().createObjectNode());
        }
        if (!node.isObject()) {
            throw AwsException.serialization("the request body must be a " + format + " object");
        }
        return new AwsRequest(format, (ObjectNode) node);
    }

    /** Wraps a nested structure of a request. */
    private AwsRequest nested(ObjectNode node) {
        return new AwsRequest(format, node);
    }

    public AwsWireFormat format() {
        return format;
    }

    /** Whether the field is present and not null. */
    public boolean has(String field) {
        JsonNode n = document.get(field);
        return n != null && !n.isNull();
    }

    /** A string field, or {@code null} when absent. */
    public String string(String field) {
        JsonNode n = document.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw AwsException.serialization("field " + field + " must be a string");
        }
        return n.textValue();
    }

    /** A string field that must be present. */
    public String requiredString(String field) {
        String s = string(field);
        if (s == null) {
            throw AwsException.validation("1 validation error detected: Value null at '" + lowerFirst(field)
                    + "' failed to satisfy constraint: Member must not be null");
        }
        return s;
    }

    /** An integer field, or {@code null} when absent. */
    public Integer integer(String field) {
        JsonNode n = document.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw AwsException.serialization("field " + field + " must be an integer");
        }
        return n.intValue();
    }

    /** A boolean field, or {@code null} when absent. */
    public Boolean bool(String field) {
        JsonNode n = document.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isBoolean()) {
            throw AwsException.serialization("field " + field + " must be a boolean");
        }
        return n.booleanValue();
    }

    /**
     * A timestamp field in epoch milliseconds, or {@code null} when absent. JSON carries epoch seconds
     * (with an optional fraction) or, leniently, ISO-8601 text; CBOR carries epoch milliseconds.
     */
    public Long timestampMillis(String field) {
        JsonNode n = document.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isNumber()) {
            if (format == AwsWireFormat.CBOR && n.isIntegralNumber()) {
                return n.longValue();
            }
            BigDecimal seconds = n.decimalValue();
            return seconds.movePointRight(3).setScale(0, java.math.RoundingMode.DOWN).longValueExact();
        }
        if (n.isTextual()) {
            try {
                return Instant.parse(n.textValue()).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw AwsException.serialization("field " + field + " is not a timestamp: " + n.textValue());
            }
        }
        throw AwsException.serialization("field " + field + " must be a timestamp");
    }

    /** A blob field (base64 text in JSON, a byte string in CBOR), or {@code null} when absent. */
    public byte[] blob(String field) {
        JsonNode n = document.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isBinary() || n.isTextual()) {
            try {
                return n.binaryValue();
            } catch (IOException | IllegalArgumentException e) {
                throw AwsException.serialization("field " + field + " is not valid base64");
            }
        }
        throw AwsException.serialization("field " + field + " must be a blob");
    }

    /** A structure field, or {@code null} when absent. */
    public AwsRequest structure(String field) {
        JsonNode n = document.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw AwsException.serialization("field " + field + " must be a structure");
        }
        return nested((ObjectNode) n);
    }

    /** A list of structures, or {@code null} when absent. */
    public List<AwsRequest> structures(String field) {
        JsonNode n = document.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isArray()) {
            throw AwsException.serialization("field " + field + " must be a list");
        }
        List<AwsRequest> out = new ArrayList<>(n.size());
        for (JsonNode e : n) {
            if (!e.isObject()) {
                throw AwsException.serialization("the elements of " + field + " must be structures");
            }
            out.add(nested((ObjectNode) e));
        }
        return out;
    }

    /** A list of strings, or {@code null} when absent. */
    public List<String> strings(String field) {
        JsonNode n = document.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isArray()) {
            throw AwsException.serialization("field " + field + " must be a list");
        }
        List<String> out = new ArrayList<>(n.size());
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw AwsException.serialization("the elements of " + field + " must be strings");
            }
            out.add(e.textValue());
        }
        return out;
    }

    /** A map of strings to strings, or {@code null} when absent. */
    public java.util.Map<String, String> stringMap(String field) {
        JsonNode n = document.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw AwsException.serialization("field " + field + " must be a map");
        }
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        for (var it = n.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isTextual()) {
                throw AwsException.serialization("the values of " + field + " must be strings");
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    /** The member name as AWS validation messages spell it (lower camel case). */
    public static String lowerFirst(String field) {
        return field.isEmpty() ? field : Character.toLowerCase(field.charAt(0)) + field.substring(1);
    }
}
