package io.tributary.gateway.auth;

import io.tributary.aws.AwsException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Requests signed by the AWS SDK's own SigV4 signer, verified (or refused) by the gateway's verifier. */
class SigV4VerifierTest {

    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
    private static final SigV4Verifier VERIFIER = new SigV4Verifier(java.time.Duration.ofMinutes(5));
    private static final Map<String, String> SECRETS = Map.of("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    private static SigV4Verifier.SignedRequest signed(String body, String secret, Instant at, String path, String query) {
        SdkHttpRequest.Builder http = SdkHttpRequest.builder().method(SdkHttpMethod.POST)
                .uri(URI.create("http://localhost:4566" + path + (query == null ? "" : "?" + query)))
                .putHeader("Content-Type", "application/x-amz-json-1.1")
                .putHeader("X-Amz-Target", "Kinesis_20131202.ListStreams");
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsBasicCredentials.create("AKIDEXAMPLE", secret))
                .request(http.build())
                .payload(ContentStreamProvider.fromByteArray(bytes))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "kinesis")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)));
        SdkHttpRequest r = signed.request();
        return new SigV4Verifier.SignedRequest("POST", r.encodedPath(), r.encodedQueryParameters().orElse(null),
                r.headers(), sha256(body));
    }

    private static String sha256(String body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static AwsException refused(SigV4Verifier.SignedRequest request, Instant now) {
        return assertThrows(AwsException.class, () -> VERIFIER.verify(request, SECRETS::get, now));
    }

    @Test
    void acceptsRequestsSignedByTheAwsSdk() {
        SigV4Verifier.Signer signer = VERIFIER.verify(signed("{\"Limit\":5}", SECRETS.get("AKIDEXAMPLE"), NOW, "/", null),
                SECRETS::get, NOW.plusSeconds(10));
        assertEquals(new SigV4Verifier.Signer("AKIDEXAMPLE", "us-east-1", "kinesis"), signer);
        VERIFIER.verify(signed("", SECRETS.get("AKIDEXAMPLE"), NOW, "/v1/streams/orders%20eu/records", "b=2&a=1&a=0"),
                SECRETS::get, NOW);
    }

    @Test
    void refusesATamperedBody() {
        SigV4Verifier.SignedRequest r = signed("{\"Limit\":5}", SECRETS.get("AKIDEXAMPLE"), NOW, "/", null);
        SigV4Verifier.SignedRequest tampered = new SigV4Verifier.SignedRequest(r.method(), r.rawPath(), r.rawQuery(),
                r.headers(), sha256("{\"Limit\":6}"));
        AwsException e = refused(tampered, NOW);
        assertEquals("InvalidSignatureException", e.type());
        assertEquals(400, e.status());
    }

    @Test
    void refusesAWrongSecret() {
        assertEquals("InvalidSignatureException", refused(signed("{}", "not-the-secret", NOW, "/", null), NOW).type());
    }

    @Test
    void refusesRequestsOutsideTheAllowedClockSkew() {
        SigV4Verifier.SignedRequest r = signed("{}", SECRETS.get("AKIDEXAMPLE"), NOW, "/", null);
        VERIFIER.verify(r, SECRETS::get, NOW.plusSeconds(299));
        AwsException old = refused(r, NOW.plusSeconds(301));
        assertEquals("InvalidSignatureException", old.type());
        assertEquals(true, old.getMessage().startsWith("Signature expired"), old.getMessage());
        assertEquals("InvalidSignatureException", refused(r, NOW.minusSeconds(301)).type());
    }

    @Test
    void refusesUnsignedAndUnknownKeys() {
        SigV4Verifier.SignedRequest r = signed("{}", SECRETS.get("AKIDEXAMPLE"), NOW, "/", null);
        SigV4Verifier.SignedRequest unsigned = new SigV4Verifier.SignedRequest("POST", "/", null,
                Map.of("Host", List.of("localhost:4566")), sha256("{}"));
        assertEquals("MissingAuthenticationTokenException", refused(unsigned, NOW).type());
        assertEquals("UnrecognizedClientException",
                assertThrows(AwsException.class, () -> VERIFIER.verify(r, id -> null, NOW)).type());
        SigV4Verifier.SignedRequest garbled = new SigV4Verifier.SignedRequest("POST", "/", null,
                Map.of("Authorization", List.of("AWS4-HMAC-SHA256 nonsense")), sha256("{}"));
        assertEquals("IncompleteSignatureException", refused(garbled, NOW).type());
    }
}
