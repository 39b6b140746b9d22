package dev.roost.core.secret;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A secret's plaintext value, held only as long as it is needed: {@link #close()} overwrites
 * it with zeros. Use it in try-with-resources. It has no {@code equals} and its
 * {@link #toString()} never prints the value, so it cannot leak through logs or messages.
 * Not thread-safe; owned by the code that resolved it.
 */
public final class SecretValue implements AutoCloseable {
    private final byte[] bytes;
    private boolean cleared;

    private SecretValue(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Takes ownership of {@code bytes} (no copy): it is cleared when this value is closed. */
    public static SecretValue wrap(byte[] bytes) {
        return new SecretValue(requireNonNull(bytes, "bytes is null"));
    }

    /** The value's bytes, shared with this object: do not keep them past {@link #close()}. */
    public byte[] bytes() {
        checkOpen();
        return bytes;
    }

    public int size() {
        return bytes.length;
    }

    /**
     * The value as characters (UTF-8), for environment variables; the caller clears the array
     * when done. Fails, naming no part of the value, when the value is not valid UTF-8.
     */
    public char[] chars() {
        CharBuffer decoded = decode();
        if (decoded == null) {
            throw new IllegalStateException("the secret value is binary, not UTF-8 text");
        }
        char[] chars = Arrays.copyOfRange(decoded.array(), decoded.position(), decoded.limit());
        Arrays.fill(decoded.array(), '\0');
        return chars;
    }

    /** Whether the value is valid UTF-8 text (and so can go into an environment variable). */
    public boolean isText() {
        CharBuffer decoded = decode();
        if (decoded == null) {
            return false;
        }
        Arrays.fill(decoded.array(), '\0');
        return true;
    }

    private CharBuffer decode() {
        checkOpen();
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    @Override
    public void close() {
        Arrays.fill(bytes, (byte) 0);
        cleared = true;
    }

    private void checkOpen() {
        if (cleared) {
            throw new IllegalStateException("the secret value was already cleared");
        }
    }

    @Override
    public String toString() {
        return "SecretValue[" + bytes.length + " bytes, hidden]";
    }
}
