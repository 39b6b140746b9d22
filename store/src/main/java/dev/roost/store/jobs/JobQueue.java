package dev.roost.store.jobs;

import static java.util.Objects.requireNonNull;

import dev.roost.store.Database;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The durable job queue in PostgreSQL: submit, claim under a lease, heartbeat, report, cancel.
 * Each call is one short transaction of its own; claims and reports are single statements, so
 * any number of servers and nodes may use the queue at once. Times come from {@code clock}
 * (the server's), so replicas sharing a database should keep their clocks in sync. See
 * docs/queue.md for the states and the guarantees. Safe for use from any thread.
 */
public final class JobQueue {
    private final Database database;
    private final Clock clock;
    private final RetryPolicy retryPolicy;

    public JobQueue(Database database, Clock clock, RetryPolicy retryPolicy) {
        this.database = requireNonNull(database, "database is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.retryPolicy = requireNonNull(retryPolicy, "retryPolicy is null");
    }

    public RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    public Submission submit(JobRequest request) {
        return submitAll(List.of(request)).get(0);
    }

    /** Submits all or none, in one statement; answers in request order. */
    public List<Submission> submitAll(List<JobRequest> requests) {
        return database.transaction(s -> s.jobs().submit(requests, clock.instant()));
    }

    /** Leases up to the node's capacity of claimable jobs, fairly across workspaces; empty when none is ready. */
    public List<Lease> claim(ClaimRequest request) {
        List<Lease> leases = database.transaction(s -> s.jobs().claim(request, clock.instant()));
        // A statement that took some but not all may have left work in a workspace that offered
        // only its share; each further claim takes at least one job or ends the loop.
        while (!leases.isEmpty() && leases.size() < request.capacity()) {
            ClaimRequest rest = request.withCapacity(request.capacity() - leases.size(), leases);
            List<Lease> more = database.transaction(s -> s.jobs().claim(rest, clock.instant()));
            if (more.isEmpty()) {
                break;
            }
            leases = new java.util.ArrayList<>(leases);
            leases.addAll(more);
        }
        return leases;
    }

    /**
     * One claim statement, in one transaction with {@code admit}, a check on the same database
     * state (such as whether the node may take work now): empty, without claiming, when it says
     * no. Unlike {@link #claim} it does not claim again for a batch left short, so it answers
     * sooner; a long-polling node comes straight back for the rest.
     */
    public Optional<List<Lease>> claimOnce(ClaimRequest request, java.util.function.Predicate<dev.roost.store.Session> admit) {
        return database.transaction(s -> admit.test(s) ? Optional.of(s.jobs().claim(request, clock.instant())) : Optional.empty());
    }

    /** A heartbeat: the lease then lasts {@code duration} from now, unless it was lost. */
    public LeaseAnswer extend(Lease lease, Duration duration) {
        return database.transaction(s -> s.jobs().extend(lease, duration, clock.instant()));
    }

    public Reported complete(Lease lease, String result) {
        return completeAll(List.of(new Completion(lease, result))).get(0);
    }

    /** Records many successes in one statement; each is refused on its own when its lease was lost. */
    public List<Reported> completeAll(List<Completion> completions) {
        return database.transaction(s -> s.jobs().complete(completions, clock.instant()));
    }

    /** A failed attempt: retried after the back-off while attempts remain, else FAILED with {@code reason}. */
    public Reported fail(Lease lease, String reason) {
        return database.transaction(s -> s.jobs().fail(lease, reason, true, retryPolicy, clock.instant()));
    }

    /** A failure that another attempt would not cure: FAILED at once with {@code reason}. */
    public Reported failWithoutRetry(Lease lease, String reason) {
        return database.transaction(s -> s.jobs().fail(lease, reason, false, retryPolicy, clock.instant()));
    }

    /** Cancels (queued) or asks the holder to stop (leased); empty when the workspace has no such job. */
    public Optional<Job> cancel(UUID workspaceId, UUID jobId) {
        return database.transaction(s -> s.jobs().cancel(workspaceId, jobId, clock.instant()));
    }

    /** Takes back up to {@code limit} expired leases; see {@link LeaseReaper}. */
    public List<Job> reapExpired(int limit) {
        return database.transaction(s -> s.jobs().reapExpired(clock.instant(), limit, retryPolicy));
    }

    public Optional<Job> find(UUID workspaceId, UUID jobId) {
        return database.read(s -> s.jobs().find(workspaceId, jobId));
    }

    public Map<JobState, Long> countByState() {
        return database.read(s -> s.jobs().countByState());
    }
}
