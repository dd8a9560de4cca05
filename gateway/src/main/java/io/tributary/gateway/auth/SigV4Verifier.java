package io.tributary.gateway.auth;

import io.tributary.aws.AwsException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Verifies AWS Signature Version 4 ({@code Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
 * Signature=...}) the way AWS services do, and answers failures with the errors AWS clients know:
 * {@code MissingAuthenticationTokenException}, {@code IncompleteSignatureException},
 * {@code UnrecognizedClientException}, {@code InvalidSignatureException} (also for a request time more
 * than the allowed skew away from the server's clock).
 *
 * <p>Pure computation: the caller supplies the request parts, the SHA-256 of the body it received and a
 * lookup of secret keys.
 */
public final class SigV4Verifier {

    private static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256\\s+Credential=([^,\\s]+)\\s*,\\s*SignedHeaders=([^,\\s]+)\\s*,\\s*Signature=([0-9a-fA-F]+)\\s*");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final HexFormat HEX = HexFormat.of();

    private final Duration allowedSkew;

    public SigV4Verifier(Duration allowedSkew) {
        this.allowedSkew = allowedSkew;
    }

    /** A request as received. Header names are matched case-insensitively. */
    public record SignedRequest(String method, String rawPath, String rawQuery, Map<String, List<String>> headers,
                                String payloadSha256Hex) {

        List<String> header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue();
                }
            }
            return List.of();
        }

        String first(String name) {
            List<String> v = header(name);
            return v.isEmpty() ? null : v.get(0);
        }
    }

    /** What a valid signature proves: who signed, and for which service and region. */
    public record Signer(String accessKeyId, String region, String service) {
    }

    /**
     * Checks the signature of a request.
     *
     * @param secrets the secret access key of an access key id, or {@code null} for an unknown one
     * @throws AwsException when the request is unsigned, the signature is malformed, the key unknown, the
     *                      time outside the allowed skew or the signature wrong
     */
    public Signer verify(SignedRequest request, Function<String, String> secrets, Instant now) {
        String authorization = request.first("Authorization");
        if (authorization == null || authorization.isBlank()) {
            throw new AwsException("MissingAuthenticationTokenException", 400, "Missing Authentication Token");
        }
        if (!authorization.startsWith(ALGORITHM)) {
            throw new AwsException("IncompleteSignatureException", 400,
                    "Authorization header requires the " + ALGORITHM + " algorithm.");
        }
        Matcher m = AUTHORIZATION.matcher(authorization);
        if (!m.matches()) {
            throw new AwsException("IncompleteSignatureException", 400,
                    "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization="
                            + authorization);
        }
        String[] credential = m.group(1).split("/");
        if (credential.length != 5 || !credential[4].equals("aws4_request")) {
            throw new AwsException("IncompleteSignatureException", 400,
                    "Credential should be scoped to a valid region, like 'us-east-1'. Credential=" + m.group(1));
        }
        String accessKeyId = credential[0];
        String scopeDate = credential[1];
        String region = credential[2];
        String service = credential[3];
        List<String> signedHeaders = List.of(m.group(2).toLowerCase(Locale.ROOT).split(";"));
        if (!signedHeaders.contains("host")) {
            throw new AwsException("IncompleteSignatureException", 400, "'Host' must be a signed header.");
        }

        String amzDate = request.first("X-Amz-Date");
        Instant requestTime;
        try {
            requestTime = amzDate != null ? Instant.from(AMZ_DATE.parse(amzDate))
                    : request.first("Date") != null
                    ? Instant.from(DateTimeFormatter.RFC_1123_DATE_TIME.parse(request.first("Date")))
                    : null;
        } catch (DateTimeParseException e) {
            requestTime = null;
        }
        if (requestTime == null) {
            throw new AwsException("IncompleteSignatureException", 400,
                    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }
        String requestStamp = AMZ_DATE.format(requestTime);
        if (!requestStamp.startsWith(scopeDate)) {
            throw new AwsException("InvalidSignatureException", 400, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"
                    + scopeDate + "' != '" + requestStamp.substring(0, 8) + "', from '" + requestStamp + "'.");
        }
        if (requestTime.isBefore(now.minus(allowedSkew))) {
            throw new AwsException("InvalidSignatureException", 400, "Signature expired: " + requestStamp
                    + " is now earlier than " + AMZ_DATE.format(now.minus(allowedSkew)) + " (" + AMZ_DATE.format(now)
                    + " - " + allowedSkew.toMinutes() + " min.)");
        }
        if (requestTime.isAfter(now.plus(allowedSkew))) {
            throw new AwsException("InvalidSignatureException", 400, "Signature not yet current: " + requestStamp
                    + " is still later than " + AMZ_DATE.format(now.plus(allowedSkew)) + " (" + AMZ_DATE.format(now)
                    + " + " + allowedSkew.toMinutes() + " min.)");
        }

        String secret = secrets.apply(accessKeyId);
        if (secret == null) {
            throw new AwsException("UnrecognizedClientException", 400, "The security token included in the request is invalid.");
        }

        String contentSha = request.first("X-Amz-Content-Sha256");
        String payloadHash = request.payloadSha256Hex();
        if (contentSha != null && !contentSha.equals("UNSIGNED-PAYLOAD") && !contentSha.equalsIgnoreCase(payloadHash)) {
            throw new AwsException("InvalidSignatureException", 400,
                    "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }
        if ("UNSIGNED-PAYLOAD".equals(contentSha)) {
            payloadHash = contentSha;
        }

        String canonicalRequest = request.method().toUpperCase(Locale.ROOT) + "\n"
                + canonicalPath(request.rawPath()) + "\n"
                + canonicalQuery(request.rawQuery()) + "\n"
                + canonicalHeaders(request, signedHeaders) + "\n"
                + String.join(";", signedHeaders) + "\n"
                + payloadHash;
        String scope = scopeDate + "/" + region + "/" + service + "/aws4_request";
        String stringToSign = ALGORITHM + "\n" + requestStamp + "\n" + scope + "\n" + HEX.formatHex(sha256(canonicalRequest));
        byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), scopeDate);
        key = hmac(key, region);
        key = hmac(key, service);
        key = hmac(key, "aws4_request");
        byte[] expected = hmac(key, stringToSign);
        byte[] given = HEX.parseHex(m.group(3).length() % 2 == 0 ? m.group(3).toLowerCase(Locale.ROOT) : "0" + m.group(3));
        if (!MessageDigest.isEqual(expected, given)) {
            throw new AwsException("InvalidSignatureException", 400, "The request signature we calculated does not match the signature you provided. "
                    + "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
        }
        return new Signer(accessKeyId, region, service);
    }

    /**
     * The access key id named in an {@code Authorization} header, to look its secret up before verifying.
     *
     * @return the id, or {@code null} when the header is absent or not a SigV4 authorization
     */
    public static String accessKeyId(String authorization) {
        if (authorization == null) {
            return null;
        }
        Matcher m = AUTHORIZATION.matcher(authorization);
        if (!m.matches()) {
            return null;
        }
        int slash = m.group(1).indexOf('/');
        return slash < 0 ? null : m.group(1).substring(0, slash);
    }

    /** The path as signed: every segment URI-encoded once more, as AWS does for all services but S3. */
    static String canonicalPath(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        String[] segments = rawPath.split("/", -1);
        StringBuilder out = new StringBuilder(rawPath.length() + 8);
        for (int i = 0; i < segments.length; i++) {
            if (i > 0) {
                out.append('/');
            }
            out.append(encode(segments[i]));
        }
        return out.toString();
    }

    static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        TreeMap<String, List<String>> params = new TreeMap<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            params.computeIfAbsent(encode(name), k -> new ArrayList<>()).add(encode(value));
        }
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            List<String> values = new ArrayList<>(e.getValue());
            values.sort(null);
            for (String v : values) {
                if (out.length() > 0) {
                    out.append('&');
                }
                out.append(e.getKey()).append('=').append(v);
            }
        }
        return out.toString();
    }

    private static String canonicalHeaders(SignedRequest request, List<String> signedHeaders) {
        StringBuilder out = new StringBuilder();
        for (String name : signedHeaders) {
            List<String> values = request.header(name);
            List<String> trimmed = new ArrayList<>(values.size());
            for (String v : values) {
                trimmed.add(v.trim().replaceAll("\\s+", " "));
            }
            out.append(name).append(':').append(String.join(",", trimmed)).append('\n');
        }
        return out.toString();
    }

    /** RFC 3986 encoding: unreserved characters stay, everything else is %XX of its UTF-8 bytes. */
    static String encode(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is a mandatory JDK algorithm", e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is a mandatory JDK algorithm", e);
        }
    }
}
