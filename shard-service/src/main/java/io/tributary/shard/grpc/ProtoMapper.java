package io.tributary.shard.grpc;

import io.tributary.batch.RecordBatchWriter;
import io.tributary.protocol.v1.AppendRequest;
import io.tributary.protocol.v1.Position;
import io.tributary.protocol.v1.PositionType;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.Shard;
import io.tributary.protocol.v1.StoredRecord;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.protocol.v1.StreamRef;
import io.tributary.protocol.v1.StreamStatus;
import io.tributary.shard.AppendBatch;
import io.tributary.shard.LogRecord;
import io.tributary.shard.ReadResult;
import io.tributary.shard.SequenceNumbers;
import io.tributary.shard.ShardIds;
import io.tributary.shard.ShardInfo;
import io.tributary.shard.StreamInfo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/** Maps between the wire types of the internal API and the log's domain types. */
final class ProtoMapper {

    private ProtoMapper() {
    }

    /**
     * The bytes of a field, without a copy when the parsed message holds them in an array of their own
     * (as the gRPC marshaller's parse does for a {@code bytes} field); a copy otherwise. The request is
     * dropped once mapped and the log never writes into a batch's bytes, so sharing the array is safe. A
     * batch is up to megabytes, and this copy was a measurable part of the append path's CPU.
     */
    static byte[] bytesOf(com.google.protobuf.ByteString field) {
        byte[][] whole = new byte[1][];
        try {
            com.google.protobuf.UnsafeByteOperations.unsafeWriteTo(field, new com.google.protobuf.ByteOutput() {
                @Override
                public void write(byte value) {
                    whole[0] = null;
                }

                @Override
                public void write(byte[] value, int offset, int length) {
                    whole[0] = null;
                }

                @Override
                public void writeLazy(byte[] value, int offset, int length) {
                    whole[0] = offset == 0 && length == value.length && length == field.size() ? value : null;
                }

                @Override
                public void write(java.nio.ByteBuffer value) {
                    whole[0] = null;
                }

                @Override
                public void writeLazy(java.nio.ByteBuffer value) {
                    whole[0] = null;
                }
            });
        } catch (java.io.IOException e) {
            whole[0] = null;
        }
        return whole[0] != null ? whole[0] : field.toByteArray();
    }

    /**
     * The batch of an append request: its encoded records as they are, or its record messages encoded.
     *
     * @throws io.tributary.shard.LogException when the request has both forms, or a record message form
     *                                         batch too large to encode
     */
    static AppendBatch appendBatch(AppendRequest request) {
        boolean encoded = !request.getEncodedRecords().isEmpty();
        if (encoded && request.getRecordsCount() > 0) {
            throw new io.tributary.shard.LogException(io.tributary.shard.LogException.Reason.INVALID_ARGUMENT,
                    "an append request carries records or encoded_records, not both");
        }
        if (encoded) {
            return new AppendBatch(bytesOf(request.getEncodedRecords()), request.getExplicitHashKeysList());
        }
        if (request.getRecordsCount() == 0) {
            throw new io.tributary.shard.LogException(io.tributary.shard.LogException.Reason.INVALID_ARGUMENT,
                    "a batch must hold at least one record");
        }
        if (request.getExplicitHashKeysCount() > 0) {
            throw new io.tributary.shard.LogException(io.tributary.shard.LogException.Reason.INVALID_ARGUMENT,
                    "explicit_hash_keys go with encoded_records; records carry their own explicit_hash_key");
        }
        long size = 0;
        for (Record r : request.getRecordsList()) {
            size += r.getData().size() + 3L * r.getPartitionKey().length() + 10;
        }
        if (size > Integer.MAX_VALUE - 64) {
            throw new io.tributary.shard.LogException(io.tributary.shard.LogException.Reason.LIMIT_EXCEEDED,
                    "a batch of " + size + " bytes is too large");
        }
        RecordBatchWriter writer = new RecordBatchWriter((int) size);
        List<String> explicit = null;
        for (int i = 0; i < request.getRecordsCount(); i++) {
            Record r = request.getRecords(i);
            byte[] key = r.getPartitionKey().getBytes(StandardCharsets.UTF_8);
            writer.add(key, 0, key.length, r.getData().asReadOnlyByteBuffer());
            if (!r.getExplicitHashKey().isEmpty()) {
                if (explicit == null) {
                    explicit = new ArrayList<>(Collections.nCopies(request.getRecordsCount(), ""));
                }
                explicit.set(i, r.getExplicitHashKey());
            }
        }
        return new AppendBatch(writer.finish(), explicit == null ? List.of() : explicit);
    }

    static io.tributary.shard.Position position(Position p) {
        io.tributary.shard.Position.Type type = switch (p.getType()) {
            case TRIM_HORIZON -> io.tributary.shard.Position.Type.TRIM_HORIZON;
            case LATEST -> io.tributary.shard.Position.Type.LATEST;
            case AT_SEQUENCE_NUMBER -> io.tributary.shard.Position.Type.AT_SEQUENCE_NUMBER;
            case AFTER_SEQUENCE_NUMBER -> io.tributary.shard.Position.Type.AFTER_SEQUENCE_NUMBER;
            case AT_TIMESTAMP -> io.tributary.shard.Position.Type.AT_TIMESTAMP;
            case UNRECOGNIZED -> throw new io.tributary.shard.LogException(
                    io.tributary.shard.LogException.Reason.INVALID_ARGUMENT, "unknown position type");
        };
        return new io.tributary.shard.Position(type, p.getSequenceNumber(), p.getTimestampMillis());
    }

    static Position continuation(ReadResult r) {
        return Position.newBuilder().setType(PositionType.AFTER_SEQUENCE_NUMBER)
                .setSequenceNumber(r.continuationSequenceNumber()).build();
    }

    static StoredRecord record(LogRecord r, int shardIndex) {
        return StoredRecord.newBuilder()
                .setSequenceNumberBytes(SequenceNumbers.formatBytes(r.position(), shardIndex))
                .setPartitionKeyBytes(r.partitionKey())
                .setData(r.data())
                .setArrivalTimestampMillis(r.arrivalMillis())
                .build();
    }

    static java.util.List<StoredRecord> records(ReadResult result) {
        int index = result.shard().index();
        java.util.List<StoredRecord> out = new java.util.ArrayList<>(result.records().size());
        for (LogRecord r : result.records()) {
            out.add(record(r, index));
        }
        return out;
    }

    static Shard shard(ShardInfo s) {
        Shard.Builder b = Shard.newBuilder()
                .setShardId(s.shardId())
                .setStartingHashKey(s.hashKeyRange().start().toString())
                .setEndingHashKey(s.hashKeyRange().end().toString())
                .setStartingSequenceNumber(SequenceNumbers.format(s.startingPosition(), s.index()));
        if (s.parentIndex() >= 0) {
            b.setParentShardId(ShardIds.format(s.parentIndex()));
        }
        if (s.adjacentParentIndex() >= 0) {
            b.setAdjacentParentShardId(ShardIds.format(s.adjacentParentIndex()));
        }
        if (!s.isOpen()) {
            b.setEndingSequenceNumber(SequenceNumbers.format(s.endingPosition(), s.index()));
        }
        return b.build();
    }

    static StreamDescription description(StreamInfo info, String region) {
        StreamDescription.Builder b = StreamDescription.newBuilder()
                .setStream(StreamRef.newBuilder().setTenantId(info.tenantId()).setStreamName(info.name()))
                .setStreamArn(info.arn(region))
                .setStatus(StreamStatus.valueOf(info.status().name()))
                .setRetentionPeriodHours(info.retentionHours())
                .setMaxRecordSizeBytes(info.maxRecordSizeBytes())
                .setKinesisShardQuotas(info.kinesisShardQuotas())
                .setEncryptionType(info.encryptionKeyId() != null ? "KMS" : "NONE")
                .setKeyId(info.encryptionKeyId() == null ? "" : info.encryptionKeyId())
                .setCreatedAtMillis(info.createdAtMillis());
        int open = 0;
        for (ShardInfo s : info.shards().stream()
                .sorted(Comparator.comparing((ShardInfo s) -> !s.isOpen()).thenComparing(s -> s.hashKeyRange().start()))
                .toList()) {
            b.addShards(shard(s));
            if (s.isOpen()) {
                open++;
            }
        }
        return b.setOpenShardCount(open).build();
    }
}
