-- Worker nodes: the join tokens that admit them, the nodes themselves, and the rotating
-- refresh credentials a node exchanges for short-lived node JWTs. Every secret is stored as
-- its SHA-256 only.

CREATE TABLE node_join_tokens (
    id          uuid PRIMARY KEY,
    token_hash  bytea NOT NULL UNIQUE,
    prefix      text NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    max_uses    integer,            -- null: any number of joins until it expires
    uses        integer NOT NULL DEFAULT 0,
    revoked_at  timestamptz
);

CREATE TABLE nodes (
    id                  uuid PRIMARY KEY,
    name                text NOT NULL,
    state               text NOT NULL,            -- READY, NOT_READY, LOST
    scheduling          text NOT NULL,            -- SCHEDULABLE, CORDONED, DRAINING
    capabilities        jsonb NOT NULL,
    load                jsonb NOT NULL DEFAULT '{}',
    config              jsonb NOT NULL,
    config_version      bigint NOT NULL DEFAULT 1,
    applied_version     bigint NOT NULL DEFAULT 0,
    join_token_id       uuid REFERENCES node_join_tokens (id),
    joined_at           timestamptz NOT NULL,
    last_heartbeat_at   timestamptz NOT NULL,
    state_changed_at    timestamptz NOT NULL,
    removed_at          timestamptz
);
-- A name belongs to one node at a time; a removed node frees its name.
CREATE UNIQUE INDEX nodes_active_name ON nodes (name) WHERE removed_at IS NULL;

CREATE TABLE node_credentials (
    id          uuid PRIMARY KEY,
    node_id     uuid NOT NULL REFERENCES nodes (id),
    token_hash  bytea NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX node_credentials_node ON node_credentials (node_id);
