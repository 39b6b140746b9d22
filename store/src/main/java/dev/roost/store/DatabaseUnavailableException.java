package dev.roost.store;

/** The database could not be reached or started. The message says what was tried. */
public final class DatabaseUnavailableException extends RuntimeException {
    public DatabaseUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
