package dev.roost.gateway;

import java.math.BigDecimal;

/** Micro-dollar amounts as text. */
public final class Money {
    private Money() {
    }

    /** {@code 20000000} as {@code "20"}, {@code 1500} as {@code "0.0015"}. */
    public static String usd(long micros) {
        return BigDecimal.valueOf(micros).movePointLeft(6).stripTrailingZeros().toPlainString();
    }

    /** {@code "2.5"} dollars as micro-dollars; throws on more than six decimals or a negative amount. */
    public static long micros(String usd) {
        BigDecimal value = new BigDecimal(usd.trim());
        if (value.signum() < 0) {
            throw new NumberFormatException("negative amount");
        }
        return value.movePointRight(6).longValueExact();
    }
}
