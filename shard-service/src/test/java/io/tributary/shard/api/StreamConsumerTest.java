package io.tributary.shard.api;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.tributary.embeddeddb.PostgresTestResource;
import io.tributary.shard.grpc.LogClient;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.Consumer;
import software.amazon.awssdk.services.kinesis.model.ConsumerDescription;
import software.amazon.awssdk.services.kinesis.model.ConsumerStatus;
import software.amazon.awssdk.services.kinesis.model.InvalidArgumentException;
import software.amazon.awssdk.services.kinesis.model.LimitExceededException;
import software.amazon.awssdk.services.kinesis.model.ListStreamConsumersResponse;
import software.amazon.awssdk.services.kinesis.model.ResourceInUseException;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;

import java.net.URL;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RegisterStreamConsumer, DescribeStreamConsumer, ListStreamConsumers, DeregisterStreamConsumer with the SDK. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
class StreamConsumerTest {

    @TestHTTPResource("/")
    URL url;

    @Test
    void registersDescribesListsAndDeregistersConsumers() throws Exception {
        try (KinesisClients.Client c = KinesisClients.create(url.toURI(), LogClient.TENANT, true)) {
            KinesisClient k = c.kinesis();
            String name = "efo-" + System.nanoTime();
            k.createStream(b -> b.streamName(name).shardCount(1));
            String streamArn = k.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().streamARN();

            Consumer registered = k.registerStreamConsumer(b -> b.streamARN(streamArn).consumerName("app-a")).consumer();
            assertEquals("app-a", registered.consumerName());
            assertEquals(ConsumerStatus.ACTIVE, registered.consumerStatus());
            assertTrue(registered.consumerARN().startsWith(streamArn + "/consumer/app-a:"), registered.consumerARN());
            assertThrows(ResourceInUseException.class, () -> k.registerStreamConsumer(b -> b.streamARN(streamArn).consumerName("app-a")));
            k.registerStreamConsumer(b -> b.streamARN(streamArn).consumerName("app-b"));

            ConsumerDescription byArn = k.describeStreamConsumer(b -> b.consumerARN(registered.consumerARN())).consumerDescription();
            assertEquals(streamArn, byArn.streamARN());
            assertEquals(registered.consumerCreationTimestamp(), byArn.consumerCreationTimestamp());
            assertEquals(registered.consumerARN(), k.describeStreamConsumer(b -> b.streamARN(streamArn).consumerName("app-a"))
                    .consumerDescription().consumerARN());
            assertEquals(2, k.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().consumerCount());

            ListStreamConsumersResponse first = k.listStreamConsumers(b -> b.streamARN(streamArn).maxResults(1));
            assertEquals(List.of("app-a"), first.consumers().stream().map(Consumer::consumerName).toList());
            ListStreamConsumersResponse second = k.listStreamConsumers(b -> b.streamARN(streamArn).nextToken(first.nextToken()));
            assertEquals(List.of("app-b"), second.consumers().stream().map(Consumer::consumerName).toList());
            assertNull(second.nextToken());

            k.deregisterStreamConsumer(b -> b.consumerARN(registered.consumerARN()));
            assertThrows(ResourceNotFoundException.class, () -> k.describeStreamConsumer(b -> b.consumerARN(registered.consumerARN())));
            k.deregisterStreamConsumer(b -> b.streamARN(streamArn).consumerName("app-b"));
            assertEquals(0, k.listStreamConsumers(b -> b.streamARN(streamArn)).consumers().size());

            // A consumer re-registered under the same name is a new registration: the old ARN does not name it.
            Consumer again = k.registerStreamConsumer(b -> b.streamARN(streamArn).consumerName("app-a")).consumer();
            if (!again.consumerARN().equals(registered.consumerARN())) {
                assertThrows(ResourceNotFoundException.class, () -> k.describeStreamConsumer(b -> b.consumerARN(registered.consumerARN())));
            }
            assertThrows(InvalidArgumentException.class, () -> k.registerStreamConsumer(b -> b.streamARN(streamArn).consumerName("bad name")));
            try (KinesisClients.Client other = KinesisClients.create(url.toURI(), "000000000777", true)) {
                assertThrows(ResourceNotFoundException.class, () -> other.kinesis().listStreamConsumers(b -> b.streamARN(streamArn)));
                assertThrows(ResourceNotFoundException.class, () -> other.kinesis().describeStreamConsumer(b -> b.consumerARN(again.consumerARN())));
            }
        }
    }

    @Test
    void refusesMoreConsumersThanTheLimit() throws Exception {
        try (KinesisClients.Client c = KinesisClients.create(url.toURI(), LogClient.TENANT, false)) {
            KinesisClient k = c.kinesis();
            String name = "efo-limit-" + System.nanoTime();
            k.createStream(b -> b.streamName(name).shardCount(1));
            String streamArn = k.describeStreamSummary(b -> b.streamName(name)).streamDescriptionSummary().streamARN();
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String n = "c" + i;
                k.registerStreamConsumer(b -> b.streamARN(streamArn).consumerName(n));
                names.add(n);
            }
            assertThrows(LimitExceededException.class, () -> k.registerStreamConsumer(b -> b.streamARN(streamArn).consumerName("one-more")));
            assertEquals(20, k.listStreamConsumers(b -> b.streamARN(streamArn)).consumers().size());
        }
    }
}
