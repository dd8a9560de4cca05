package io.tributary.shard.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.tributary.protocol.v1.AppendRequest;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Taking an append request's encoded records without a copy where that is safe, with one otherwise. */
class ProtoMapperBytesTest {

    private static byte[] bytes(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    @Test
    void aFieldInAnArrayOfItsOwnIsTakenAsItIs() {
        byte[] array = bytes(1000, 1);
        assertSame(array, ProtoMapper.bytesOf(UnsafeByteOperations.unsafeWrap(array)));
    }

    @Test
    void aFieldParsedFromTheWireIsTakenAsItIs() throws Exception {
        byte[] records = bytes(70_000, 2);
        byte[] wire = AppendRequest.newBuilder().setEncodedRecords(ByteString.copyFrom(records)).build().toByteArray();
        AppendRequest parsed = AppendRequest.parseFrom(new java.io.ByteArrayInputStream(wire));
        byte[] taken = ProtoMapper.bytesOf(parsed.getEncodedRecords());
        assertArrayEquals(records, taken);
    }

    @Test
    void partOfALargerArrayIsCopied() {
        byte[] array = bytes(1000, 3);
        ByteString part = UnsafeByteOperations.unsafeWrap(array, 10, 500);
        byte[] taken = ProtoMapper.bytesOf(part);
        assertNotSame(array, taken);
        assertArrayEquals(java.util.Arrays.copyOfRange(array, 10, 510), taken);
    }

    @Test
    void piecesAndBuffersAreCopied() {
        byte[] a = bytes(300, 4);
        byte[] b = bytes(200, 5);
        ByteString rope = UnsafeByteOperations.unsafeWrap(a).concat(UnsafeByteOperations.unsafeWrap(b));
        byte[] joined = new byte[500];
        System.arraycopy(a, 0, joined, 0, 300);
        System.arraycopy(b, 0, joined, 300, 200);
        byte[] taken = ProtoMapper.bytesOf(rope);
        assertNotSame(a, taken);
        assertArrayEquals(joined, taken);

        ByteBuffer direct = ByteBuffer.allocateDirect(400);
        direct.put(bytes(400, 6)).flip();
        assertArrayEquals(bytes(400, 6), ProtoMapper.bytesOf(UnsafeByteOperations.unsafeWrap(direct)));
    }
}
