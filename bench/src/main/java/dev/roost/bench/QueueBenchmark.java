package dev.roost.bench;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import dev.roost.core.workspace.Plan;
import dev.roost.core.workspace.Workspace;
import dev.roost.store.ConnectionSettings;
import dev.roost.store.Database;
import dev.roost.store.EmbeddedDatabase;
import dev.roost.store.jobs.ClaimRequest;
import dev.roost.store.jobs.Completion;
import dev.roost.store.jobs.JobQueue;
import dev.roost.store.jobs.JobRequest;
import dev.roost.store.jobs.JobState;
import dev.roost.store.jobs.Lease;
import dev.roost.store.jobs.Reported;
import dev.roost.store.jobs.RetryPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Throughput of Roost's job queue against db-scheduler on the same embedded PostgreSQL, in one
 * run. Both get the same number of no-op jobs, submitted first in batches; then Roost's queue
 * is drained by {@code --workers} threads that claim and complete {@code --batch} jobs at a
 * time, and db-scheduler executes its one-time tasks with its lock-and-fetch polling (the one it
 * recommends for PostgreSQL) on {@code --db-scheduler-threads} threads (default four times the
 * workers: it completes one task per transaction, and more threads served it better than as
 * many). Each side first runs a warm-up round. Run it with {@code bench/queue.sh}.
 *
 * <pre>
 * QueueBenchmark [--jobs 100000] [--warmup 20000] [--workers 4] [--db-scheduler-threads 16] [--batch 200]
 *     [--submit-batch 1000] [--workspaces 4] [--no-fsync] [--work DIR]
 * </pre>
 *
 * The embedded PostgreSQL runs with Roost's production settings (fsync and synchronous commit
 * on) unless {@code --no-fsync} is given.
 */
public final class QueueBenchmark {
    static final double TARGET_JOBS_PER_SECOND = 10_000;
    static final String DB_SCHEDULER_TABLE = """
            CREATE TABLE scheduled_tasks (
                task_name            text NOT NULL,
                task_instance        text NOT NULL,
                task_data            bytea,
                execution_time       timestamptz,
                picked               boolean NOT NULL,
                picked_by            text,
                last_success         timestamptz,
                last_failure         timestamptz,
                consecutive_failures integer,
                last_heartbeat       timestamptz,
                version              bigint NOT NULL,
                priority             smallint,
                state                text,
                PRIMARY KEY (task_name, task_instance)
            );
            CREATE INDEX execution_time_idx ON scheduled_tasks (execution_time);
            CREATE INDEX last_heartbeat_idx ON scheduled_tasks (last_heartbeat);
            CREATE INDEX priority_execution_time_idx ON scheduled_tasks (priority DESC, execution_time ASC);
            """;

    private final Options options;
    private final long start = System.nanoTime();

    private QueueBenchmark(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("queue benchmark: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        new QueueBenchmark(options).run();
        System.exit(0);
    }

    private record Round(long jobs, Duration submit, Duration drain) {
        double submitRate() {
            return jobs / (submit.toNanos() / 1e9);
        }

        double drainRate() {
            return jobs / (drain.toNanos() / 1e9);
        }

        double overallRate() {
            return jobs / (submit.plus(drain).toNanos() / 1e9);
        }
    }

    private void run() throws Exception {
        FoundationBenchmark.deleteRecursively(options.work);
        Files.createDirectories(options.work);
        System.out.println("Roost queue benchmark: Roost's job queue and db-scheduler on one embedded PostgreSQL");
        System.out.println("=".repeat(90));
        System.out.printf(Locale.ROOT, "machine   %d cores, JDK %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.runtime.version"));
        System.out.printf(Locale.ROOT, "plan      %,d no-op jobs per side after a %,d-job warm-up; %d workers; Roost claims and "
                + "completes %d at a time; db-scheduler: %d threads, lock-and-fetch; submitted %d per insert; %d workspaces; "
                + "fsync %s%n", options.jobs, options.warmup, options.workers, options.batch, options.dbSchedulerThreads,
                options.submitBatch, options.workspaces, options.fsync ? "on" : "off");

        try (EmbeddedDatabase embedded = EmbeddedDatabase.start(options.work.resolve("postgres"), options.fsync)) {
            ConnectionSettings admin = embedded.connectionSettings(1);
            try (Database database = Database.connect(new ConnectionSettings(admin.jdbcUrl(), admin.username(), null,
                    Math.max(options.workers, options.dbSchedulerThreads) + 4))) {
                database.migrate();
                database.transaction(s -> s.handle().execute(DB_SCHEDULER_TABLE));
                List<UUID> workspaces = createWorkspaces(database);
                JobQueue queue = new JobQueue(database, Clock.systemUTC(), RetryPolicy.DEFAULT);

                CpuShare.Snapshot before = CpuShare.take(postgresPids(embedded));
                log("Roost warm-up (%,d jobs)", options.warmup);
                roost(database, queue, workspaces, options.warmup);
                Round roost = roost(database, queue, workspaces, options.jobs);
                log("Roost: submitted in %s (%,.0f jobs/s), claimed and completed in %s (%,.0f jobs/s)",
                        seconds(roost.submit), roost.submitRate(), seconds(roost.drain), roost.drainRate());

                log("db-scheduler warm-up (%,d tasks)", options.warmup);
                dbScheduler(database, options.warmup);
                Round baseline = dbScheduler(database, options.jobs);
                log("db-scheduler: scheduled in %s (%,.0f tasks/s), executed in %s (%,.0f tasks/s)",
                        seconds(baseline.submit), baseline.submitRate(), seconds(baseline.drain), baseline.drainRate());
                double others = CpuShare.others(before, CpuShare.take(postgresPids(embedded)));

                System.out.println();
                System.out.println("Summary");
                System.out.println("-".repeat(100));
                String format = "%-52s %-18s %-12s %s%n";
                System.out.printf(Locale.ROOT, format, "figure", "measured", "target", "ratio");
                System.out.printf(Locale.ROOT, format, "Roost: claim + complete, no-op jobs/s", rate(roost.drainRate()),
                        ">= " + rate(TARGET_JOBS_PER_SECOND), String.format(Locale.ROOT, "%.2f  %s",
                                roost.drainRate() / TARGET_JOBS_PER_SECOND,
                                roost.drainRate() >= TARGET_JOBS_PER_SECOND ? "meets" : "MISSES"));
                System.out.printf(Locale.ROOT, format, "db-scheduler: execute one-time no-op tasks/s", rate(baseline.drainRate()), "", "");
                System.out.printf(Locale.ROOT, format, "  Roost / db-scheduler (claim+complete vs execute)", "", "",
                        String.format(Locale.ROOT, "%.2fx", roost.drainRate() / baseline.drainRate()));
                System.out.printf(Locale.ROOT, format, "Roost: submit, jobs/s (batched inserts)", rate(roost.submitRate()), "", "");
                System.out.printf(Locale.ROOT, format, "db-scheduler: schedule, tasks/s (batched)", rate(baseline.submitRate()), "", "");
                System.out.printf(Locale.ROOT, format, "  Roost / db-scheduler (submit)", "", "",
                        String.format(Locale.ROOT, "%.2fx", roost.submitRate() / baseline.submitRate()));
                System.out.printf(Locale.ROOT, format, "Roost: submit + drain, jobs/s", rate(roost.overallRate()), "", "");
                System.out.printf(Locale.ROOT, format, "db-scheduler: schedule + execute, tasks/s", rate(baseline.overallRate()), "", "");
                System.out.printf(Locale.ROOT, format, "  Roost / db-scheduler (end to end)", "", "",
                        String.format(Locale.ROOT, "%.2fx", roost.overallRate() / baseline.overallRate()));
                System.out.println("-".repeat(100));
                System.out.printf(Locale.ROOT, "other processes used %s of the machine's CPU during the run (high skews every "
                        + "figure); total time %s%n", FoundationBenchmark.percent(others),
                        seconds(Duration.ofNanos(System.nanoTime() - start)));
            }
        }
    }

    // ---- Roost ------------------------------------------------------------------------------

    private List<UUID> createWorkspaces(Database database) {
        Plan plan = Plan.builtIn().get(0);
        List<UUID> ids = new ArrayList<>();
        database.transaction(s -> s.plans().createIfMissing(plan));
        for (int i = 0; i < options.workspaces; i++) {
            String name = "bench-" + i;
            ids.add(database.transaction(s -> s.workspaces().create(name, name, plan.name(), null,
                    Workspace.DEFAULT_ENVIRONMENTS)).id());
        }
        return ids;
    }

    private Round roost(Database database, JobQueue queue, List<UUID> workspaces, int jobs) throws Exception {
        database.transaction(s -> s.handle().execute("TRUNCATE jobs"));
        database.read(s -> s.handle().execute("VACUUM ANALYZE jobs"));
        database.read(s -> s.handle().execute("CHECKPOINT"));

        long t0 = System.nanoTime();
        List<JobRequest> batch = new ArrayList<>(options.submitBatch);
        for (int i = 0; i < jobs; i++) {
            batch.add(JobRequest.of(workspaces.get(i % workspaces.size()), "noop", "{}"));
            if (batch.size() == options.submitBatch || i == jobs - 1) {
                queue.submitAll(batch);
                batch.clear();
            }
        }
        long t1 = System.nanoTime();
        LongAdder completed = new LongAdder();
        AtomicLong lost = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(options.workers);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < options.workers; w++) {
                ClaimRequest claim = ClaimRequest.of("bench-node-" + w, options.batch, Duration.ofMinutes(5));
                workers.add(pool.submit(() -> {
                    while (true) {
                        List<Lease> leases = queue.claim(claim);
                        if (leases.isEmpty()) {
                            return null; // everything was submitted before: nothing queued is left
                        }
                        List<Completion> done = new ArrayList<>(leases.size());
                        for (Lease lease : leases) {
                            done.add(new Completion(lease, null));
                        }
                        for (Reported r : queue.completeAll(done)) {
                            if (r instanceof Reported.Recorded) {
                                completed.increment();
                            } else {
                                lost.incrementAndGet();
                            }
                        }
                    }
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        long t2 = System.nanoTime();
        Map<JobState, Long> counts = queue.countByState();
        if (completed.sum() != jobs || lost.get() != 0 || counts.get(JobState.SUCCEEDED) != jobs) {
            throw new IllegalStateException("Roost lost work: completed " + completed.sum() + " of " + jobs + ", refused "
                    + lost.get() + ", states " + counts);
        }
        return new Round(jobs, Duration.ofNanos(t1 - t0), Duration.ofNanos(t2 - t1));
    }

    // ---- db-scheduler -----------------------------------------------------------------------

    private Round dbScheduler(Database database, int tasks) throws Exception {
        database.transaction(s -> s.handle().execute("TRUNCATE scheduled_tasks"));
        database.read(s -> s.handle().execute("VACUUM ANALYZE scheduled_tasks"));
        database.read(s -> s.handle().execute("CHECKPOINT"));
        LongAdder executed = new LongAdder();
        OneTimeTask<Void> noop = Tasks.oneTime("bench-noop").execute((instance, context) -> executed.increment());
        Scheduler scheduler = Scheduler.create(database.dataSource(), noop)
                .threads(options.dbSchedulerThreads)
                .pollingInterval(Duration.ofMillis(100))
                .pollUsingLockAndFetch(0.5, 3.0)
                .build();
        String run = Long.toString(System.nanoTime(), 36);
        long t0 = System.nanoTime();
        Instant due = Instant.now();
        List<TaskInstance<?>> batch = new ArrayList<>(options.submitBatch);
        for (int i = 0; i < tasks; i++) {
            batch.add(noop.instance(run + "-" + i));
            if (batch.size() == options.submitBatch || i == tasks - 1) {
                scheduler.scheduleBatch(batch, due);
                batch.clear();
            }
        }
        long t1 = System.nanoTime();
        scheduler.start();
        try {
            while (executed.sum() < tasks) {
                Thread.sleep(1);
            }
            // Executed; a one-time task is done when its row is deleted.
            while (database.read(s -> s.handle().createQuery("SELECT count(*) FROM scheduled_tasks").mapTo(Long.class).one()) > 0) {
                Thread.sleep(1);
            }
        } finally {
            scheduler.stop();
        }
        long t2 = System.nanoTime();
        return new Round(tasks, Duration.ofNanos(t1 - t0), Duration.ofNanos(t2 - t1));
    }

    // ---- output and options -------------------------------------------------------------------

    private static List<Long> postgresPids(EmbeddedDatabase embedded) {
        try {
            Path pidFile = embedded.directory().resolve("data").resolve("postmaster.pid");
            long postmaster = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
            List<Long> pids = new ArrayList<>();
            pids.add(postmaster);
            ProcessHandle.of(postmaster).ifPresent(p -> p.children().forEach(c -> pids.add(c.pid())));
            return pids;
        } catch (Exception e) {
            return List.of();
        }
    }

    private void log(String format, Object... args) {
        double t = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "[%6.1fs] %s%n", t, String.format(Locale.ROOT, format, args));
    }

    private static String rate(double perSecond) {
        return String.format(Locale.ROOT, "%,.0f", perSecond);
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.2f s", d.toNanos() / 1e9);
    }

    record Options(int jobs, int warmup, int workers, int dbSchedulerThreads, int batch, int submitBatch, int workspaces,
            boolean fsync, Path work) {
        static final String USAGE = "usage: QueueBenchmark [--jobs N] [--warmup N] [--workers K] [--batch B] "
                + "[--db-scheduler-threads T] [--submit-batch S] [--workspaces W] [--no-fsync] [--work DIR]";

        static Options parse(String[] args) {
            int jobs = 100_000;
            int warmup = 20_000;
            int workers = 4;
            int dbSchedulerThreads = 0;
            int batch = 200;
            int submitBatch = 1000;
            int workspaces = 4;
            boolean fsync = true;
            Path work = Path.of("bench", "target", "queue-bench");
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--jobs" -> jobs = positive(value(args, ++i, "--jobs"), "--jobs");
                    case "--warmup" -> warmup = positive(value(args, ++i, "--warmup"), "--warmup");
                    case "--workers" -> workers = positive(value(args, ++i, "--workers"), "--workers");
                    case "--db-scheduler-threads" -> dbSchedulerThreads = positive(value(args, ++i, "--db-scheduler-threads"),
                            "--db-scheduler-threads");
                    case "--batch" -> batch = positive(value(args, ++i, "--batch"), "--batch");
                    case "--submit-batch" -> submitBatch = positive(value(args, ++i, "--submit-batch"), "--submit-batch");
                    case "--workspaces" -> workspaces = positive(value(args, ++i, "--workspaces"), "--workspaces");
                    case "--no-fsync" -> fsync = false;
                    case "--work" -> work = Path.of(value(args, ++i, "--work"));
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (batch > ClaimRequest.MAX_CAPACITY) {
                throw new IllegalArgumentException("--batch is at most " + ClaimRequest.MAX_CAPACITY);
            }
            return new Options(jobs, warmup, workers, dbSchedulerThreads == 0 ? 4 * workers : dbSchedulerThreads, batch,
                    submitBatch, workspaces, fsync, work);
        }

        private static String value(String[] args, int i, String name) {
            if (i >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            return args[i];
        }

        private static int positive(String s, String name) {
            try {
                int v = Integer.parseInt(s.replace("_", "").replace(",", ""));
                if (v <= 0) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a positive number, not " + s);
            }
        }
    }
}
