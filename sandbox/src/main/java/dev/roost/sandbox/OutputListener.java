package dev.roost.sandbox;

/**
 * Receives a job's output as it comes, chunk by chunk, as long as the stream is within the
 * job's output cap. Called from one thread per stream; must not block for long (it holds up
 * the job's pipe). A listener that throws is ignored from then on; the job goes on.
 */
@FunctionalInterface
public interface OutputListener {
    /** Which of the job's streams a chunk came from. */
    enum Stream {
        STDOUT,
        STDERR
    }

    OutputListener NONE = (stream, chunk) -> {
    };

    /** {@code chunk} is the listener's to keep. */
    void onOutput(Stream stream, byte[] chunk);
}
