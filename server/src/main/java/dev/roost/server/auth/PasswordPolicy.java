package dev.roost.server.auth;

import dev.roost.core.error.RoostException;

/** The minimum for passwords Roost accepts: long enough, not trivially repetitive. */
public final class PasswordPolicy {
    public static final int MIN_LENGTH = 12;

    private PasswordPolicy() {
    }

    public static void check(String pointer, String password) {
        if (password == null || password.length() < MIN_LENGTH) {
            throw RoostException.invalid(pointer, "passwords must be at least " + MIN_LENGTH + " characters long");
        }
        if (password.chars().distinct().count() < 4) {
            throw RoostException.invalid(pointer, "the password is too repetitive; use at least 4 different characters");
        }
    }
}
