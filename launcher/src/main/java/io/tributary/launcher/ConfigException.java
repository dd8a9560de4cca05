package io.tributary.launcher;

/** An environment variable the launcher reads has a value it cannot use; the message names it. */
final class ConfigException extends RuntimeException {

    ConfigException(String message) {
        super(message);
    }
}
