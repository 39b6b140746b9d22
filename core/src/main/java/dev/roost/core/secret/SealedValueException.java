package dev.roost.core.secret;

/**
 * A sealed value could not be opened: it was sealed under another master key, it was changed,
 * or it belongs to another secret or workspace. Never carries any part of a value.
 */
public final class SealedValueException extends RuntimeException {
    public SealedValueException(String message) {
        super(message, null, false, false);
    }
}
