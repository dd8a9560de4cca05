package io.tributary.bench.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The bench's gRPC connections. Every channel is one HTTP/2 connection; each producer and each subscription
 * gets its own, so that the load is not funnelled through a single socket and event loop.
 *
 * <p>Channels use the direct executor: callbacks run on Netty's event loop. The bench's callbacks never
 * block (counters, histograms, semaphore releases, credit grants), so the extra hop to a thread pool would
 * only add latency to what is measured.
 */
public final class Channels implements AutoCloseable {

    private final String target;
    private final int maxInboundMessageBytes;
    private final List<ManagedChannel> opened = new ArrayList<>();

    public Channels(String target, int maxInboundMessageBytes) {
        this.target = target;
        this.maxInboundMessageBytes = maxInboundMessageBytes;
    }

    public synchronized ManagedChannel open() {
        ManagedChannel channel = NettyChannelBuilder.forTarget(target)
                .usePlaintext()
                .directExecutor()
                .maxInboundMessageSize(maxInboundMessageBytes)
                .build();
        opened.add(channel);
        return channel;
    }

    @Override
    public synchronized void close() {
        for (ManagedChannel channel : opened) {
            channel.shutdownNow();
        }
        for (ManagedChannel channel : opened) {
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        opened.clear();
    }
}
