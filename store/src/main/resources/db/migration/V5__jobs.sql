-- The durable job queue (dev.roost.store.jobs, docs/queue.md).
--
-- A job is QUEUED until a node claims it; the claim makes it LEASED to that node under a fresh
-- lease token until lease_expires_at. Only the holder of the current token may extend the
-- lease or report the outcome, so a node whose lease was taken away cannot record a result.
-- SUCCEEDED, FAILED and CANCELLED are final.
CREATE TABLE jobs (
    id               uuid PRIMARY KEY,
    workspace_id     uuid NOT NULL REFERENCES workspaces (id),
    kind             text NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
    -- Bounded: jobs carry scripts and options, not data sets (JobRequest.MAX_PAYLOAD_BYTES).
    payload          jsonb NOT NULL CHECK (octet_length(payload::text) <= 262144),
    state            text NOT NULL CHECK (state IN ('QUEUED', 'LEASED', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    -- Orders jobs within their workspace only: a tenant cannot jump ahead of another tenant.
    priority         smallint NOT NULL DEFAULT 0,
    -- Counted when a claim is made, so a lease that expires has used up an attempt.
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL CHECK (max_attempts BETWEEN 1 AND 100),
    -- Not claimable before this time: the back-off after a failed attempt.
    run_after        timestamptz NOT NULL,
    lease_owner      text,
    lease_token      uuid,
    lease_expires_at timestamptz,
    -- What a node must offer: all of these labels, and this much free CPU and memory.
    required_labels  jsonb NOT NULL DEFAULT '{}',
    cpu_millis       bigint NOT NULL DEFAULT 0 CHECK (cpu_millis >= 0),
    memory_bytes     bigint NOT NULL DEFAULT 0 CHECK (memory_bytes >= 0),
    idempotency_key  text CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    cancel_requested boolean NOT NULL DEFAULT false,
    result           jsonb CHECK (octet_length(result::text) <= 262144),
    failure_reason   text,
    created_at       timestamptz NOT NULL,
    started_at       timestamptz,
    finished_at      timestamptz,
    CHECK ((state = 'LEASED') = (lease_token IS NOT NULL)),
    CHECK ((state = 'LEASED') = (lease_expires_at IS NOT NULL)),
    CHECK ((state IN ('SUCCEEDED', 'FAILED', 'CANCELLED')) = (finished_at IS NOT NULL)),
    CHECK (attempts <= max_attempts)
);

-- The claim path: a loose scan over workspaces with queued work, then each workspace's queue
-- in its own order (JobRepository.claim).
CREATE INDEX jobs_queued ON jobs (workspace_id, priority DESC, run_after, id) WHERE state = 'QUEUED';
-- The lease reaper's path, and the count of running jobs per workspace that fairness uses.
CREATE INDEX jobs_lease_expiry ON jobs (lease_expires_at) WHERE state = 'LEASED';
CREATE INDEX jobs_leased_by_workspace ON jobs (workspace_id) WHERE state = 'LEASED';
-- A resubmission with the same key finds the first job.
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (workspace_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
