package dev.roost.store.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roost.core.error.ErrorCode;
import dev.roost.core.error.RoostException;
import dev.roost.store.Database;
import dev.roost.store.Rows;
import dev.roost.store.testing.ManualClock;
import dev.roost.store.testing.TestPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

/**
 * Random sequences of submissions, claims, heartbeats, reports, cancels, clock moves and reaper
 * passes, run against the real queue and a plain model of it. After every step the stored jobs
 * must match the model: no job lost or invented, at most one holder per job (the token of its
 * latest claim), final states never left, attempts never above the maximum; and every answer
 * (who may report, what a claim hands out, what the reaper takes back) must be the model's.
 */
class JobQueueProperties {
    private static final RetryPolicy RETRY = new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(8));
    private static Database db;
    private static List<UUID> workspaces;

    private static synchronized Database db() {
        if (db == null) {
            db = TestPostgres.get().newDatabase();
            workspaces = List.of(JobQueueTest.workspace(db, "a"), JobQueueTest.workspace(db, "b"));
        }
        return db;
    }

    @AfterContainer
    static synchronized void closeDatabase() {
        if (db != null) {
            db.close();
            db = null;
        }
    }

    @Property(tries = 80)
    void theQueueBehavesLikeItsModel(@ForAll("chains") ActionChain<Model> chain) {
        chain.withInvariant("stored jobs match the model", Model::check).run();
    }

    @Provide
    Arbitrary<ActionChain<Model>> chains() {
        return ActionChain.startWith(Model::new)
                .withAction(4, new Submit())
                .withAction(4, new Claim())
                .withAction(3, new Complete())
                .withAction(2, new Fail())
                .withAction(2, new Extend())
                .withAction(1, new Cancel())
                .withAction(3, new AdvanceClock())
                .withAction(2, Action.<Model>just("reap", Transformer.<Model>mutate("reap", Model::reap)))
                .withMaxTransformations(40);
    }

    /** What the model knows of one job. */
    static final class Expected {
        final UUID workspace;
        final String kind;
        final int maxAttempts;
        JobState state = JobState.QUEUED;
        int attempts;
        UUID token;
        Instant leaseExpires;
        Instant runAfter;
        boolean cancelRequested;

        Expected(UUID workspace, String kind, int maxAttempts, Instant runAfter) {
            this.workspace = workspace;
            this.kind = kind;
            this.maxAttempts = maxAttempts;
            this.runAfter = runAfter;
        }
    }

    static final class Model {
        final ManualClock clock = new ManualClock();
        final JobQueue queue = new JobQueue(db(), clock, RETRY);
        final Map<UUID, Expected> jobs = new HashMap<>();
        final Map<String, UUID> keys = new HashMap<>();
        final List<UUID> submitted = new ArrayList<>();
        final List<Lease> issued = new ArrayList<>();

        Model() {
            db().transaction(s -> s.handle().execute("DELETE FROM jobs"));
        }

        void submit(int workspace, String kind, int maxAttempts, String key) {
            UUID ws = workspaces.get(workspace);
            JobRequest request = JobRequest.of(ws, kind, "{\"kind\": \"" + kind + "\"}").withMaxAttempts(maxAttempts)
                    .withIdempotencyKey(key);
            UUID known = key == null ? null : keys.get(ws + "/" + key);
            if (known != null) {
                Expected first = jobs.get(known);
                if (first.kind.equals(kind) && first.maxAttempts == maxAttempts) {
                    Submission again = queue.submit(request);
                    assertThat(again.created()).isFalse();
                    assertThat(again.job().id()).isEqualTo(known);
                } else {
                    assertThatThrownBy(() -> queue.submit(request)).isInstanceOfSatisfying(RoostException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.IDEMPOTENCY_KEY_REUSED));
                }
                return;
            }
            Submission s = queue.submit(request);
            assertThat(s.created()).isTrue();
            jobs.put(s.job().id(), new Expected(ws, kind, maxAttempts, clock.instant()));
            submitted.add(s.job().id());
            if (key != null) {
                keys.put(ws + "/" + key, s.job().id());
            }
        }

        void claim(String node, int capacity, int leaseSeconds) {
            Instant now = clock.instant();
            long ready = jobs.values().stream().filter(j -> j.state == JobState.QUEUED && !j.runAfter.isAfter(now)).count();
            List<Lease> leases = queue.claim(ClaimRequest.of(node, capacity, Duration.ofSeconds(leaseSeconds)));
            assertThat(leases).as("a claim takes what is ready, up to its capacity").hasSize((int) Math.min(capacity, ready));
            for (Lease lease : leases) {
                Expected e = jobs.get(lease.jobId());
                assertThat(e).as("a claimed job was submitted").isNotNull();
                assertThat(e.state).as("only a queued job is claimed").isEqualTo(JobState.QUEUED);
                assertThat(e.token).as("never two holders").isNull();
                assertThat(e.runAfter).as("not claimed before its back-off ends").isBeforeOrEqualTo(now);
                e.state = JobState.LEASED;
                e.attempts++;
                e.token = lease.token();
                e.leaseExpires = lease.expiresAt();
                assertThat(lease.job().attempts()).isEqualTo(e.attempts);
                issued.add(lease);
            }
        }

        void complete(int leaseIndex) {
            Lease lease = issued.get(leaseIndex);
            Expected e = jobs.get(lease.jobId());
            Reported r = queue.complete(lease, "{\"ok\": true}");
            if (lease.token().equals(e.token)) {
                assertThat(r).isInstanceOf(Reported.Recorded.class);
                e.state = JobState.SUCCEEDED;
                e.token = null;
            } else {
                assertThat(r).as("a stale holder's report is refused").isEqualTo(new Reported.LeaseLost(lease.jobId()));
            }
        }

        void fail(int leaseIndex, boolean retry) {
            Lease lease = issued.get(leaseIndex);
            Expected e = jobs.get(lease.jobId());
            Reported r = retry ? queue.fail(lease, "boom") : queue.failWithoutRetry(lease, "boom");
            if (!lease.token().equals(e.token)) {
                assertThat(r).as("a stale holder's report is refused").isEqualTo(new Reported.LeaseLost(lease.jobId()));
                return;
            }
            assertThat(r).isInstanceOf(Reported.Recorded.class);
            takeBack(e, retry);
        }

        private void takeBack(Expected e, boolean retry) {
            e.token = null;
            e.leaseExpires = null;
            if (e.cancelRequested) {
                e.state = JobState.CANCELLED;
            } else if (retry && e.attempts < e.maxAttempts) {
                e.state = JobState.QUEUED;
                e.runAfter = clock.instant().plus(RETRY.delayAfter(e.attempts));
            } else {
                e.state = JobState.FAILED;
            }
        }

        void extend(int leaseIndex, int seconds) {
            Lease lease = issued.get(leaseIndex);
            Expected e = jobs.get(lease.jobId());
            LeaseAnswer answer = queue.extend(lease, Duration.ofSeconds(seconds));
            if (lease.token().equals(e.token)) {
                e.leaseExpires = clock.instant().plusSeconds(seconds);
                assertThat(answer).isEqualTo(new LeaseAnswer.Extended(lease.jobId(), e.leaseExpires, e.cancelRequested));
            } else {
                assertThat(answer).isEqualTo(new LeaseAnswer.Lost(lease.jobId()));
            }
        }

        void cancel(int jobIndex) {
            UUID id = submitted.get(jobIndex % submitted.size());
            Expected e = jobs.get(id);
            Job after = queue.cancel(e.workspace, id).orElseThrow();
            switch (e.state) {
                case QUEUED -> {
                    e.state = JobState.CANCELLED;
                    e.cancelRequested = true;
                }
                case LEASED -> e.cancelRequested = true;
                case SUCCEEDED, FAILED, CANCELLED -> {
                    // Final: nothing changes.
                }
            }
            assertThat(after.state()).isEqualTo(e.state);
        }

        void reap() {
            Instant now = clock.instant();
            Set<UUID> expired = jobs.entrySet().stream()
                    .filter(x -> x.getValue().state == JobState.LEASED && x.getValue().leaseExpires.isBefore(now))
                    .map(Map.Entry::getKey).collect(Collectors.toSet());
            List<Job> reaped = queue.reapExpired(1000);
            assertThat(reaped).extracting(Job::id).containsExactlyInAnyOrderElementsOf(expired);
            for (UUID id : expired) {
                takeBack(jobs.get(id), true);
            }
        }

        void check() {
            record Row(UUID id, JobState state, int attempts, int maxAttempts, UUID token, boolean cancel, Instant runAfter) {
            }
            Map<UUID, Row> rows = db().read(s -> s.handle().createQuery(
                            "SELECT id, state, attempts, max_attempts, lease_token, cancel_requested, run_after FROM jobs")
                    .map((rs, ctx) -> new Row(rs.getObject("id", UUID.class), JobState.valueOf(rs.getString("state")),
                            rs.getInt("attempts"), rs.getInt("max_attempts"), rs.getObject("lease_token", UUID.class),
                            rs.getBoolean("cancel_requested"), Rows.instant(rs, "run_after")))
                    .list()).stream().collect(Collectors.toMap(Row::id, r -> r));
            assertThat(rows.keySet()).as("no job lost, none invented").isEqualTo(jobs.keySet());
            for (Map.Entry<UUID, Expected> x : jobs.entrySet()) {
                Row row = rows.get(x.getKey());
                Expected e = x.getValue();
                assertThat(row.state()).as("state of %s", x.getKey()).isEqualTo(e.state);
                assertThat(row.token()).as("the only holder is the latest claim").isEqualTo(e.token);
                assertThat(row.attempts()).isEqualTo(e.attempts).isLessThanOrEqualTo(row.maxAttempts());
                assertThat(row.cancel()).isEqualTo(e.cancelRequested);
                if (e.state == JobState.QUEUED) {
                    assertThat(row.runAfter()).isEqualTo(e.runAfter);
                }
            }
        }
    }

    static final class Submit implements Action.Independent<Model> {
        @Override
        public Arbitrary<Transformer<Model>> transformer() {
            return Combinators.combine(Arbitraries.integers().between(0, 1), Arbitraries.of("script", "commands"),
                            Arbitraries.integers().between(1, 3), Arbitraries.of("k1", "k2").injectNull(0.6))
                    .as((ws, kind, attempts, key) -> Transformer.<Model>mutate(
                            "submit ws=" + ws + " " + kind + " max=" + attempts + " key=" + key,
                            m -> m.submit(ws, kind, attempts, key)));
        }
    }

    static final class Claim implements Action.Independent<Model> {
        @Override
        public Arbitrary<Transformer<Model>> transformer() {
            return Combinators.combine(Arbitraries.of("n1", "n2", "n3"), Arbitraries.integers().between(1, 3),
                            Arbitraries.integers().between(5, 30))
                    .as((node, capacity, lease) -> Transformer.<Model>mutate("claim " + node + " x" + capacity + " lease " + lease + "s",
                            m -> m.claim(node, capacity, lease)));
        }
    }

    static final class Complete implements Action.Dependent<Model> {
        @Override
        public boolean precondition(Model m) {
            return !m.issued.isEmpty();
        }

        @Override
        public Arbitrary<Transformer<Model>> transformer(Model m) {
            return Arbitraries.integers().between(0, m.issued.size() - 1)
                    .map(i -> Transformer.<Model>mutate("complete lease #" + i, model -> model.complete(i)));
        }
    }

    static final class Fail implements Action.Dependent<Model> {
        @Override
        public boolean precondition(Model m) {
            return !m.issued.isEmpty();
        }

        @Override
        public Arbitrary<Transformer<Model>> transformer(Model m) {
            return Combinators.combine(Arbitraries.integers().between(0, m.issued.size() - 1), Arbitraries.of(true, false))
                    .as((i, retry) -> Transformer.<Model>mutate("fail lease #" + i + (retry ? "" : " without retry"),
                            model -> model.fail(i, retry)));
        }
    }

    static final class Extend implements Action.Dependent<Model> {
        @Override
        public boolean precondition(Model m) {
            return !m.issued.isEmpty();
        }

        @Override
        public Arbitrary<Transformer<Model>> transformer(Model m) {
            return Combinators.combine(Arbitraries.integers().between(0, m.issued.size() - 1),
                            Arbitraries.integers().between(5, 30))
                    .as((i, s) -> Transformer.<Model>mutate("heartbeat lease #" + i + " +" + s + "s", model -> model.extend(i, s)));
        }
    }

    static final class Cancel implements Action.Dependent<Model> {
        @Override
        public boolean precondition(Model m) {
            return !m.jobs.isEmpty();
        }

        @Override
        public Arbitrary<Transformer<Model>> transformer(Model m) {
            return Arbitraries.integers().between(0, 50)
                    .map(i -> Transformer.<Model>mutate("cancel job #" + i, model -> model.cancel(i)));
        }
    }

    static final class AdvanceClock implements Action.Independent<Model> {
        @Override
        public Arbitrary<Transformer<Model>> transformer() {
            return Arbitraries.integers().between(1, 40)
                    .map(s -> Transformer.<Model>mutate("wait " + s + "s", m -> m.clock.advance(Duration.ofSeconds(s))));
        }
    }
}
