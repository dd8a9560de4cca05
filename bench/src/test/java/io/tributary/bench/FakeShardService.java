package io.tributary.bench;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tributary.batch.RecordBatchReader;
import io.tributary.protocol.v1.AppendAck;
import io.tributary.protocol.v1.AppendRequest;
import io.tributary.protocol.v1.AppendResponse;
import io.tributary.protocol.v1.CreateStreamRequest;
import io.tributary.protocol.v1.DeleteStreamRequest;
import io.tributary.protocol.v1.DeleteStreamResponse;
import io.tributary.protocol.v1.DescribeStreamRequest;
import io.tributary.protocol.v1.Error;
import io.tributary.protocol.v1.ErrorCode;
import io.tributary.protocol.v1.ListShardsRequest;
import io.tributary.protocol.v1.ListShardsResponse;
import io.tributary.protocol.v1.Position;
import io.tributary.protocol.v1.PositionType;
import io.tributary.protocol.v1.ReadRequest;
import io.tributary.protocol.v1.ReadResponse;
import io.tributary.protocol.v1.Record;
import io.tributary.protocol.v1.Shard;
import io.tributary.protocol.v1.StoredRecord;
import io.tributary.protocol.v1.StreamAdminGrpc;
import io.tributary.protocol.v1.StreamDescription;
import io.tributary.protocol.v1.StreamLogGrpc;
import io.tributary.protocol.v1.StreamStatus;
import io.tributary.protocol.v1.SubscribeRequest;
import io.tributary.protocol.v1.SubscribeResponse;
import io.tributary.protocol.v1.SubscribeStart;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * An in-memory shard-service speaking the real protocol over a real socket, with optional faults in delivery,
 * so the bench can be tested before (and independently of) the real service.
 */
final class FakeShardService implements AutoCloseable {

    /** What the fake gets wrong on purpose. */
    enum Fault {
        NONE,
        /** The subscription skips the 101st record of the first shard. */
        DROP_ONE_DELIVERY,
        /** The subscription sends the 101st record of the first shard twice. */
        DUPLICATE_ONE_DELIVERY,
        /** Read leaves out the 101st record of the first shard (as if storage had lost it). */
        DROP_ONE_STORED
    }

    private static final int FAULTY_INDEX = 100;
    private static final BigInteger HASH_SPACE = BigInteger.ONE.shiftLeft(128);

    private final Fault fault;
    private final Map<String, FakeStream> streams = new ConcurrentHashMap<>();
    private final Server server;

    FakeShardService(Fault fault) throws IOException {
        this.fault = fault;
        this.server = NettyServerBuilder.forPort(0)
                .addService(new Admin())
                .addService(new Log())
                .build()
                .start();
    }

    String target() {
        return "localhost:" + server.getPort();
    }

    int streamCount() {
        return streams.size();
    }

    /** Records stored in all shards of all streams, probes included. */
    long storedRecords() {
        return streams.values().stream().flatMap(s -> s.shards.stream()).mapToLong(FakeShard::size).sum();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }

    private static String key(io.tributary.protocol.v1.StreamRef ref) {
        return ref.getTenantId() + "/" + ref.getStreamName();
    }

    private final class FakeStream {
        final StreamDescription.Builder description;
        final List<FakeShard> shards = new ArrayList<>();

        FakeStream(CreateStreamRequest request) {
            int count = request.getShardCount();
            BigInteger width = HASH_SPACE.divide(BigInteger.valueOf(count));
            description = StreamDescription.newBuilder()
                    .setStream(request.getStream())
                    .setStreamArn("arn:aws:kinesis:local:" + request.getStream().getTenantId() + ":stream/"
                            + request.getStream().getStreamName())
                    .setStatus(StreamStatus.CREATING) // the bench must wait for ACTIVE
                    .setRetentionPeriodHours(24)
                    .setMaxRecordSizeBytes(1024 * 1024)
                    .setOpenShardCount(count);
            for (int i = 0; i < count; i++) {
                BigInteger start = width.multiply(BigInteger.valueOf(i));
                BigInteger end = i == count - 1 ? HASH_SPACE.subtract(BigInteger.ONE) : start.add(width).subtract(BigInteger.ONE);
                FakeShard shard = new FakeShard(String.format("shardId-%012d", i), start, end, i == 0);
                shards.add(shard);
                description.addShards(shard.proto());
            }
        }

        FakeShard shard(String id) {
            return shards.stream().filter(s -> s.id.equals(id)).findFirst().orElse(null);
        }
    }

    private final class FakeShard {
        final String id;
        final BigInteger start;
        final BigInteger end;
        final boolean faulty;
        final List<StoredRecord> records = new ArrayList<>();
        final List<Subscription> subscriptions = new ArrayList<>();

        FakeShard(String id, BigInteger start, BigInteger end, boolean faulty) {
            this.id = id;
            this.start = start;
            this.end = end;
            this.faulty = faulty;
        }

        Shard proto() {
            return Shard.newBuilder().setShardId(id).setStartingHashKey(start.toString()).setEndingHashKey(end.toString())
                    .setStartingSequenceNumber(sequenceNumber(0)).build();
        }

        synchronized int size() {
            return records.size();
        }

        List<String> append(List<Record> batch) {
            List<String> sequenceNumbers = new ArrayList<>();
            List<Subscription> toPump;
            synchronized (this) {
                long now = System.currentTimeMillis();
                for (Record record : batch) {
                    String sequenceNumber = sequenceNumber(records.size());
                    records.add(StoredRecord.newBuilder().setSequenceNumber(sequenceNumber)
                            .setPartitionKey(record.getPartitionKey()).setData(record.getData())
                            .setArrivalTimestampMillis(now).build());
                    sequenceNumbers.add(sequenceNumber);
                }
                toPump = List.copyOf(subscriptions);
            }
            toPump.forEach(Subscription::pump);
            return sequenceNumbers;
        }

        synchronized List<StoredRecord> slice(int from, int max) {
            return List.copyOf(records.subList(Math.min(from, records.size()), Math.min(records.size(), from + max)));
        }

        boolean contains(BigInteger hashKey) {
            return start.compareTo(hashKey) <= 0 && hashKey.compareTo(end) <= 0;
        }
    }

    private static String sequenceNumber(int index) {
        return String.format("%021d", index);
    }

    private final class Subscription {
        final FakeShard shard;
        final ServerCallStreamObserver<SubscribeResponse> responses;
        int next;
        long credits;
        boolean closed;

        Subscription(FakeShard shard, ServerCallStreamObserver<SubscribeResponse> responses, int next, long credits) {
            this.shard = shard;
            this.responses = responses;
            this.next = next;
            this.credits = credits;
        }

        synchronized void grant(long more) {
            credits += more;
            pump();
        }

        synchronized void pump() {
            while (!closed && credits > 0) {
                List<StoredRecord> batch = shard.slice(next, (int) Math.min(credits, 1000));
                if (batch.isEmpty()) {
                    return;
                }
                SubscribeResponse.Builder response = SubscribeResponse.newBuilder();
                for (int i = 0; i < batch.size(); i++) {
                    int index = next + i;
                    if (shard.faulty && index == FAULTY_INDEX && fault == Fault.DROP_ONE_DELIVERY) {
                        continue;
                    }
                    response.addRecords(batch.get(i));
                    if (shard.faulty && index == FAULTY_INDEX && fault == Fault.DUPLICATE_ONE_DELIVERY) {
                        response.addRecords(batch.get(i));
                    }
                }
                next += batch.size();
                credits -= batch.size();
                response.setContinuation(Position.newBuilder().setType(PositionType.AFTER_SEQUENCE_NUMBER)
                        .setSequenceNumber(batch.get(batch.size() - 1).getSequenceNumber()));
                responses.onNext(response.build());
            }
        }

        synchronized void close() {
            if (!closed) {
                closed = true;
                responses.onCompleted();
            }
        }
    }

    private final class Admin extends StreamAdminGrpc.StreamAdminImplBase {
        @Override
        public void createStream(CreateStreamRequest request, StreamObserver<StreamDescription> responses) {
            FakeStream stream = new FakeStream(request);
            if (streams.putIfAbsent(key(request.getStream()), stream) != null) {
                responses.onError(io.grpc.Status.ALREADY_EXISTS.asRuntimeException());
                return;
            }
            responses.onNext(stream.description.build());
            stream.description.setStatus(StreamStatus.ACTIVE);
            responses.onCompleted();
        }

        @Override
        public void describeStream(DescribeStreamRequest request, StreamObserver<StreamDescription> responses) {
            FakeStream stream = streams.get(key(request.getStream()));
            if (stream == null) {
                responses.onError(io.grpc.Status.NOT_FOUND.asRuntimeException());
                return;
            }
            responses.onNext(stream.description.build());
            responses.onCompleted();
        }

        @Override
        public void listShards(ListShardsRequest request, StreamObserver<ListShardsResponse> responses) {
            FakeStream stream = streams.get(key(request.getStream()));
            responses.onNext(ListShardsResponse.newBuilder().addAllShards(stream.description.getShardsList()).build());
            responses.onCompleted();
        }

        @Override
        public void deleteStream(DeleteStreamRequest request, StreamObserver<DeleteStreamResponse> responses) {
            streams.remove(key(request.getStream()));
            responses.onNext(DeleteStreamResponse.getDefaultInstance());
            responses.onCompleted();
        }
    }

    /** The records of an append request in either of its forms. */
    private static List<Record> records(AppendRequest request) {
        if (request.getEncodedRecords().isEmpty()) {
            return request.getRecordsList();
        }
        List<Record> out = new ArrayList<>();
        RecordBatchReader.read(request.getEncodedRecords().toByteArray(), (i, b, ko, kl, d, dl) -> {
            Record.Builder r = Record.newBuilder().setPartitionKey(new String(b, ko, kl, StandardCharsets.UTF_8))
                    .setData(ByteString.copyFrom(b, d, dl));
            if (request.getExplicitHashKeysCount() > 0) {
                r.setExplicitHashKey(request.getExplicitHashKeys(i));
            }
            out.add(r.build());
        });
        return out;
    }

    private final class Log extends StreamLogGrpc.StreamLogImplBase {
        @Override
        public StreamObserver<AppendRequest> append(StreamObserver<AppendResponse> responses) {
            return new StreamObserver<>() {
                @Override
                public void onNext(AppendRequest request) {
                    AppendResponse.Builder response = AppendResponse.newBuilder().setBatchId(request.getBatchId());
                    FakeStream stream = streams.get(key(request.getStream()));
                    FakeShard shard = stream == null ? null : stream.shard(request.getShardId());
                    if (shard == null) {
                        responses.onNext(response.setError(Error.newBuilder().setCode(ErrorCode.SHARD_NOT_FOUND)).build());
                        return;
                    }
                    List<Record> batch = records(request);
                    for (Record record : batch) {
                        BigInteger hashKey = record.getExplicitHashKey().isEmpty()
                                ? ShardMap.md5HashKey(record.getPartitionKey())
                                : new BigInteger(record.getExplicitHashKey());
                        if (!shard.contains(hashKey)) {
                            responses.onNext(response.setError(Error.newBuilder().setCode(ErrorCode.WRONG_SHARD)
                                    .setMessage("hash key " + hashKey + " is not in " + shard.id)).build());
                            return;
                        }
                    }
                    List<String> sequenceNumbers = shard.append(batch);
                    responses.onNext(response.setAck(AppendAck.newBuilder().setShardId(shard.id)
                            .addAllSequenceNumbers(sequenceNumbers).setArrivalTimestampMillis(System.currentTimeMillis())).build());
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                    responses.onCompleted();
                }
            };
        }

        @Override
        public StreamObserver<SubscribeRequest> subscribe(StreamObserver<SubscribeResponse> responses) {
            ServerCallStreamObserver<SubscribeResponse> serverResponses = (ServerCallStreamObserver<SubscribeResponse>) responses;
            return new StreamObserver<>() {
                Subscription subscription;

                @Override
                public void onNext(SubscribeRequest request) {
                    if (request.hasStart()) {
                        SubscribeStart start = request.getStart();
                        FakeShard shard = streams.get(key(start.getStream())).shard(start.getShardId());
                        synchronized (shard) {
                            int from = start.getPosition().getType() == PositionType.LATEST ? shard.records.size() : 0;
                            subscription = new Subscription(shard, serverResponses, from, start.getCredits());
                            shard.subscriptions.add(subscription);
                        }
                        subscription.pump();
                    } else {
                        subscription.grant(request.getCredits());
                    }
                }

                @Override
                public void onError(Throwable t) {
                    if (subscription != null) {
                        detach();
                        synchronized (subscription) {
                            subscription.closed = true;
                        }
                    }
                }

                @Override
                public void onCompleted() {
                    if (subscription != null) {
                        detach();
                        subscription.close();
                    } else {
                        responses.onCompleted();
                    }
                }

                private void detach() {
                    synchronized (subscription.shard) {
                        subscription.shard.subscriptions.remove(subscription);
                    }
                }
            };
        }

        @Override
        public void read(ReadRequest request, StreamObserver<ReadResponse> responses) {
            FakeShard shard = streams.get(key(request.getStream())).shard(request.getShardId());
            Position position = request.getPosition();
            int from = switch (position.getType()) {
                case TRIM_HORIZON -> 0;
                case AFTER_SEQUENCE_NUMBER -> Integer.parseInt(position.getSequenceNumber()) + 1;
                case AT_SEQUENCE_NUMBER -> Integer.parseInt(position.getSequenceNumber());
                default -> shard.size();
            };
            int max = request.getMaxRecords() == 0 ? 10_000 : request.getMaxRecords();
            List<StoredRecord> records = shard.slice(from, max);
            if (shard.faulty && fault == Fault.DROP_ONE_STORED && FAULTY_INDEX >= from && FAULTY_INDEX < from + records.size()) {
                records = new java.util.ArrayList<>(records);
                records.remove(FAULTY_INDEX - from);
            }
            String last = records.isEmpty() ? sequenceNumber(from - 1) : records.get(records.size() - 1).getSequenceNumber();
            responses.onNext(ReadResponse.newBuilder().addAllRecords(records)
                    .setNextPosition(Position.newBuilder().setType(PositionType.AFTER_SEQUENCE_NUMBER).setSequenceNumber(last))
                    .build());
            responses.onCompleted();
        }
    }
}
