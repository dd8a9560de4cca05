package io.tributary.shard.api;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Real AWS SDK clients pointed at shard-service directly, standing in for the gateway by sending the
 * tenant header themselves. They remember the Content-Type of every request they sent.
 */
final class KinesisClients {

    private KinesisClients() {
    }

    /** A client and the content types it sent. */
    record Client(KinesisClient kinesis, List<String> contentTypes) implements AutoCloseable {
        @Override
        public void close() {
            kinesis.close();
        }
    }

    /** A client speaking CBOR (the SDK's default for Kinesis) or AWS JSON 1.1. */
    static Client create(URI endpoint, String tenant, boolean cbor) {
        List<String> contentTypes = new CopyOnWriteArrayList<>();
        String previous = System.getProperty("aws.cborEnabled");
        System.setProperty("aws.cborEnabled", Boolean.toString(cbor));
        try {
            KinesisClient client = KinesisClient.builder()
                    .endpointOverride(endpoint)
                    .region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                    .httpClient(UrlConnectionHttpClient.create())
                    .overrideConfiguration(o -> o.putHeader(KinesisResource.TENANT_HEADER, tenant)
                            .addExecutionInterceptor(new ExecutionInterceptor() {
                                @Override
                                public void beforeTransmission(Context.BeforeTransmission context,
                                                               ExecutionAttributes attributes) {
                                    context.httpRequest().firstMatchingHeader("Content-Type").ifPresent(contentTypes::add);
                                }
                            }))
                    .build();
            return new Client(client, contentTypes);
        } finally {
            if (previous == null) {
                System.clearProperty("aws.cborEnabled");
            } else {
                System.setProperty("aws.cborEnabled", previous);
            }
        }
    }
}
