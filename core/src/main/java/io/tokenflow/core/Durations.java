package io.tokenflow.core;

import java.time.Duration;

/**
 * Durations as people read them in logs and messages: {@code 9m 59s}, {@code 24h}, {@code 1d 2h},
 * {@code 250ms}, instead of {@code PT9M59.988S}. Units from days down to seconds, each that is not
 * zero; fractions of a second are cut (a duration under one second is shown in milliseconds).
 */
final class Durations {

    private Durations() {
    }

    static String readable(Duration duration) {
        if (duration.isNegative()) {
            return "-" + readable(duration.negated());
        }
        if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
            return duration.toMillis() + "ms";
        }
        StringBuilder out = new StringBuilder();
        append(out, duration.toDays(), "d");
        append(out, duration.toHoursPart(), "h");
        append(out, duration.toMinutesPart(), "m");
        append(out, duration.toSecondsPart(), "s");
        return out.toString();
    }

    private static void append(StringBuilder out, long amount, String unit) {
        if (amount != 0) {
            out.append(out.length() == 0 ? "" : " ").append(amount).append(unit);
        }
    }
}
