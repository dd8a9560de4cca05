package io.tributary.ingest.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.smallrye.mutiny.Uni;
import io.tributary.aws.AwsException;
import io.tributary.aws.AwsRequest;
import io.tributary.aws.AwsResponses;
import io.tributary.aws.KinesisStreamAddress;
import io.tributary.ingest.ShardMap;
import io.tributary.protocol.v1.ErrorCode;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Kinesis {@code PutRecord} and {@code PutRecords}: validation with Kinesis's limits, routing of each
 * record to the open shard whose hash key range holds the MD5 of its partition key (or its explicit hash
 * key), admission against the in-flight budget, and the per-record answer once shard-service committed
 * (or refused) each record's batch.
 *
 * <p>A request is checked and admitted as a whole: a malformed record, a record over the stream's size
 * limit or a full budget refuses the request before anything is written. Once admitted, records of
 * different shards travel in different batches, so a PutRecords answer may mix stored and failed records
 * ({@code FailedRecordCount}), as in Kinesis.
 */
@ApplicationScoped
public class PutRecordsService {

    /** Kinesis's limits. */
    static final int MAX_RECORDS_PER_REQUEST = 500;
    static final long MAX_REQUEST_BYTES = 5L * 1024 * 1024;
    static final int MAX_DATA_BYTES = 10 * 1024 * 1024;
    private static final Pattern HASH_KEY = Pattern.compile("0|([1-9]\\d{0,38})");
    private static final Pattern SEQUENCE_NUMBER = Pattern.compile("0|([1-9]\\d{0,128})");
    private static final BigInteger MAX_HASH_KEY = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
    private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides MD5", e);
        }
    });

    private final ShardMaps shardMaps;
    private final ShardBatchers batchers;
    private final InFlightBudget budget;
    private final ShardQuotas shardQuotas;
    private final LongCounter throttled;
    private final LongCounter incomingRecords;

    public PutRecordsService(ShardMaps shardMaps, ShardBatchers batchers, InFlightBudget budget, ShardQuotas shardQuotas,
                             Meter meter) {
        this.shardQuotas = shardQuotas;
        this.shardMaps = shardMaps;
        this.batchers = batchers;
        this.budget = budget;
        this.throttled = meter.counterBuilder("tributary.ingest.throttled.requests")
                .setDescription("Put requests refused because the in-flight budget was full").setUnit("{request}").build();
        this.incomingRecords = meter.counterBuilder("tributary.ingest.incoming.records")
                .setDescription("Records admitted by Put requests").setUnit("{record}").build();
    }

    /** One record of a request, checked by {@link #entry}. */
    public record Entry(byte[] key, byte[] data, String explicitHashKey) {
        long bytes() {
            return (long) key.length + data.length;
        }
    }

    /**
     * Checks one record's parts with Kinesis's limits.
     *
     * @param member how messages name the record, e.g. {@code records.3.member.}
     * @throws AwsException {@code ValidationException} or {@code InvalidArgumentException}
     */
    public static Entry entry(String key, byte[] data, String explicit, String member) {
        if (data == null) {
            throw AwsException.validation("1 validation error detected: Value null at '" + member
                    + "data' failed to satisfy constraint: Member must not be null");
        }
        if (data.length > MAX_DATA_BYTES) {
            throw AwsException.validation("1 validation error detected: Value at '" + member
                    + "data' failed to satisfy constraint: Member must have length less than or equal to " + MAX_DATA_BYTES);
        }
        if (key == null) {
            throw AwsException.validation("1 validation error detected: Value null at '" + member
                    + "partitionKey' failed to satisfy constraint: Member must not be null");
        }
        int chars = key.codePointCount(0, key.length());
        if (chars < 1 || chars > 256) {
            throw AwsException.validation("1 validation error detected: Value '" + key + "' at '" + member
                    + "partitionKey' failed to satisfy constraint: Member must have length between 1 and 256");
        }
        if (explicit != null) {
            if (!HASH_KEY.matcher(explicit).matches()) {
                throw AwsException.validation("1 validation error detected: Value '" + explicit + "' at '" + member
                        + "explicitHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})");
            }
            if (new BigInteger(explicit).compareTo(MAX_HASH_KEY) > 0) {
                throw AwsException.invalidArgument("Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was "
                        + explicit);
            }
        }
        return new Entry(key.getBytes(StandardCharsets.UTF_8), data, explicit);
    }

    /**
     * Routes, admits and appends checked records; the results come in request order.
     *
     * @throws AwsException (as a failure) when the whole request is refused: unknown stream, a record over
     *                      the stream's size, or a full budget ({@code ProvisionedThroughputExceededException})
     */
    public Uni<RecordResult[]> putEntries(KinesisStreamAddress stream, List<Entry> entries) {
        long total = 0;
        for (Entry e : entries) {
            total += e.bytes();
        }
        if (entries.isEmpty() || entries.size() > MAX_RECORDS_PER_REQUEST) {
            return Uni.createFrom().failure(AwsException.validation("a request carries 1 to " + MAX_RECORDS_PER_REQUEST
                    + " records, not " + entries.size()));
        }
        if (total > MAX_REQUEST_BYTES) {
            return Uni.createFrom().failure(AwsException.invalidArgument("Records size " + total
                    + " bytes exceeds the limit of " + MAX_REQUEST_BYTES + " bytes (data plus partition keys of all records of a request)."));
        }
        return put(stream, entries);
    }

    public Uni<ObjectNode> putRecord(String tenantId, AwsRequest request) {
        // The request's members are checked before the stream it names, as AWS validates a request's
        // shape (ValidationException) before the operation looks at it.
        Entry entry = entry(request, "");
        KinesisStreamAddress stream = KinesisStreamAddress.of(tenantId, request);
        String ordering = request.string("SequenceNumberForOrdering");
        if (ordering != null && !SEQUENCE_NUMBER.matcher(ordering).matches()) {
            throw AwsException.validation("1 validation error detected: Value '" + ordering
                    + "' at 'sequenceNumberForOrdering' failed to satisfy constraint: Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})");
        }
        // Sequence numbers only grow within a shard, so every record written after the one named by
        // SequenceNumberForOrdering already has a greater sequence number: nothing more to do.
        return put(stream, List.of(entry)).chain(results -> encryptionType(stream).map(encryption -> {
            RecordResult r = results[0];
            if (!r.isStored()) {
                throw "ProvisionedThroughputExceededException".equals(r.errorCode())
                        ? throughputExceeded(r.errorMessage())
                        : AwsException.internalFailure(r.errorMessage());
            }
            ObjectNode out = AwsResponses.object();
            out.put("ShardId", r.shardId());
            out.put("SequenceNumber", r.sequenceNumber());
            out.put("EncryptionType", encryption);
            return out;
        }));
    }

    /** NONE or KMS, as the stream's (cached) description says. */
    private Uni<String> encryptionType(KinesisStreamAddress stream) {
        return shardMaps.get(stream.tenantId(), stream.name()).map(ShardMap::encryptionType);
    }

    public Uni<PutRecordsAnswer> putRecords(String tenantId, PutRecordsDocument request) {
        List<PutRecordsDocument.Part> records = request.records();
        if (records == null) {
            throw AwsException.validation("1 validation error detected: Value null at 'records' failed to satisfy constraint: Member must not be null");
        }
        if (records.isEmpty() || records.size() > MAX_RECORDS_PER_REQUEST) {
            throw AwsException.validation("1 validation error detected: Value '" + records.size()
                    + " records' at 'records' failed to satisfy constraint: Member must have length between 1 and "
                    + MAX_RECORDS_PER_REQUEST);
        }
        Entry[] entries = new Entry[records.size()];
        long total = 0;
        for (int i = 0; i < entries.length; i++) {
            PutRecordsDocument.Part r = records.get(i);
            entries[i] = entry(r.partitionKey(), r.data(), r.explicitHashKey(), "records." + (i + 1) + ".member.");
            total += entries[i].bytes();
        }
        KinesisStreamAddress stream = KinesisStreamAddress.of(tenantId, request.streamName(), request.streamArn());
        if (total > MAX_REQUEST_BYTES) {
            throw AwsException.invalidArgument("Records size " + total + " bytes exceeds the limit of "
                    + MAX_REQUEST_BYTES + " bytes (data plus partition keys of all records of a request).");
        }
        return put(stream, List.of(entries)).chain(results -> encryptionType(stream)
                .map(encryption -> new PutRecordsAnswer(results, encryption)));
    }

    private Entry entry(AwsRequest record, String memberPrefix) {
        return entry(record.string("PartitionKey"), record.blob("Data"), record.string("ExplicitHashKey"), memberPrefix);
    }

    private Uni<RecordResult[]> put(KinesisStreamAddress stream, List<Entry> entries) {
        return shardMaps.get(stream.tenantId(), stream.name()).chain(map -> {
            ShardMap.ShardRange[] shards = new ShardMap.ShardRange[entries.size()];
            long total = 0;
            byte[] digest = new byte[16];
            for (int i = 0; i < shards.length; i++) {
                Entry e = entries.get(i);
                if (e.bytes() > map.maxRecordSizeBytes()) {
                    throw AwsException.invalidArgument("Record " + (entries.size() > 1 ? i + " " : "") + "of " + e.bytes()
                            + " bytes (data plus partition key) exceeds the maximum record size of stream " + stream.name()
                            + ", " + map.maxRecordSizeBytes() + " bytes.");
                }
                byte[] hash;
                if (e.explicitHashKey() != null) {
                    hash = ShardMap.toBytes(new BigInteger(e.explicitHashKey()));
                } else {
                    MessageDigest md5 = MD5.get();
                    md5.update(e.key());
                    try {
                        md5.digest(digest, 0, 16);
                    } catch (java.security.DigestException ex) {
                        throw new IllegalStateException(ex);
                    }
                    hash = digest;
                }
                shards[i] = map.shardFor(hash);
                if (shards[i] == null) {
                    shardMaps.invalidate(stream.tenantId(), stream.name());
                    throw AwsException.serviceUnavailable("no open shard of stream " + stream.name()
                            + " holds the record's hash key; retry");
                }
                total += e.bytes();
            }
            if (!budget.tryAcquire(total)) {
                throttled.add(1);
                throw throughputExceeded("Rate exceeded for stream " + stream.name() + " under account "
                        + stream.tenantId() + ": " + budget.limit() + " bytes are in flight on this ingest instance.");
            }
            // Kinesis's per-shard limits, for streams that asked for them: a record over its shard's limit
            // is refused alone, as Kinesis does in PutRecords.
            RecordResult[] results = new RecordResult[entries.size()];
            int overQuota = 0;
            if (map.kinesisShardQuotas()) {
                for (int i = 0; i < results.length; i++) {
                    Entry e = entries.get(i);
                    if (!shardQuotas.tryTake(stream.tenantId(), stream.name(), shards[i].shardId(), e.bytes())) {
                        results[i] = RecordResult.failed("ProvisionedThroughputExceededException", "Rate exceeded for shard "
                                + shards[i].shardId() + " in stream " + stream.name() + " under account " + stream.tenantId() + ".");
                        total -= e.bytes();
                        overQuota++;
                    }
                }
                budget.release(entries.stream().mapToLong(Entry::bytes).sum() - total);
            }
            incomingRecords.add(entries.size() - overQuota);
            long admitted = total;
            int toWrite = results.length - overQuota;
            if (toWrite == 0) {
                budget.release(admitted);
                return Uni.createFrom().item(results);
            }
            return Uni.createFrom().<RecordResult[]>emitter(emitter -> {
                AtomicInteger remaining = new AtomicInteger(toWrite);
                ShardBatchers.BatchFailureListener listener = code -> {
                    if (code == ErrorCode.WRONG_SHARD || code == ErrorCode.SHARD_NOT_FOUND
                            || code == ErrorCode.SHARD_CLOSED || code == ErrorCode.STREAM_NOT_FOUND) {
                        shardMaps.invalidate(stream.tenantId(), stream.name());
                    }
                };
                // One hand-over per shard rather than per record: the batchers lock once per group.
                Map<String, List<ShardBatchers.Pending>> byShard = new LinkedHashMap<>();
                for (int i = 0; i < results.length; i++) {
                    if (results[i] != null) {
                        continue; // over its shard's limit
                    }
                    int index = i;
                    Entry e = entries.get(i);
                    byShard.computeIfAbsent(shards[i].shardId(), k -> new ArrayList<>()).add(
                            new ShardBatchers.Pending(e.key(), e.data(), e.explicitHashKey(), r -> {
                                results[index] = r;
                                if (remaining.decrementAndGet() == 0) {
                                    budget.release(admitted);
                                    emitter.complete(results);
                                }
                            }));
                }
                byShard.forEach((shardId, pending) -> batchers.addAll(stream.tenantId(), stream.name(), shardId, pending, listener));
            });
        });
    }

    private static AwsException throughputExceeded(String message) {
        return new AwsException("ProvisionedThroughputExceededException", 400, message);
    }
}
