-- Tasks: what a user asked a node to run (dev.roost.store.tasks, docs/tasks.md). A task is a job
-- of kind 'task' in the queue (V5); these tables hold what the queue's bounded JSON does not:
-- the files a task starts with, its output as it streams, the artifacts it left, and its result.
-- Every table is keyed by the job, and output and artifacts also by the attempt that made them,
-- so a retried task never mixes two runs.

-- Files placed in the task's working directory. Bounded per file and (by the API) per task.
CREATE TABLE task_attachments (
    job_id   uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    name     text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    content  bytea NOT NULL CHECK (octet_length(content) <= 1048576),
    PRIMARY KEY (job_id, name)
);

-- Output as the node streams it: numbered chunks per attempt. A chunk sent twice (a retried
-- upload) is stored once. Bounded per chunk; the node's sandbox caps each stream.
CREATE TABLE task_output (
    job_id      uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    attempt     integer NOT NULL CHECK (attempt >= 1),
    seq         integer NOT NULL CHECK (seq >= 0),
    stream      text NOT NULL CHECK (stream IN ('stdout', 'stderr')),
    data        bytea NOT NULL CHECK (octet_length(data) BETWEEN 1 AND 262144),
    received_at timestamptz NOT NULL,
    PRIMARY KEY (job_id, attempt, seq)
);

-- Files the task left under out/, uploaded by the node before it reports the result.
CREATE TABLE task_artifacts (
    job_id   uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    attempt  integer NOT NULL CHECK (attempt >= 1),
    path     text NOT NULL CHECK (length(path) BETWEEN 1 AND 1024),
    size     bigint NOT NULL CHECK (size >= 0),
    sha256   text NOT NULL,
    content  bytea NOT NULL CHECK (octet_length(content) <= 4194304),
    PRIMARY KEY (job_id, attempt, path)
);

-- The outcome of the attempt that counted: written in the same transaction as the queue's
-- report, which only the holder of the current lease can make, so there is at most one.
CREATE TABLE task_results (
    job_id      uuid PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    attempt     integer NOT NULL CHECK (attempt >= 1),
    node_id     text NOT NULL,
    result      jsonb NOT NULL CHECK (octet_length(result::text) <= 262144),
    recorded_at timestamptz NOT NULL
);

-- Listing a workspace's tasks, newest first.
CREATE INDEX jobs_tasks_by_workspace ON jobs (workspace_id, created_at DESC, id) WHERE kind = 'task';
