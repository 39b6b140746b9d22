package dev.roost.gateway;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A spending limit for a virtual key: {@code micros} micro-dollars per {@code period}. Written
 * {@code 20USD/month}, {@code 1.5USD/day} or {@code 100USD/total}. Periods are calendar days and
 * months in UTC.
 */
public record Budget(long micros, Period period) {
    private static final Pattern TEXT = Pattern.compile("^(\\d{1,9}(?:\\.\\d{1,6})?)\\s*USD\\s*/\\s*(day|month|total)$",
            Pattern.CASE_INSENSITIVE);

    public enum Period {
        DAY,
        MONTH,
        TOTAL;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** When the period that holds {@code now} began. */
        public Instant start(Instant now) {
            LocalDate day = LocalDate.ofInstant(now, ZoneOffset.UTC);
            return switch (this) {
                case DAY -> day.atStartOfDay(ZoneOffset.UTC).toInstant();
                case MONTH -> day.withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant();
                case TOTAL -> Instant.EPOCH;
            };
        }

        public static Period parse(String text) {
            return valueOf(text.toUpperCase(Locale.ROOT));
        }
    }

    public Budget {
        requireNonNull(period, "period is null");
        if (micros <= 0) {
            throw new IllegalArgumentException("a budget must be positive");
        }
    }

    /** Parses {@code 20USD/month}; empty when the text does not look like a budget. */
    public static Optional<Budget> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = TEXT.matcher(text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        long micros = new BigDecimal(m.group(1)).movePointRight(6).longValueExact();
        if (micros <= 0) {
            return Optional.empty();
        }
        return Optional.of(new Budget(micros, Period.parse(m.group(2))));
    }

    @Override
    public String toString() {
        return Money.usd(micros) + "USD/" + period.wireName();
    }
}
