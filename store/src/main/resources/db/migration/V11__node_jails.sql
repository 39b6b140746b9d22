-- Sandboxed instances placed on joined nodes. The server writes what each node should run
-- (node_jails: one row per jail, with the workload's spec, never a secret value); the node pulls
-- its rows, runs them in bubblewrap jails and reports what it sees. A generation counter per row
-- tells the node which changes it has not acted on yet.

CREATE TABLE node_jail_hosts (
    node_id      uuid PRIMARY KEY REFERENCES nodes (id),
    usable       boolean NOT NULL,
    detail       text NOT NULL,
    images       jsonb NOT NULL DEFAULT '[]',   -- the sandbox images (NAME:TAG) the node has
    reported_at  timestamptz NOT NULL
);

CREATE TABLE node_jails (
    container_id        text PRIMARY KEY,
    node_id             uuid NOT NULL REFERENCES nodes (id),
    instance_id         uuid NOT NULL,
    replica             integer NOT NULL,
    spec_hash           text NOT NULL,
    spec                jsonb NOT NULL,            -- secret names only
    desired             text NOT NULL,             -- RUNNING, STOPPED, REMOVED
    generation          bigint NOT NULL,
    applied_generation  bigint NOT NULL DEFAULT 0,
    observed_state      text,                      -- null until reported; MISSING when the node has no such jail
    observed            jsonb,
    failure             jsonb,                     -- the node's last refusal: {generation, kind, message}
    logs_through        timestamptz,               -- time of the last log line uploaded
    created_at          timestamptz NOT NULL,
    reported_at         timestamptz
);
CREATE INDEX node_jails_node ON node_jails (node_id);
CREATE INDEX node_jails_instance ON node_jails (instance_id);

-- The last lines of each jail's output, uploaded by its node in batches and trimmed per jail.
CREATE TABLE node_jail_logs (
    seq           bigserial PRIMARY KEY,
    container_id  text NOT NULL,
    at            timestamptz NOT NULL,
    stream        text NOT NULL,                   -- STDOUT, STDERR
    line          text NOT NULL
);
CREATE INDEX node_jail_logs_container ON node_jail_logs (container_id, seq);

-- Requests a node answers on the server's behalf: health probes of its jails, removal of volumes.
CREATE TABLE node_jail_calls (
    id           uuid PRIMARY KEY,
    node_id      uuid NOT NULL REFERENCES nodes (id),
    kind         text NOT NULL,                    -- PROBE, REMOVE_VOLUMES
    body         jsonb NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,                      -- null: kept until answered (volume removal)
    answer       jsonb,
    answered_at  timestamptz
);
CREATE INDEX node_jail_calls_node ON node_jail_calls (node_id) WHERE answered_at IS NULL;

-- Nodes that hold volumes of an instance, so removing the instance's volumes reaches them.
CREATE TABLE node_jail_volumes (
    instance_id  uuid NOT NULL,
    node_id      uuid NOT NULL REFERENCES nodes (id),
    PRIMARY KEY (instance_id, node_id)
);
