package io.tributary.gateway.routing;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.tributary.embeddeddb.PostgresTestResource;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.LimitExceededException;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;

import java.net.URL;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Per-tenant quotas: a tenant over its request rate gets AWS throttling errors before anything is
 * forwarded. The services behind are deliberately unreachable, so a request within the quota is answered
 * 503 by the gateway itself and one over it 400 with the throttling error.
 */
@QuarkusTest
@TestProfile(TenantQuotaTest.ThreeRequestsPerSecond.class)
@WithTestResource(PostgresTestResource.class)
class TenantQuotaTest {

    public static class ThreeRequestsPerSecond implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tributary.gateway.quotas.requests-per-second", "3",
                    "tributary.gateway.bootstrap.access-key-id", "quota-key",
                    "tributary.gateway.bootstrap.secret-access-key", "quota-secret",
                    "tributary.gateway.bootstrap.account-id", "000000000555",
                    "tributary.gateway.services.shard-url", "http://127.0.0.1:9",
                    "tributary.gateway.services.ingest-url", "http://127.0.0.1:9");
        }
    }

    @TestHTTPResource("/")
    URL gateway;

    @Test
    void throttlesATenantOverItsRequestRate() throws Exception {
        try (KinesisClient k = KinesisClient.builder().endpointOverride(gateway.toURI()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("quota-key", "quota-secret")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.retryStrategy(DefaultRetryStrategy.doNotRetry())).build()) {
            int forwarded = 0;
            int throttled = 0;
            for (int i = 0; i < 6; i++) {
                KinesisException e = assertThrows(KinesisException.class, () -> k.listStreams());
                if (e instanceof LimitExceededException) {
                    throttled++;
                } else {
                    assertEquals(503, e.statusCode(), "within the quota the request is forwarded (to nothing): " + e);
                    forwarded++;
                }
            }
            assertEquals(3, forwarded, "a burst of one second's worth of requests passes");
            assertEquals(3, throttled);
            assertThrows(ProvisionedThroughputExceededException.class, () -> k.putRecord(b -> b.streamName("s")
                    .partitionKey("k").data(SdkBytes.fromUtf8String("x"))), "puts are throttled with the data-plane error");
        }
    }
}
