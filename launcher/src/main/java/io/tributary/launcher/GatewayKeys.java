package io.tributary.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the gateway needs to start on a developer's machine: the master key that encrypts secret access
 * keys (generated once into {@code .tributary/gateway-master.key} unless {@code TRIBUTARY_GATEWAY_MASTER_KEY}
 * is set) and a development access key {@code test}/{@code test} of account {@code 000000000000} (the
 * local-AWS convention) with the bearer API key {@code test}, unless
 * {@code TRIBUTARY_GATEWAY_BOOTSTRAP_ACCESS_KEY_ID} is set.
 */
final class GatewayKeys {

    static final String MASTER_KEY = "TRIBUTARY_GATEWAY_MASTER_KEY";
    static final String ACCESS_KEY_ID = "TRIBUTARY_GATEWAY_BOOTSTRAP_ACCESS_KEY_ID";
    static final String SECRET_ACCESS_KEY = "TRIBUTARY_GATEWAY_BOOTSTRAP_SECRET_ACCESS_KEY";
    static final String ACCOUNT_ID = "TRIBUTARY_GATEWAY_BOOTSTRAP_ACCOUNT_ID";
    static final String API_KEY = "TRIBUTARY_GATEWAY_BOOTSTRAP_API_KEY";
    static final String DEV_ACCESS_KEY = "test";

    private GatewayKeys() {
    }

    /** Environment entries to add for the services; what {@code env} already sets is left alone. */
    static Map<String, String> environment(Map<String, String> env, Path masterKeyFile) {
        Map<String, String> out = new LinkedHashMap<>();
        if (blank(env.get(MASTER_KEY))) {
            out.put(MASTER_KEY, masterKey(masterKeyFile));
        }
        if (blank(env.get(ACCESS_KEY_ID))) {
            out.put(ACCESS_KEY_ID, DEV_ACCESS_KEY);
            out.put(SECRET_ACCESS_KEY, DEV_ACCESS_KEY);
            out.put(ACCOUNT_ID, "000000000000");
            if (blank(env.get(API_KEY))) {
                out.put(API_KEY, DEV_ACCESS_KEY);
            }
        }
        return out;
    }

    /** A random 256-bit key kept base64-encoded in {@code file}, generated on first use (owner-only permissions). */
    static String masterKey(Path file) {
        try {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.US_ASCII).trim();
            }
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            String encoded = Base64.getEncoder().encodeToString(key);
            Files.createDirectories(file.getParent());
            Files.writeString(file, encoded + "\n", StandardCharsets.US_ASCII);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the file keeps the default permissions
            }
            return encoded;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
