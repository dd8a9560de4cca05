package io.tributary.connector;

import java.util.ArrayList;
import java.util.List;

/**
 * Which shard-service instance a consumer group member talks to for membership and checkpoints: the
 * configured one (the empty endpoint), or, once it cannot be reached, the next of the instances the group
 * named as shard owners (any instance serves any group). Thread-safe.
 */
final class InstanceRotation {

    /** The configured instance. */
    static final String CONFIGURED = "";

    private final List<String> endpoints = new ArrayList<>(List.of(CONFIGURED));
    private int current;

    /** Remembers an instance ({@code host:port}) as a place to go when the current one is unreachable. */
    synchronized void learn(String endpoint) {
        if (endpoint != null && !endpoint.isEmpty() && !endpoints.contains(endpoint)) {
            endpoints.add(endpoint);
        }
    }

    /** The instance to talk to now: {@link #CONFIGURED} or a {@code host:port}. */
    synchronized String current() {
        return endpoints.get(current);
    }

    /** {@code endpoint} could not be reached: the next instance becomes current, unless another call moved on already. */
    synchronized void unreachable(String endpoint) {
        if (endpoints.get(current).equals(endpoint)) {
            current = (current + 1) % endpoints.size();
        }
    }

    /** How many instances are known, the configured one included. */
    synchronized int size() {
        return endpoints.size();
    }
}
