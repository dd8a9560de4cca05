package io.tributary.aws;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * One message of the {@code application/vnd.amazon.eventstream} framing (SubscribeToShard's responses):
 * a prelude (total length, headers length, CRC32 of those eight bytes), string headers, the payload, and a
 * CRC32 of everything before it. All integers are big-endian.
 */
public final class EventStreamMessage {

    private static final byte STRING_HEADER = 7;

    private EventStreamMessage() {
    }

    /** An event: {@code :message-type event}, its {@code :event-type}, and a payload in {@code contentType}. */
    public static byte[] event(String eventType, String contentType, byte[] payload) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":message-type", "event");
        headers.put(":event-type", eventType);
        headers.put(":content-type", contentType);
        return encode(headers, payload);
    }

    /** An exception event: {@code :message-type exception}, its {@code :exception-type}, and a message payload. */
    public static byte[] exception(String exceptionType, String contentType, byte[] payload) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":message-type", "exception");
        headers.put(":exception-type", exceptionType);
        headers.put(":content-type", contentType);
        return encode(headers, payload);
    }

    /** A message with string headers. */
    public static byte[] encode(Map<String, String> headers, byte[] payload) {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        for (Map.Entry<String, String> e : headers.entrySet()) {
            byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] value = e.getValue().getBytes(StandardCharsets.UTF_8);
            if (name.length > 255 || value.length > 65_535) {
                throw new IllegalArgumentException("header " + e.getKey() + " is too long for the event stream framing");
            }
            h.write(name.length);
            h.writeBytes(name);
            h.write(STRING_HEADER);
            h.write(value.length >>> 8);
            h.write(value.length & 0xff);
            h.writeBytes(value);
        }
        byte[] headerBytes = h.toByteArray();
        int total = 12 + headerBytes.length + payload.length + 4;
        ByteBuffer b = ByteBuffer.allocate(total);
        b.putInt(total);
        b.putInt(headerBytes.length);
        b.putInt(crc(b.array(), 0, 8));
        b.put(headerBytes);
        b.put(payload);
        b.putInt(crc(b.array(), 0, total - 4));
        return b.array();
    }

    private static int crc(byte[] bytes, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }
}
