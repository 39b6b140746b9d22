-- Roost foundation schema: identities, workspaces, plans, instances with append-only
-- manifest versions, templates, the hash-chained audit log and idempotency records.

-- Refuses UPDATE and DELETE on append-only tables. TRUNCATE is refused by a statement trigger.
CREATE FUNCTION roost_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    username      text NOT NULL,
    display_name  text NOT NULL DEFAULT '',
    password_hash text,
    server_admin  boolean NOT NULL DEFAULT false,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- Refresh tokens rotate: each use marks the row used and issues a successor in the same
-- family. Presenting a used token revokes the whole family (token theft detection).
CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY,
    family_id   uuid NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    token_hash   bytea NOT NULL UNIQUE,
    prefix       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE plans (
    name                          text PRIMARY KEY,
    description                   text NOT NULL DEFAULT '',
    max_instances                 integer NOT NULL CHECK (max_instances >= 0),
    max_cpu_millis_per_instance   bigint NOT NULL CHECK (max_cpu_millis_per_instance >= 0),
    max_memory_bytes_per_instance bigint NOT NULL CHECK (max_memory_bytes_per_instance >= 0),
    max_cpu_millis_total          bigint NOT NULL CHECK (max_cpu_millis_total >= 0),
    max_memory_bytes_total        bigint NOT NULL CHECK (max_memory_bytes_total >= 0),
    built_in                      boolean NOT NULL DEFAULT false,
    created_at                    timestamptz NOT NULL DEFAULT now(),
    updated_at                    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE workspaces (
    id            uuid PRIMARY KEY,
    name          text NOT NULL UNIQUE,
    display_name  text NOT NULL DEFAULT '',
    plan          text NOT NULL REFERENCES plans (name),
    -- A per-workspace quota that replaces the plan's (business, sovereign). NULL: use the plan's.
    quota_override jsonb,
    environments  text[] NOT NULL DEFAULT ARRAY['dev', 'staging', 'prod'],
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         text NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'OPERATOR', 'VIEWER')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE templates (
    name        text PRIMARY KEY,
    description text NOT NULL DEFAULT '',
    document    text NOT NULL,
    built_in    boolean NOT NULL DEFAULT false,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE instances (
    id              uuid PRIMARY KEY,
    workspace_id    uuid NOT NULL REFERENCES workspaces (id),
    name            text NOT NULL,
    environment     text NOT NULL,
    labels          jsonb NOT NULL DEFAULT '{}',
    image           text NOT NULL,
    cpu_millis      bigint NOT NULL,
    memory_bytes    bigint NOT NULL,
    replicas        integer NOT NULL,
    template        text,
    current_version integer NOT NULL,
    desired_state   text NOT NULL CHECK (desired_state IN ('RUNNING', 'STOPPED', 'DELETED')),
    status          text NOT NULL CHECK (status IN ('CREATING', 'RUNNING', 'DEGRADED', 'STOPPED', 'DOWN', 'DELETING')),
    status_reason   text NOT NULL DEFAULT '',
    restart_count   integer NOT NULL DEFAULT 0,
    restart_requested_at timestamptz,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz
);
-- A name is unique among live instances of a workspace; a deleted instance frees its name
-- but keeps its history.
CREATE UNIQUE INDEX instances_live_name ON instances (workspace_id, name) WHERE deleted_at IS NULL;
CREATE INDEX instances_labels ON instances USING gin (labels) WHERE deleted_at IS NULL;
CREATE INDEX instances_environment ON instances (workspace_id, environment, name) WHERE deleted_at IS NULL;

-- Append-only: every change of desired state is a new row; old rows are never changed.
CREATE TABLE manifest_versions (
    instance_id uuid NOT NULL REFERENCES instances (id),
    version     integer NOT NULL CHECK (version >= 1),
    manifest    jsonb NOT NULL,
    sha256      text NOT NULL,
    source      text NOT NULL,
    warnings    jsonb NOT NULL DEFAULT '[]',
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (instance_id, version)
);
CREATE TRIGGER manifest_versions_append_only BEFORE UPDATE OR DELETE ON manifest_versions
    FOR EACH ROW EXECUTE FUNCTION roost_refuse_change();
CREATE TRIGGER manifest_versions_no_truncate BEFORE TRUNCATE ON manifest_versions
    FOR EACH STATEMENT EXECUTE FUNCTION roost_refuse_change();

-- A tag names one manifest version of an instance (e.g. "stable"); moving a tag is a new
-- audit entry, the versions themselves never change.
CREATE TABLE manifest_tags (
    instance_id uuid NOT NULL REFERENCES instances (id),
    tag         text NOT NULL,
    version     integer NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (instance_id, tag),
    FOREIGN KEY (instance_id, version) REFERENCES manifest_versions (instance_id, version)
);

-- The audit log is append-only and hash-chained: hash = SHA-256 over the previous hash and
-- this row's fields (see AuditChain). seq is gapless, assigned under an advisory lock.
CREATE TABLE audit_log (
    seq           bigint PRIMARY KEY,
    at            timestamptz NOT NULL,
    actor         text NOT NULL,
    action        text NOT NULL,
    resource_type text NOT NULL,
    resource_id   text NOT NULL,
    workspace     text,
    request_id    text NOT NULL,
    details       text NOT NULL,
    warnings      text NOT NULL,
    prev_hash     text NOT NULL,
    hash          text NOT NULL
);
CREATE INDEX audit_log_workspace ON audit_log (workspace, seq);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_resource ON audit_log (resource_type, resource_id, seq);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION roost_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION roost_refuse_change();

-- A POST retried with the same Idempotency-Key by the same principal gets the first answer.
CREATE TABLE idempotency_keys (
    principal     text NOT NULL,
    key           text NOT NULL,
    method        text NOT NULL,
    path          text NOT NULL,
    request_hash  text NOT NULL,
    status        integer NOT NULL,
    content_type  text NOT NULL,
    body          bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
