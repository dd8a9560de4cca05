package io.tributary.ingest.service;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.aws.AwsException;
import io.tributary.aws.AwsRequest;
import io.tributary.aws.AwsWireFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The token-by-token reading of PutRecords bodies gives what the document-tree reading of every other
 * request gives: the same members for well-formed bodies, a {@code SerializationException} for the rest.
 */
class PutRecordsDocumentTest {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static byte[] bytes(AwsWireFormat format, ObjectNode document) throws Exception {
        return format.mapper().writeValueAsBytes(document);
    }

    /** The members as the tree reading sees them. */
    private static PutRecordsDocument viaTree(AwsWireFormat format, byte[] body) {
        AwsRequest request = AwsRequest.parse(format, body);
        List<AwsRequest> records = request.structures("Records");
        List<PutRecordsDocument.Part> parts = null;
        if (records != null) {
            parts = new ArrayList<>();
            for (AwsRequest r : records) {
                parts.add(new PutRecordsDocument.Part(r.string("PartitionKey"), r.blob("Data"), r.string("ExplicitHashKey")));
            }
        }
        return new PutRecordsDocument(request.string("StreamName"), request.string("StreamARN"), parts);
    }

    private static void assertSame(PutRecordsDocument expected, PutRecordsDocument actual) {
        assertEquals(expected.streamName(), actual.streamName());
        assertEquals(expected.streamArn(), actual.streamArn());
        if (expected.records() == null) {
            assertNull(actual.records());
            return;
        }
        assertEquals(expected.records().size(), actual.records().size());
        for (int i = 0; i < expected.records().size(); i++) {
            var e = expected.records().get(i);
            var a = actual.records().get(i);
            assertEquals(e.partitionKey(), a.partitionKey(), "key of record " + i);
            assertArrayEquals(e.data(), a.data(), "data of record " + i);
            assertEquals(e.explicitHashKey(), a.explicitHashKey(), "explicit hash key of record " + i);
        }
    }

    private static ObjectNode record(AwsWireFormat format, String key, byte[] data) {
        ObjectNode r = NODES.objectNode().put("PartitionKey", key);
        if (format == AwsWireFormat.CBOR) {
            r.put("Data", data);
        } else {
            r.put("Data", java.util.Base64.getEncoder().encodeToString(data));
        }
        return r;
    }

    @ParameterizedTest
    @EnumSource(AwsWireFormat.class)
    void readsWellFormedBodiesAsTheTreeReadingDoes(AwsWireFormat format) throws Exception {
        Random random = new Random(7);
        List<Consumer<ObjectNode>> shapes = List.of(
                doc -> {
                },
                doc -> doc.put("StreamARN", "arn:aws:kinesis:us-east-1:000000000042:stream/s"),
                doc -> doc.putNull("StreamName"),
                doc -> doc.putNull("Records"),
                doc -> doc.remove("Records"),
                // members the operation does not know, nested ones too, are skipped
                doc -> doc.set("Unknown", NODES.objectNode().set("deep", NODES.arrayNode().add(1).add(NODES.objectNode().put("x", "y")))),
                doc -> ((ObjectNode) doc.get("Records").get(0)).put("Other", 5).set("List", NODES.arrayNode().add("a")),
                doc -> ((ObjectNode) doc.get("Records").get(1)).put("ExplicitHashKey", "12345"),
                doc -> ((ObjectNode) doc.get("Records").get(1)).putNull("ExplicitHashKey"),
                doc -> ((ObjectNode) doc.get("Records").get(0)).putNull("Data"),
                doc -> ((ObjectNode) doc.get("Records").get(0)).remove("PartitionKey"),
                doc -> ((ArrayNode) doc.get("Records")).removeAll());
        for (Consumer<ObjectNode> shape : shapes) {
            ObjectNode doc = NODES.objectNode().put("StreamName", "s");
            ArrayNode records = doc.putArray("Records");
            for (int i = 0; i < 500; i++) {
                byte[] data = new byte[random.nextInt(2048)];
                random.nextBytes(data);
                records.add(record(format, "key-\u00e9-" + i, data));
            }
            shape.accept(doc);
            byte[] body = bytes(format, doc);
            assertSame(viaTree(format, body), PutRecordsDocument.parse(format, body));
        }
    }

    @ParameterizedTest
    @EnumSource(AwsWireFormat.class)
    void emptyAndNullBodiesAreEmptyDocuments(AwsWireFormat format) throws Exception {
        PutRecordsDocument empty = PutRecordsDocument.parse(format, new byte[0]);
        assertNull(empty.streamName());
        assertNull(empty.records());
        assertNull(PutRecordsDocument.parse(format, format.mapper().writeValueAsBytes(NODES.nullNode())).records());
    }

    @ParameterizedTest
    @EnumSource(AwsWireFormat.class)
    void aMemberGivenTwiceKeepsItsLastValue(AwsWireFormat format) throws Exception {
        String json = "{\"StreamName\":\"first\",\"Records\":[{\"PartitionKey\":\"a\",\"Data\":\"AQ==\"}],"
                + "\"StreamName\":\"second\",\"Records\":[{\"PartitionKey\":\"b\",\"PartitionKey\":\"c\",\"Data\":\"Ag==\"}]}";
        byte[] body = format == AwsWireFormat.JSON ? json.getBytes(StandardCharsets.UTF_8)
                : AwsWireFormat.CBOR.mapper().writeValueAsBytes(AwsWireFormat.JSON.mapper().readTree(json));
        PutRecordsDocument d = PutRecordsDocument.parse(format, body);
        assertEquals("second", d.streamName());
        assertEquals(1, d.records().size());
        assertEquals("c", d.records().get(0).partitionKey());
        assertArrayEquals(new byte[] {2}, d.records().get(0).data());
    }

    @ParameterizedTest
    @EnumSource(AwsWireFormat.class)
    void membersOfTheWrongTypeAreSerializationErrorsAsInTheTreeReading(AwsWireFormat format) throws Exception {
        List<Consumer<ObjectNode>> wrong = List.of(
                doc -> doc.put("StreamName", 5),
                doc -> doc.set("StreamARN", NODES.objectNode()),
                doc -> doc.put("Records", "x"),
                doc -> doc.set("Records", NODES.objectNode()),
                doc -> ((ArrayNode) doc.get("Records")).add(3),
                doc -> ((ArrayNode) doc.get("Records")).addNull(),
                doc -> ((ObjectNode) doc.get("Records").get(0)).put("PartitionKey", 1),
                doc -> ((ObjectNode) doc.get("Records").get(0)).put("Data", 12),
                doc -> ((ObjectNode) doc.get("Records").get(0)).set("Data", NODES.arrayNode()),
                doc -> ((ObjectNode) doc.get("Records").get(0)).put("Data", "not base64!"),
                doc -> ((ObjectNode) doc.get("Records").get(0)).put("ExplicitHashKey", 17));
        for (Consumer<ObjectNode> shape : wrong) {
            ObjectNode doc = NODES.objectNode().put("StreamName", "s");
            doc.putArray("Records").add(record(format, "k", new byte[] {1, 2, 3}));
            shape.accept(doc);
            byte[] body = bytes(format, doc);
            AwsException tree = assertThrows(AwsException.class, () -> viaTree(format, body), doc::toString);
            AwsException streamed = assertThrows(AwsException.class, () -> PutRecordsDocument.parse(format, body), doc::toString);
            assertEquals("SerializationException", tree.type());
            assertEquals(tree.type(), streamed.type(), doc::toString);
            assertEquals(tree.getMessage(), streamed.getMessage(), doc::toString);
        }
    }

    @ParameterizedTest
    @EnumSource(AwsWireFormat.class)
    void bodiesThatAreNotOneObjectAreSerializationErrors(AwsWireFormat format) throws Exception {
        ObjectNode doc = NODES.objectNode().put("StreamName", "s");
        doc.putArray("Records").add(record(format, "k", new byte[100]));
        byte[] whole = bytes(format, doc);
        // every truncation of a valid body
        for (int length = 1; length < whole.length; length++) {
            byte[] cut = java.util.Arrays.copyOf(whole, length);
            AwsException e = assertThrows(AwsException.class, () -> PutRecordsDocument.parse(format, cut), "cut at " + length);
            assertEquals("SerializationException", e.type(), "cut at " + length);
        }
        byte[] array = format.mapper().writeValueAsBytes(NODES.arrayNode().add(1));
        assertEquals("SerializationException", assertThrows(AwsException.class, () -> PutRecordsDocument.parse(format, array)).type());
        byte[] text = format.mapper().writeValueAsBytes(NODES.textNode("x"));
        assertEquals("SerializationException", assertThrows(AwsException.class, () -> PutRecordsDocument.parse(format, text)).type());
    }
}
