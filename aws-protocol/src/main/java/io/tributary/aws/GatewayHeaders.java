package io.tributary.aws;

/**
 * Headers the gateway adds to every request it forwards to a service, after authenticating it. Services
 * trust them because only the gateway is reachable from outside; the gateway removes any a client sent.
 */
public final class GatewayHeaders {

    /** The 12-digit account id of the authenticated tenant. */
    public static final String TENANT = "X-Tributary-Tenant";

    /** The request id the gateway gave the request, echoed as {@code x-amzn-RequestId}. */
    public static final String REQUEST_ID = "x-amzn-RequestId";

    private GatewayHeaders() {
    }
}
