package io.tributary.bench.client;

import io.tributary.bench.BenchSettings;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;

import java.net.URI;
import java.time.Duration;

/** AWS SDK Kinesis clients pointed at the gateway, configured as an application would (CBOR, default retries). */
public final class KinesisClients {

    private KinesisClients() {
    }

    /** An asynchronous client over HTTP/2, as SubscribeToShard needs. */
    public static software.amazon.awssdk.services.kinesis.KinesisAsyncClient createAsync(BenchSettings settings) {
        return software.amazon.awssdk.services.kinesis.KinesisAsyncClient.builder()
                .endpointOverride(URI.create(settings.endpoint()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey())))
                .httpClientBuilder(software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient.builder()
                        .protocol(software.amazon.awssdk.http.Protocol.HTTP2))
                .build();
    }

    public static KinesisClient create(BenchSettings settings) {
        return KinesisClient.builder()
                .endpointOverride(URI.create(settings.endpoint()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey())))
                .httpClient(UrlConnectionHttpClient.builder().socketTimeout(Duration.ofSeconds(60)).build())
                .build();
    }
}
