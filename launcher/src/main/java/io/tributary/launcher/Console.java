package io.tributary.launcher;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Everything the launcher tells its user. One place so that lines from the main thread, the stop thread
 * and the exit watchers never interleave mid-line, and every line carries the time it happened.
 */
final class Console {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
    private static final String INDENT = "          ";

    private Console() {
    }

    /** A step the launcher is taking or has finished. */
    static void say(String message) {
        print(System.out, TIME.format(LocalTime.now()) + "  " + message);
    }

    /** A continuation of the previous step (endpoints, hints), aligned under its text. */
    static void detail(String message) {
        print(System.out, INDENT + message);
    }

    /** Something went wrong; goes to stderr so scripts can tell it apart. */
    static void error(String message) {
        print(System.err, TIME.format(LocalTime.now()) + "  ERROR " + message);
    }

    /** Quotes the end of a log file so the cause of a failure is on screen, not behind a path. */
    static void quote(String title, List<String> lines) {
        synchronized (Console.class) {
            System.err.println(INDENT + title);
            if (lines.isEmpty()) {
                System.err.println(INDENT + "| (log is empty)");
            }
            for (String line : lines) {
                System.err.println(INDENT + "| " + line);
            }
            System.err.flush();
        }
    }

    private static void print(PrintStream stream, String line) {
        synchronized (Console.class) {
            stream.println(line);
            stream.flush();
        }
    }
}
