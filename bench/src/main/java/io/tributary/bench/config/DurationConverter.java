package io.tributary.bench.config;

import picocli.CommandLine;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads durations written as {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1m30s}, {@code 1h}, plain seconds or ISO-8601. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    private static final Pattern PART = Pattern.compile("(\\d+)(ms|h|m|s)");
    private static final Pattern WHOLE = Pattern.compile("(\\d+(ms|h|m|s))+");

    @Override
    public Duration convert(String value) {
        String text = value.trim().toLowerCase();
        if (text.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(text));
        }
        if (WHOLE.matcher(text).matches()) {
            Duration total = Duration.ZERO;
            Matcher part = PART.matcher(text);
            while (part.find()) {
                long amount = Long.parseLong(part.group(1));
                total = total.plus(switch (part.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    default -> Duration.ofHours(amount);
                });
            }
            return total;
        }
        try {
            return Duration.parse(value.trim().toUpperCase());
        } catch (DateTimeParseException e) {
            throw new CommandLine.TypeConversionException("'" + value
                    + "' is not a duration: write for example 30s, 500ms, 2m, 1m30s, 1h or PT30S");
        }
    }
}
