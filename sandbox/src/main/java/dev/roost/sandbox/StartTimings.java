package dev.roost.sandbox;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;

/**
 * How a job's start went, for finding where start latency goes.
 *
 * @param launchedAt when the jail's process was started, or a waiting jail was released (wall clock)
 * @param prepare    from {@link Sandbox#start} until the jail could be launched: working directory, attachments, cgroup and
 *                   its limits
 * @param launch     starting the jail's first process (cold), or releasing a waiting jail (warm)
 * @param warm       the job ran in a jail set up before it was asked for, so only its own files and limits were left to do
 */
public record StartTimings(Instant launchedAt, Duration prepare, Duration launch, boolean warm) {
    public StartTimings {
        requireNonNull(launchedAt, "launchedAt is null");
        requireNonNull(prepare, "prepare is null");
        requireNonNull(launch, "launch is null");
    }
}
