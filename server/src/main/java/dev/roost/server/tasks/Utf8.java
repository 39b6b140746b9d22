package dev.roost.server.tasks;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Whether task output is text: bytes that are valid UTF-8 show as text, others also as their exact bytes. */
final class Utf8 {
    private Utf8() {
    }

    static boolean valid(byte[] bytes) {
        return valid(bytes, bytes.length);
    }

    /** Whether the first {@code length} bytes are valid UTF-8. */
    static boolean valid(byte[] bytes, int length) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 0, length));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /**
     * Whether text cut at a byte limit is valid UTF-8 but for a character the cut split (at most
     * three bytes of it at the end).
     */
    static boolean validUpToCut(byte[] bytes) {
        for (int drop = 0; drop <= Math.min(3, bytes.length); drop++) {
            if (valid(bytes, bytes.length - drop)) {
                return true;
            }
        }
        return false;
    }
}
