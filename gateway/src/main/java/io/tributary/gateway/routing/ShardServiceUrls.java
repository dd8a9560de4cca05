package io.tributary.gateway.routing;

import io.tributary.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shard-service instances behind the gateway ({@code services.shard-url}: one base URL or several,
 * comma-separated). Every instance serves the Kinesis API for every shard, so requests go to one of them;
 * when it does not accept a connection the gateway moves on to the next one, for this request and the
 * following ones.
 */
@ApplicationScoped
public class ShardServiceUrls {

    private static final Logger LOG = Logger.getLogger(ShardServiceUrls.class);

    private final List<String> urls;
    private final AtomicInteger current = new AtomicInteger();

    @jakarta.inject.Inject
    public ShardServiceUrls(GatewayConfig config) {
        this(config.services().shardUrl());
    }

    ShardServiceUrls(String configured) {
        this.urls = Arrays.stream(configured.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> s.endsWith("/") ? s.substring(0, s.length() - 1) : s).toList();
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("tributary.gateway.services.shard-url names no shard-service instance");
        }
    }

    /** The instance requests go to now. */
    public String current() {
        return urls.get(Math.floorMod(current.get(), urls.size()));
    }

    /** How many instances are configured: the most a request tries. */
    public int count() {
        return urls.size();
    }

    /**
     * The instance at {@code url} refused the connection: later requests go to the next one (unless another
     * request already moved on).
     */
    public void unreachable(String url) {
        int seen = current.get();
        if (urls.size() > 1 && urls.get(Math.floorMod(seen, urls.size())).equals(url) && current.compareAndSet(seen, seen + 1)) {
            LOG.warnf("shard-service at %s does not accept connections; sending requests to %s", url, current());
        }
    }

    /** Whether a failure is a connection that could not be made (so nothing of the request was sent). */
    public static boolean notConnected(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.net.ConnectException || c instanceof java.nio.channels.UnresolvedAddressException
                    || c instanceof java.net.UnknownHostException) {
                return true;
            }
        }
        return false;
    }
}
