package io.tributary.ingest.service;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;

import java.io.IOException;

/**
 * The answer to a PutRecords request, written straight to the JSON or CBOR generator: up to 500 entries
 * per request, so no document tree (an object node and a map per record) is built first.
 */
public record PutRecordsAnswer(RecordResult[] results, String encryptionType) implements JsonSerializable {

    @Override
    public void serialize(JsonGenerator out, SerializerProvider provider) throws IOException {
        out.writeStartObject();
        out.writeFieldName("Records");
        out.writeStartArray(results, results.length);
        int failed = 0;
        for (RecordResult r : results) {
            out.writeStartObject();
            if (r.isStored()) {
                out.writeStringField("SequenceNumber", r.sequenceNumber());
                out.writeStringField("ShardId", r.shardId());
            } else {
                failed++;
                out.writeStringField("ErrorCode", r.errorCode());
                out.writeStringField("ErrorMessage", r.errorMessage());
            }
            out.writeEndObject();
        }
        out.writeEndArray();
        out.writeNumberField("FailedRecordCount", failed);
        out.writeStringField("EncryptionType", encryptionType);
        out.writeEndObject();
    }

    @Override
    public void serializeWithType(JsonGenerator out, SerializerProvider provider, TypeSerializer typeSer) throws IOException {
        serialize(out, provider);
    }
}
