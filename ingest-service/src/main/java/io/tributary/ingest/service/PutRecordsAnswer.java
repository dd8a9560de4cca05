package io.tributary.ingest.service;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;

import java.io.IOException;

/**
 * The answer to a PutRecords request, written straight to the JSON or CBOR generator: up to 500 entries
 * per request, so no document tree (an object node and a map per record) is built first.
 */
public record PutRecordsAnswer(RecordResult[] results, String encryptionType) implements JsonSerializable {

    /** Member names encoded once: every stored record's entry carries both. */
    private static final SerializedString SEQUENCE_NUMBER = new SerializedString("SequenceNumber");
    private static final SerializedString SHARD_ID = new SerializedString("ShardId");

    @Override
    public void serialize(JsonGenerator out, SerializerProvider provider) throws IOException {
        out.writeStartObject();
        out.writeFieldName("Records");
        out.writeStartArray(results, results.length);
        int failed = 0;
        // Records of one shard follow each other in batches: its id is encoded once per run of them.
        String shardId = null;
        SerializedString encodedShardId = null;
        for (RecordResult r : results) {
            out.writeStartObject();
            if (r.isStored()) {
                // Sequence numbers are ASCII digits: written as the acknowledgement carried them.
                byte[] sequenceNumber = r.sequenceNumberUtf8().toByteArray();
                out.writeFieldName(SEQUENCE_NUMBER);
                out.writeUTF8String(sequenceNumber, 0, sequenceNumber.length);
                if (!r.shardId().equals(shardId)) {
                    shardId = r.shardId();
                    encodedShardId = new SerializedString(shardId);
                }
                out.writeFieldName(SHARD_ID);
                out.writeString(encodedShardId);
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
