package dev.roost.cli.output;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/** Timestamps from the API, written for people. */
public final class TimeText {
    private TimeText() {
    }

    /** How long ago, kubectl style: 45s, 12m, 3h, 5d. */
    public static String age(String iso, Instant now) {
        Instant at = parse(iso);
        if (at == null) {
            return null;
        }
        Duration d = Duration.between(at, now);
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        if (d.toMinutes() < 2) {
            return d.toSeconds() + "s";
        }
        if (d.toHours() < 2) {
            return d.toMinutes() + "m";
        }
        if (d.toDays() < 2) {
            return d.toHours() + "h";
        }
        return d.toDays() + "d";
    }

    /** The instant to the second, e.g. 2026-01-31T09:15:02Z. */
    public static String timestamp(String iso) {
        Instant at = parse(iso);
        return at == null ? iso : at.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static Instant parse(String iso) {
        if (iso == null) {
            return null;
        }
        try {
            return Instant.parse(iso);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
