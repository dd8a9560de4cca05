package io.tributary.connector;

import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.tributary.protocol.v1.CheckpointRequest;
import io.tributary.protocol.v1.ConsumerGroupsGrpc;
import io.tributary.protocol.v1.GroupRef;
import io.tributary.protocol.v1.HeartbeatRequest;
import io.tributary.protocol.v1.HeartbeatResponse;
import io.tributary.protocol.v1.LeaveRequest;
import io.tributary.protocol.v1.Position;
import io.tributary.protocol.v1.ShardLease;
import io.tributary.protocol.v1.StoredRecord;
import io.tributary.protocol.v1.StreamLogGrpc;
import io.tributary.protocol.v1.StreamRef;
import io.tributary.protocol.v1.SubscribeRequest;
import io.tributary.protocol.v1.SubscribeResponse;
import io.tributary.protocol.v1.SubscribeStart;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Flow;

/**
 * One incoming channel: a member of a consumer group. It heartbeats to learn its shards, reads each one
 * with a push subscription from where its lease says, emits the records as messages, and checkpoints
 * what downstream acknowledged.
 *
 * <p><b>Backpressure.</b> Each shard's subscription holds at most {@code batch-size} records of credit:
 * records requested from shard-service and not yet taken by downstream. Credit goes back to the service
 * only as downstream takes records, so a slow application slows its reads, and the connector never holds
 * more than {@code batch-size} records per shard.
 *
 * <p><b>Checkpoints.</b> Records of a shard are acknowledged in any order; the checkpoint is the last
 * record before which every record is acknowledged. It is sent every {@code checkpoint-interval}
 * ({@code commit-strategy=throttled}) or after every acknowledgement ({@code ack}). When a closed shard was
 * read to its end and everything acknowledged, the shard is checkpointed at its end so that the group
 * hands out its children. Delivery is at least once: after a rebalance, a crash or a lost lease, the next
 * holder resumes after the last checkpoint.
 */
final class ConsumerGroupSource {

    private static final Logger LOG = Logger.getLogger(ConsumerGroupSource.class);

    private final TributaryIncomingConfig config;
    private final GroupRef group;
    private final ConsumerGroupsGrpc.ConsumerGroupsBlockingStub groups;
    private final StreamLogGrpc.StreamLogStub log;
    private final StreamAppender deadLetters;
    private final ScheduledExecutorService control;
    private final Map<String, ShardReader> readers = new HashMap<>();
    private final ArrayDeque<ShardReader> turn = new ArrayDeque<>();
    private MultiEmitter<? super Message<byte[]>> emitter;
    private boolean draining;
    private volatile boolean stopped;
    private long heartbeatMillis = 1000;

    private final java.util.function.Function<String, ManagedChannel> channelFor;
    /** Where membership and checkpoints go: the configured instance, or another once it is unreachable. */
    private final InstanceRotation instances = new InstanceRotation();

    /**
     * @param channel    the configured shard-service instance: membership, checkpoints, and reads of shards
     *                   whose lease names no owner
     * @param channelFor a channel to the instance at a shard's owner endpoint, where its records are pushed
     *                   the moment they commit
     */
    ConsumerGroupSource(TributaryIncomingConfig config, ManagedChannel channel,
                        java.util.function.Function<String, ManagedChannel> channelFor, StreamAppender deadLetters) {
        this.channelFor = channelFor;
        this.config = config;
        this.group = GroupRef.newBuilder().setStream(StreamRef.newBuilder().setTenantId(config.tenant())
                .setStreamName(config.stream())).setGroup(config.group()).build();
        this.groups = ConsumerGroupsGrpc.newBlockingStub(channel);
        this.log = StreamLogGrpc.newStub(channel);
        this.deadLetters = deadLetters;
        this.control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tributary-group-" + config.group());
            t.setDaemon(true);
            return t;
        });
    }

    Flow.Publisher<Message<byte[]>> publisher() {
        return Multi.createFrom().<Message<byte[]>>emitter(e -> {
            synchronized (this) {
                emitter = e;
            }
            e.onRequest(n -> drain());
            e.onTermination(this::stop);
            control.execute(this::heartbeatLoop);
            control.scheduleWithFixedDelay(this::checkpointAll, config.checkpointIntervalMillis(),
                    config.checkpointIntervalMillis(), TimeUnit.MILLISECONDS);
        }, BackPressureStrategy.ERROR);
    }

    // ------------------------------------------------------------------------------------------------
    // Membership
    // ------------------------------------------------------------------------------------------------

    /** Heartbeats now and then every interval the service asks for; the only loop a source runs. */
    private void heartbeatLoop() {
        heartbeat();
        if (!stopped) {
            control.schedule(this::heartbeatLoop, heartbeatMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** One heartbeat: renews the session and applies the shards it answers. */
    private void heartbeat() {
        if (stopped) {
            return;
        }
        try {
            HeartbeatRequest request = HeartbeatRequest.newBuilder()
                    .setGroup(group).setMemberId(config.memberId()).setInitialPosition(config.initialPosition())
                    .setIgnoreLineage(config.ignoreLineage()).build();
            HeartbeatResponse r = onSomeInstance(stub -> stub.withDeadlineAfter(30, TimeUnit.SECONDS).heartbeat(request));
            heartbeatMillis = Math.max(100, r.getHeartbeatIntervalMillis());
            r.getLeasesList().forEach(l -> instances.learn(l.getOwnerEndpoint()));
            apply(r.getLeasesList());
        } catch (RuntimeException e) {
            LOG.warnf("consumer group %s: heartbeat failed (%s); retrying", config.group(), e.getMessage());
        }
    }

    /**
     * Calls the group service on the current instance; when it cannot be reached, on the next instance the
     * group has named, each at most once.
     */
    private <T> T onSomeInstance(java.util.function.Function<ConsumerGroupsGrpc.ConsumerGroupsBlockingStub, T> call) {
        int tries = instances.size();
        while (true) {
            String endpoint = instances.current();
            ConsumerGroupsGrpc.ConsumerGroupsBlockingStub stub = endpoint.isEmpty() ? groups
                    : ConsumerGroupsGrpc.newBlockingStub(channelFor.apply(endpoint));
            try {
                return call.apply(stub);
            } catch (io.grpc.StatusRuntimeException e) {
                if (e.getStatus().getCode() != io.grpc.Status.Code.UNAVAILABLE || --tries <= 0) {
                    throw e;
                }
                LOG.warnf("consumer group %s: shard-service %s is unreachable (%s); trying another instance",
                        config.group(), endpoint.isEmpty() ? "(configured)" : endpoint, e.getStatus().getDescription());
                instances.unreachable(endpoint);
            }
        }
    }

    /** Starts readers for new leases, stops those of leases held no more (or under a new epoch). */
    private void apply(List<ShardLease> leases) {
        List<ShardReader> started = new ArrayList<>();
        synchronized (this) {
            Set<String> held = new HashSet<>();
            for (ShardLease lease : leases) {
                held.add(lease.getShardId());
                ShardReader current = readers.get(lease.getShardId());
                if (current != null && current.lease.getEpoch() == lease.getEpoch()) {
                    continue;
                }
                if (current != null) {
                    current.stop();
                }
                ShardReader reader = new ShardReader(lease);
                readers.put(lease.getShardId(), reader);
                turn.add(reader);
                started.add(reader);
            }
            for (Iterator<Map.Entry<String, ShardReader>> it = readers.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, ShardReader> e = it.next();
                if (!held.contains(e.getKey())) {
                    e.getValue().stop();
                    it.remove();
                }
            }
            turn.removeIf(r -> r.stopped);
        }
        started.forEach(ShardReader::start);
    }

    private void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        List<ShardReader> all;
        synchronized (this) {
            all = new ArrayList<>(readers.values());
            readers.clear();
            turn.clear();
        }
        control.execute(() -> {
            all.forEach(ShardReader::checkpoint);
            all.forEach(ShardReader::stop);
            try {
                LeaveRequest leave = LeaveRequest.newBuilder().setGroup(group).setMemberId(config.memberId()).build();
                onSomeInstance(stub -> stub.withDeadlineAfter(5, TimeUnit.SECONDS).leave(leave));
            } catch (RuntimeException e) {
                LOG.debugf("consumer group %s: leave failed: %s", config.group(), e.getMessage());
            }
            control.shutdown();
        });
    }

    private void checkpointAll() {
        List<ShardReader> all;
        synchronized (this) {
            all = new ArrayList<>(readers.values());
        }
        all.forEach(ShardReader::checkpoint);
    }

    // ------------------------------------------------------------------------------------------------
    // Emission
    // ------------------------------------------------------------------------------------------------

    /** Emits buffered records, shard by shard in turn, as far as downstream demand allows. */
    private void drain() {
        List<ShardReader> toCredit = new ArrayList<>();
        synchronized (this) {
            if (draining || emitter == null) {
                return;
            }
            draining = true;
            try {
                int idle = 0;
                while (emitter.requested() > 0 && !turn.isEmpty() && idle < turn.size()) {
                    ShardReader r = turn.poll();
                    turn.add(r);
                    Message<byte[]> m = r.buffered.poll();
                    if (m == null) {
                        idle++;
                        continue;
                    }
                    idle = 0;
                    if (++r.taken >= Math.max(1, config.batchSize() / 2)) {
                        toCredit.add(r);
                    }
                    emitter.emit(m);
                }
            } finally {
                draining = false;
            }
        }
        for (ShardReader r : toCredit) {
            r.credit();
        }
    }

    // ------------------------------------------------------------------------------------------------
    // One shard
    // ------------------------------------------------------------------------------------------------

    /** The reading of one leased shard: subscription, buffer, and acknowledgement tracking. */
    private final class ShardReader {

        final ShardLease lease;
        final ArrayDeque<Message<byte[]>> buffered = new ArrayDeque<>();
        /** Emitted records in order, each with its acknowledgement. */
        private final ArrayDeque<Tracked> inFlight = new ArrayDeque<>();
        int taken;
        volatile boolean stopped;
        private ClientCallStreamObserver<SubscribeRequest> requests;
        private String acknowledged;
        private String checkpointed;
        private boolean ended;
        private boolean endCheckpointed;

        ShardReader(ShardLease lease) {
            this.lease = lease;
        }

        void start() {
            String owner = lease.getOwnerEndpoint();
            StreamLogGrpc.StreamLogStub reader = owner.isEmpty() ? log : StreamLogGrpc.newStub(channelFor.apply(owner));
            reader.subscribe(new ClientResponseObserver<SubscribeRequest, SubscribeResponse>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<SubscribeRequest> call) {
                    requests = call;
                }

                @Override
                public void onNext(SubscribeResponse r) {
                    received(r);
                }

                @Override
                public void onError(Throwable t) {
                    if (!stopped) {
                        LOG.warnf("consumer group %s: reading %s failed (%s); asking for its lease again",
                                config.group(), lease.getShardId(), t.getMessage());
                        retire();
                    }
                }

                @Override
                public void onCompleted() {
                    if (!stopped && !ended) {
                        retire();
                    }
                }
            });
            Position start = lease.getStart();
            requests.onNext(SubscribeRequest.newBuilder().setStart(SubscribeStart.newBuilder()
                    .setStream(group.getStream()).setShardId(lease.getShardId()).setPosition(start)
                    .setCredits(config.batchSize())).build());
        }

        /** Gives back the credit of records downstream took. */
        void credit() {
            int n;
            synchronized (ConsumerGroupSource.this) {
                n = taken;
                taken = 0;
            }
            if (n > 0 && !stopped) {
                synchronized (this) {
                    if (requests != null) {
                        requests.onNext(SubscribeRequest.newBuilder().setCredits(n).build());
                    }
                }
            }
        }

        private void received(SubscribeResponse r) {
            if (stopped) {
                return;
            }
            if (r.hasError()) {
                LOG.warnf("consumer group %s: %s: %s", config.group(), lease.getShardId(), r.getError().getMessage());
                retire();
                return;
            }
            synchronized (ConsumerGroupSource.this) {
                for (StoredRecord rec : r.getRecordsList()) {
                    Tracked t = new Tracked(rec.getSequenceNumber());
                    synchronized (this) {
                        inFlight.add(t);
                    }
                    IncomingTributaryMetadata meta = new IncomingTributaryMetadata(config.stream(), lease.getShardId(),
                            rec.getSequenceNumber(), rec.getPartitionKey(), rec.getArrivalTimestampMillis());
                    byte[] data = rec.getData().toByteArray();
                    buffered.add(Message.of(data, Metadata.of(meta), () -> acked(t), e -> nacked(t, meta, data, e)));
                }
                if (r.getShardEnded()) {
                    synchronized (this) {
                        ended = true;
                    }
                }
            }
            drain();
            if (r.getShardEnded()) {
                control.execute(this::checkpoint);
            }
        }

        private CompletionStage<Void> acked(Tracked t) {
            synchronized (this) {
                t.acked = true;
                while (!inFlight.isEmpty() && inFlight.peek().acked) {
                    acknowledged = inFlight.poll().sequenceNumber;
                }
            }
            if (config.checkpointEveryAck()) {
                control.execute(this::checkpoint);
            } else {
                synchronized (this) {
                    if (ended && inFlight.isEmpty()) {
                        control.execute(this::checkpoint);
                    }
                }
            }
            return CompletableFuture.completedFuture(null);
        }

        private CompletionStage<Void> nacked(Tracked t, IncomingTributaryMetadata meta, byte[] data, Throwable cause) {
            switch (config.failureStrategy()) {
                case IGNORE -> {
                    LOG.warnf(cause, "consumer group %s: record %s of %s failed; ignored", config.group(),
                            meta.sequenceNumber(), meta.shardId());
                    return acked(t);
                }
                case DEAD_LETTER_STREAM -> {
                    return deadLetters.append(meta.partitionKey(), null, data)
                            .thenCompose(seq -> acked(t))
                            .exceptionallyCompose(e -> {
                                failChannel(e);
                                return CompletableFuture.completedFuture(null);
                            });
                }
                default -> {
                    failChannel(cause);
                    return CompletableFuture.completedFuture(null);
                }
            }
        }

        /** Sends the checkpoint if it moved (or the shard's end once everything of it is acknowledged). */
        void checkpoint() {
            String to;
            boolean end;
            boolean nothingBuffered;
            synchronized (ConsumerGroupSource.this) {
                nothingBuffered = buffered.isEmpty();
            }
            synchronized (this) {
                end = ended && inFlight.isEmpty() && nothingBuffered && !endCheckpointed;
                to = acknowledged;
                if (!end && (to == null || to.equals(checkpointed))) {
                    return;
                }
            }
            try {
                CheckpointRequest.Builder b = CheckpointRequest.newBuilder().setGroup(group).setMemberId(config.memberId())
                        .setShardId(lease.getShardId()).setEpoch(lease.getEpoch());
                if (end) {
                    b.setShardEnd(true);
                } else {
                    b.setSequenceNumber(to);
                }
                CheckpointRequest checkpoint = b.build();
                onSomeInstance(stub -> stub.withDeadlineAfter(30, TimeUnit.SECONDS).checkpoint(checkpoint));
                synchronized (this) {
                    checkpointed = to;
                    if (end) {
                        endCheckpointed = true;
                    }
                }
                if (end) {
                    // The children are handed out now: ask for them at once.
                    control.execute(ConsumerGroupSource.this::heartbeat);
                }
            } catch (RuntimeException e) {
                LOG.debugf("consumer group %s: checkpoint of %s refused: %s", config.group(), lease.getShardId(), e.getMessage());
            }
        }

        /** Stops reading; records not yet emitted are dropped (the next holder reads them again). */
        void stop() {
            stopped = true;
            synchronized (ConsumerGroupSource.this) {
                buffered.clear();
            }
            synchronized (this) {
                if (requests != null) {
                    requests.cancel("lease given up", null);
                    requests = null;
                }
            }
        }

        /** The subscription ended unexpectedly: stop, and let the next heartbeat hand the shard out again. */
        private void retire() {
            stop();
            synchronized (ConsumerGroupSource.this) {
                readers.remove(lease.getShardId(), this);
                turn.remove(this);
            }
        }
    }

    private void failChannel(Throwable cause) {
        MultiEmitter<? super Message<byte[]>> e;
        synchronized (this) {
            e = emitter;
        }
        if (e != null) {
            e.fail(cause);
        }
    }

    /** An emitted record and whether downstream acknowledged it. */
    private static final class Tracked {
        final String sequenceNumber;
        boolean acked;

        Tracked(String sequenceNumber) {
            this.sequenceNumber = sequenceNumber;
        }
    }
}
