package dev.roost.server.system;

import java.util.concurrent.atomic.AtomicBoolean;

/** Whether start-up has finished; /readyz answers 503 until it has and after shutdown begins. */
public final class Readiness {
    private final AtomicBoolean started = new AtomicBoolean();

    public boolean started() {
        return started.get();
    }

    public void markStarted() {
        started.set(true);
    }

    public void markStopping() {
        started.set(false);
    }
}
