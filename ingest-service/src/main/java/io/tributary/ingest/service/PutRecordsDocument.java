package io.tributary.ingest.service;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import io.tributary.aws.AwsException;
import io.tributary.aws.AwsWireFormat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code PutRecords} request body read token by token, in AWS JSON 1.1 or CBOR: the stream it names and
 * the parts of each record, with no document tree in between (a request carries up to 500 records and
 * 5 MiB, and a tree holds a node, a map and a copy of the data per record).
 *
 * <p>It applies the same checks as every other request's reading ({@link io.tributary.aws.AwsRequest}): a
 * body that is not one document of its format, or a member of the wrong type, is a
 * {@code SerializationException}; absent and {@code null} members read as absent; members the operation
 * does not know are skipped; a member given twice keeps its last value. The limits of the operation are
 * checked afterwards by {@link PutRecordsService}.
 *
 * @param records the records in request order, or {@code null} when the member is absent
 */
public record PutRecordsDocument(String streamName, String streamArn, List<Part> records) {

    /** One record's members as sent; {@code null} where absent. */
    public record Part(String partitionKey, byte[] data, String explicitHashKey) {
    }

    /**
     * Reads a body. An empty body is an empty document, as AWS treats it.
     *
     * @throws AwsException {@code SerializationException} when the body is not a well-formed PutRecords document
     */
    public static PutRecordsDocument parse(AwsWireFormat format, byte[] body) {
        if (body == null || body.length == 0) {
            return new PutRecordsDocument(null, null, null);
        }
        try (JsonParser p = format.mapper().getFactory().createParser(body)) {
            JsonToken root = p.nextToken();
            if (root == null || root == JsonToken.VALUE_NULL) {
                return new PutRecordsDocument(null, null, null);
            }
            if (root != JsonToken.START_OBJECT) {
                throw AwsException.serialization("the request body must be a " + format + " object");
            }
            String streamName = null;
            String streamArn = null;
            List<Part> records = null;
            for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
                JsonToken value = p.nextToken();
                switch (field) {
                    case "StreamName" -> streamName = string(p, value, field);
                    case "StreamARN" -> streamArn = string(p, value, field);
                    case "Records" -> records = records(format, p, value);
                    default -> p.skipChildren();
                }
            }
            endOfObject(p);
            return new PutRecordsDocument(streamName, streamArn, records);
        } catch (StreamReadException e) {
            throw AwsException.serialization("the request body is not valid " + format + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw AwsException.serialization("the request body could not be read: " + e.getMessage());
        }
    }

    private static List<Part> records(AwsWireFormat format, JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value != JsonToken.START_ARRAY) {
            throw AwsException.serialization("field Records must be a list");
        }
        List<Part> records = new ArrayList<>();
        for (JsonToken element = p.nextToken(); element != JsonToken.END_ARRAY; element = p.nextToken()) {
            if (element == null) {
                throw AwsException.serialization("the request body ends inside Records");
            }
            if (element != JsonToken.START_OBJECT) {
                throw AwsException.serialization("the elements of Records must be structures");
            }
            records.add(record(format, p));
        }
        return records;
    }

    private static Part record(AwsWireFormat format, JsonParser p) throws IOException {
        String key = null;
        byte[] data = null;
        String explicit = null;
        for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
            JsonToken value = p.nextToken();
            switch (field) {
                case "PartitionKey" -> key = string(p, value, field);
                case "Data" -> data = blob(format, p, value, field);
                case "ExplicitHashKey" -> explicit = string(p, value, field);
                default -> p.skipChildren();
            }
        }
        endOfObject(p);
        return new Part(key, data, explicit);
    }

    /** After {@code nextFieldName} returned {@code null}: the object must have ended, not the input. */
    private static void endOfObject(JsonParser p) {
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw AwsException.serialization("the request body ends inside an object");
        }
    }

    private static String string(JsonParser p, JsonToken value, String field) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value != JsonToken.VALUE_STRING) {
            throw AwsException.serialization("field " + field + " must be a string");
        }
        return p.getText();
    }

    /** Base64 text in JSON, a byte string in CBOR (where base64 text is taken too, as the tree reading does). */
    private static byte[] blob(AwsWireFormat format, JsonParser p, JsonToken value, String field) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        try {
            if (value == JsonToken.VALUE_EMBEDDED_OBJECT || (value == JsonToken.VALUE_STRING && format == AwsWireFormat.JSON)) {
                return p.getBinaryValue();
            }
            if (value == JsonToken.VALUE_STRING) {
                return Base64Variants.getDefaultVariant().decode(p.getText());
            }
        } catch (StreamReadException | IllegalArgumentException e) {
            throw AwsException.serialization("field " + field + " is not valid base64");
        }
        throw AwsException.serialization("field " + field + " must be a blob");
    }
}
