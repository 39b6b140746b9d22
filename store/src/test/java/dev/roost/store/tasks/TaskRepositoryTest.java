package dev.roost.store.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roost.core.workspace.Plan;
import dev.roost.core.workspace.Workspace;
import dev.roost.store.Database;
import dev.roost.store.Session;
import dev.roost.store.jobs.ClaimRequest;
import dev.roost.store.jobs.Completion;
import dev.roost.store.jobs.Job;
import dev.roost.store.jobs.JobQueue;
import dev.roost.store.jobs.JobRequest;
import dev.roost.store.jobs.Lease;
import dev.roost.store.jobs.Reported;
import dev.roost.store.jobs.RetryPolicy;
import dev.roost.store.tasks.TaskRepository.LeaseRef;
import dev.roost.store.tasks.TaskRepository.LeaseState;
import dev.roost.store.tasks.TaskRepository.NewChunk;
import dev.roost.store.testing.ManualClock;
import dev.roost.store.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TaskRepositoryTest {
    private static final Duration LEASE = Duration.ofSeconds(30);

    private Database db;
    private ManualClock clock;
    private JobQueue queue;
    private UUID acme;

    @BeforeEach
    void setUp() {
        db = TestPostgres.get().newDatabase();
        clock = new ManualClock();
        queue = new JobQueue(db, clock, new RetryPolicy(Duration.ZERO, Duration.ZERO));
        Plan plan = Plan.builtIn().get(0);
        acme = db.transaction(s -> {
            s.plans().createIfMissing(plan);
            return s.workspaces().create("acme", "acme", plan.name(), null, Workspace.DEFAULT_ENVIRONMENTS).id();
        });
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    private Job task() {
        Job job = queue.submit(JobRequest.of(acme, TaskRepository.KIND, "{\"mode\":\"script\"}")).job();
        db.transaction(s -> {
            s.tasks().insertAttachments(job.id(), Map.of("in/data.txt", "hello".getBytes(StandardCharsets.UTF_8)));
            return null;
        });
        return job;
    }

    @Test
    void onlyTheNodeHoldingTheCurrentTokenHoldsTheLease() {
        Job job = task();
        Lease lease = queue.claim(ClaimRequest.of("node-a", 1, LEASE)).get(0);
        assertThat(read((Session s) -> s.tasks().held(job.id(), lease.token(), "node-a"))).hasValueSatisfying(
                held -> assertThat(held.attempt()).isEqualTo(1));
        assertThat(read((Session s) -> s.tasks().held(job.id(), lease.token(), "node-b"))).as("another node").isEmpty();
        assertThat(read((Session s) -> s.tasks().held(job.id(), UUID.randomUUID(), "node-a"))).as("another token").isEmpty();
        assertThat(read((Session s) -> s.tasks().attachments(job.id()))).containsOnlyKeys("in/data.txt");
    }

    @Test
    void aBatchedHeartbeatExtendsHeldLeasesAndReportsLostOnesAndCancels() {
        Job first = task();
        Job second = task();
        List<Lease> leases = queue.claim(ClaimRequest.of("node-a", 2, LEASE));
        assertThat(leases).hasSize(2);
        queue.cancel(acme, first.id());
        clock.advance(Duration.ofSeconds(10));
        UUID stale = UUID.randomUUID();
        List<LeaseState> answers = db.transaction(s -> s.tasks().extend("node-a", List.of(
                new LeaseRef(leases.get(0).jobId(), leases.get(0).token()),
                new LeaseRef(leases.get(1).jobId(), leases.get(1).token()),
                new LeaseRef(second.id(), stale)), LEASE, clock.instant()));
        assertThat(answers).hasSize(3);
        assertThat(answers.get(0).held()).isTrue();
        assertThat(answers.get(1).held()).isTrue();
        assertThat(answers.get(0).expiresAt()).isEqualTo(clock.instant().plus(LEASE));
        LeaseState cancelled = answers.get(0).jobId().equals(first.id()) ? answers.get(0) : answers.get(1);
        LeaseState running = answers.get(0).jobId().equals(first.id()) ? answers.get(1) : answers.get(0);
        assertThat(cancelled.cancelRequested()).isTrue();
        assertThat(running.cancelRequested()).isFalse();
        assertThat(answers.get(2).held()).as("a token that is not the job's").isFalse();
    }

    @Test
    void outputIsStoredOncePerChunkAndReadInOrderAfterACursor() {
        Job job = task();
        Lease lease = queue.claim(ClaimRequest.of("node-a", 1, LEASE)).get(0);
        db.transaction(s -> s.tasks().appendOutput(job.id(), 1, List.of(
                new NewChunk(0, "stdout", bytes("one\n")), new NewChunk(1, "stderr", bytes("oops\n"))), clock.instant()));
        int again = db.transaction(s -> s.tasks().appendOutput(job.id(), 1, List.of(
                new NewChunk(1, "stderr", bytes("oops\n")), new NewChunk(2, "stdout", bytes("two\n"))), clock.instant()));
        assertThat(again).as("a retried upload stores only what is new").isEqualTo(1);
        var all = read((Session s) -> s.tasks().output(job.id(), 0, -1, 100));
        assertThat(all).extracting(c -> c.seq()).containsExactly(0, 1, 2);
        var after = read((Session s) -> s.tasks().output(job.id(), 1, 0, 100));
        assertThat(after).extracting(c -> new String(c.data(), StandardCharsets.UTF_8)).containsExactly("oops\n", "two\n");
        var stdout = read((Session s) -> s.tasks().streamText(job.id(), 1, "stdout", 5));
        assertThat(stdout.text()).isEqualTo("one\nt");
        assertThat(stdout.totalBytes()).isEqualTo(8);
        assertThat(stdout.cut()).isTrue();
        long stderrBytes = read((Session s) -> s.tasks().outputBytes(job.id(), 1, "stderr"));
        assertThat(stderrBytes).isEqualTo(5);
        assertThat(lease.jobId()).isEqualTo(job.id());
    }

    @Test
    void aResultIsRecordedOnlyWithTheReportThatCounts() {
        Job job = task();
        Lease first = queue.claim(ClaimRequest.of("node-a", 1, Duration.ofSeconds(5))).get(0);
        clock.advance(Duration.ofSeconds(6));
        assertThat(queue.reapExpired(10)).hasSize(1);
        Lease second = queue.claim(ClaimRequest.of("node-b", 1, LEASE)).get(0);
        for (Lease lease : List.of(second, first)) {
            db.transaction(s -> {
                Reported reported = s.jobs().complete(List.of(new Completion(lease, "{}")), clock.instant()).get(0);
                if (reported instanceof Reported.Recorded) {
                    s.tasks().putArtifact(job.id(), lease.job().attempts(), "report.txt", bytes("done"));
                    s.tasks().recordResult(job.id(), lease.job().attempts(), lease.nodeId(), "{\"exitCode\":0}", clock.instant());
                }
                return null;
            });
        }
        int results = read((Session s) -> s.tasks().resultCount(job.id()));
        assertThat(results).isEqualTo(1);
        var result = read((Session s) -> s.tasks().result(job.id())).orElseThrow();
        assertThat(result.nodeId()).isEqualTo("node-b");
        assertThat(result.attempt()).isEqualTo(2);
        List<TaskRepository.ArtifactInfo> artifacts = read((Session s) -> s.tasks().artifacts(job.id(), 2));
        assertThat(artifacts).singleElement()
                .satisfies(a -> assertThat(a.sha256()).isEqualTo(TaskRepository.sha256(bytes("done"))));
        List<Job> listed = read((Session s) -> s.jobs().listByKind(acme, TaskRepository.KIND, 10, null, null));
        assertThat(listed).extracting(Job::id)
                .containsExactly(job.id());
    }

    private <T> T read(java.util.function.Function<dev.roost.store.Session, T> work) {
        return db.read(work::apply);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
