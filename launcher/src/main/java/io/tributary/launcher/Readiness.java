package io.tributary.launcher;

/**
 * One answer of a readiness probe.
 *
 * @param state  what the answer means
 * @param detail the HTTP status or the connection error, for messages
 */
record Readiness(State state, String detail) {

    enum State {
        /** {@code /q/health/ready} answered 200. */
        READY,
        /** The service answers HTTP but is not ready (typically 503 while a dependency is down). */
        NOT_READY,
        /** Nothing answered: not started, not listening yet, or gone. */
        UNREACHABLE
    }

    boolean ready() {
        return state == State.READY;
    }
}
