-- The reconciler: what it needs to remember about each instance beyond what the runtime
-- reports, and the deployment events it records.
--
-- generation counts requests (apply, action, rollback, rename, delete); the reconciler sets
-- converged_generation once it has carried one out, so "establishing" (a request not yet
-- carried out) is derivable after any crash. Everything else about containers is read back
-- from the runtime.
ALTER TABLE instances
    ADD COLUMN generation           bigint NOT NULL DEFAULT 1,
    ADD COLUMN converged_generation bigint NOT NULL DEFAULT 0,
    ADD COLUMN restart_handled_at   timestamptz,
    ADD COLUMN keep_volumes         boolean NOT NULL DEFAULT false,
    ADD COLUMN runtime_cleaned_at   timestamptz,
    ADD COLUMN last_healthy_version integer,
    ADD COLUMN rollout_version      integer,
    ADD COLUMN rollout_started_at   timestamptz,
    ADD COLUMN rollout_failure      text,
    ADD COLUMN observed_at          timestamptz;

-- Nothing ran before this version, so instances deleted before it have nothing to clean.
UPDATE instances SET runtime_cleaned_at = deleted_at WHERE deleted_at IS NOT NULL;

-- The reconciler loads every instance that may still have containers.
CREATE INDEX instances_to_reconcile ON instances (id) WHERE runtime_cleaned_at IS NULL;

CREATE TABLE deployment_events (
    id           bigserial PRIMARY KEY,
    instance_id  uuid NOT NULL REFERENCES instances (id),
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version      integer,
    at           timestamptz NOT NULL,
    kind         text NOT NULL,
    message      text NOT NULL,
    detail       jsonb NOT NULL DEFAULT '{}',
    actor        text NOT NULL
);
CREATE INDEX deployment_events_instance ON deployment_events (instance_id, id);
