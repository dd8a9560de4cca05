package io.tributary.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import com.fasterxml.jackson.core.JsonToken;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AwsWireTest {

    @Test
    void readsTheSameRequestFromJsonAndCbor() throws Exception {
        byte[] json = "{\"StreamName\":\"s\",\"Data\":\"AAEC/w==\",\"Limit\":25,\"Timestamp\":1732623456.789}"
                .getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CBORGenerator g = new CBORFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("StreamName", "s");
            g.writeFieldName("Data");
            g.writeBinary(new byte[]{0, 1, 2, (byte) 0xff});
            g.writeNumberField("Limit", 25);
            g.writeFieldName("Timestamp");
            g.writeTag(1);
            g.writeNumber(1732623456789L);
            g.writeEndObject();
        }
        for (AwsRequest r : new AwsRequest[]{AwsRequest.parse(AwsWireFormat.JSON, json),
                AwsRequest.parse(AwsWireFormat.CBOR, out.toByteArray())}) {
            assertEquals("s", r.string("StreamName"));
            assertArrayEquals(new byte[]{0, 1, 2, (byte) 0xff}, r.blob("Data"));
            assertEquals(25, r.integer("Limit"));
            assertEquals(1732623456789L, r.timestampMillis("Timestamp"));
            assertNull(r.string("Missing"));
        }
    }

    @Test
    void answersBadDocumentsWithAwsErrors() {
        AwsException notJson = assertThrows(AwsException.class,
                () -> AwsRequest.parse(AwsWireFormat.JSON, "{nope".getBytes(StandardCharsets.UTF_8)));
        assertEquals("SerializationException", notJson.type());
        AwsException notObject = assertThrows(AwsException.class, () -> AwsRequest.parse(AwsWireFormat.JSON,
                "[1]".getBytes(StandardCharsets.UTF_8)));
        assertEquals("SerializationException", notObject.type());
        assertNull(AwsRequest.parse(AwsWireFormat.CBOR, new byte[0]).string("StreamName"),
                "an empty body is an empty document");
        AwsRequest wrongType = AwsRequest.parse(AwsWireFormat.JSON, "{\"Limit\":\"ten\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals("SerializationException", assertThrows(AwsException.class, () -> wrongType.integer("Limit")).type());
        AwsException missing = assertThrows(AwsException.class, () -> wrongType.requiredString("StreamName"));
        assertEquals("ValidationException", missing.type());
        assertEquals(400, missing.status());
    }

    @Test
    void writesBinaryAndTimestampsAsEachFormatExpects() throws Exception {
        ObjectNode doc = AwsResponses.object();
        doc.put("Data", new byte[]{1, 2, 3});
        doc.set("ApproximateArrivalTimestamp", AwsResponses.timestamp(1732623456789L));

        JsonNode json = AwsWireFormat.JSON.mapper().readTree(AwsResponses.write(AwsWireFormat.JSON, doc));
        assertEquals("AQID", json.get("Data").textValue());
        assertEquals("1732623456.789", json.get("ApproximateArrivalTimestamp").decimalValue().toPlainString());

        byte[] cbor = AwsResponses.write(AwsWireFormat.CBOR, doc);
        try (CBORParser p = new CBORFactory().createParser(cbor)) {
            assertEquals(JsonToken.START_OBJECT, p.nextToken());
            p.nextToken();
            assertEquals(JsonToken.VALUE_EMBEDDED_OBJECT, p.nextToken());
            assertArrayEquals(new byte[]{1, 2, 3}, p.getBinaryValue());
            p.nextToken();
            assertEquals(JsonToken.VALUE_NUMBER_INT, p.nextToken());
            assertEquals(1, p.getCurrentTag());
            assertEquals(1732623456789L, p.getLongValue());
        }
    }

    @Test
    void recognisesContentTypes() {
        assertEquals(AwsWireFormat.JSON, AwsWireFormat.ofContentType("application/x-amz-json-1.1; charset=utf-8"));
        assertEquals(AwsWireFormat.CBOR, AwsWireFormat.ofContentType("application/x-amz-cbor-1.1"));
        assertNull(AwsWireFormat.ofContentType("text/plain"));
    }
}
