package io.tributary.connector;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/** What a Quarkus application using the connector looks like: it sends with an emitter and consumes. */
@ApplicationScoped
public class TestApplication {

    /** Everything the collector group received, in order of arrival, with its metadata. */
    static final List<IncomingTributaryMetadata> RECEIVED = new CopyOnWriteArrayList<>();
    static final List<String> PAYLOADS = new CopyOnWriteArrayList<>();
    static final List<String> SORTED_OUT = new CopyOnWriteArrayList<>();

    @Inject
    @Channel("events-out")
    Emitter<String> events;

    /** Sends one event with a partition key; completes once it is committed. */
    CompletionStage<Void> send(String key, String payload) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        events.send(Message.of(payload).addMetadata(OutgoingTributaryMetadata.ofKey(key))
                .withAck(() -> {
                    done.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(e -> {
                    done.completeExceptionally(e);
                    return CompletableFuture.completedFuture(null);
                }));
        return done;
    }

    @Incoming("events-in")
    CompletionStage<Void> collect(Message<byte[]> message) {
        RECEIVED.add(message.getMetadata(IncomingTributaryMetadata.class).orElseThrow());
        PAYLOADS.add(new String(message.getPayload(), StandardCharsets.UTF_8));
        return message.ack();
    }

    /** Refuses every record whose payload starts with "poison": they go to the dead-letter stream. */
    @Incoming("poison-in")
    CompletionStage<Void> sort(Message<byte[]> message) {
        String payload = new String(message.getPayload(), StandardCharsets.UTF_8);
        if (payload.startsWith("poison")) {
            SORTED_OUT.add(payload);
            return message.nack(new IllegalArgumentException("cannot process " + payload));
        }
        return message.ack();
    }
}
