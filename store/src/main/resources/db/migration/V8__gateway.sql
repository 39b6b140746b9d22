-- The model gateway: virtual keys, providers, model aliases, the price table and usage.
--
-- Virtual keys are stored as their SHA-256 only (the key is shown once, at creation). Provider
-- keys are never stored here: a provider names a secret in a workspace's secret store.
-- Money is kept in micro-dollars (1 USD = 1,000,000) as bigint, so sums are exact.
--
-- Gateway rows belong to their workspace and go with it (ON DELETE CASCADE): unlike manifest
-- history there is nothing here the audit log needs after the workspace is purged.

CREATE TABLE gateway_keys (
    id             uuid PRIMARY KEY,
    workspace_id   uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name           text NOT NULL,
    key_hash       bytea NOT NULL UNIQUE,
    prefix         text NOT NULL,
    instance_name  text,                      -- optional: the instance the key is for
    username       text,                      -- optional: the user the key is for
    models         text[] NOT NULL DEFAULT '{}', -- allowlist; empty: every model
    rpm            integer CHECK (rpm IS NULL OR rpm > 0),
    tpm            integer CHECK (tpm IS NULL OR tpm > 0),
    budget_micros  bigint CHECK (budget_micros IS NULL OR budget_micros > 0),
    budget_period  text CHECK (budget_period IN ('day', 'month', 'total')),
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz,
    revoked_at     timestamptz,
    CHECK ((budget_micros IS NULL) = (budget_period IS NULL))
);
CREATE INDEX gateway_keys_workspace ON gateway_keys (workspace_id, created_at);

-- workspace_id NULL: a server-wide provider, usable by every workspace.
CREATE TABLE gateway_providers (
    id                uuid PRIMARY KEY,
    workspace_id      uuid REFERENCES workspaces (id) ON DELETE CASCADE,
    name              text NOT NULL CHECK (name ~ '^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$'),
    kind              text NOT NULL CHECK (kind IN ('openai', 'anthropic', 'gemini', 'openrouter', 'ollama',
                                                    'openai-compatible')),
    base_url          text NOT NULL,
    key_workspace_id  uuid REFERENCES workspaces (id) ON DELETE CASCADE, -- where the key secret lives
    key_secret        text,                                             -- the secret's name; NULL: no key (ollama)
    created_by        text NOT NULL,
    created_at        timestamptz NOT NULL,
    CHECK ((key_secret IS NULL) = (key_workspace_id IS NULL))
);
CREATE UNIQUE INDEX gateway_providers_name
    ON gateway_providers (COALESCE(workspace_id, '00000000-0000-0000-0000-000000000000'::uuid), name);

-- An alias maps a model name clients send to an ordered list of {provider, model, weight}.
CREATE TABLE gateway_model_aliases (
    id            uuid PRIMARY KEY,
    workspace_id  uuid REFERENCES workspaces (id) ON DELETE CASCADE,
    alias         text NOT NULL,
    targets       jsonb NOT NULL,
    updated_by    text NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX gateway_model_aliases_name
    ON gateway_model_aliases (COALESCE(workspace_id, '00000000-0000-0000-0000-000000000000'::uuid), alias);

-- Prices per upstream model, in micro-dollars per million tokens; edited by server admins.
CREATE TABLE gateway_prices (
    model                text PRIMARY KEY,
    input_micros         bigint NOT NULL CHECK (input_micros >= 0),
    output_micros        bigint NOT NULL CHECK (output_micros >= 0),
    cached_input_micros  bigint NOT NULL CHECK (cached_input_micros >= 0),
    updated_by           text NOT NULL,
    updated_at           timestamptz NOT NULL
);

-- One row per gateway request, written in batches off the request path.
CREATE TABLE gateway_usage (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL,
    workspace_id    uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    key_id          uuid NOT NULL REFERENCES gateway_keys (id) ON DELETE CASCADE,
    instance_name   text,
    endpoint        text NOT NULL,
    model           text NOT NULL,          -- as the client asked
    provider        text,                   -- the provider that answered (or failed last)
    upstream_model  text,
    input_tokens    bigint NOT NULL DEFAULT 0,
    output_tokens   bigint NOT NULL DEFAULT 0,
    cached_tokens   bigint NOT NULL DEFAULT 0,
    cost_micros     bigint NOT NULL DEFAULT 0,
    latency_ms      integer NOT NULL,
    gateway_ms      real NOT NULL,
    status          integer NOT NULL,
    streamed        boolean NOT NULL,
    attempts        integer NOT NULL,
    error_code      text
);
CREATE INDEX gateway_usage_workspace_at ON gateway_usage (workspace_id, at);
CREATE INDEX gateway_usage_key_at ON gateway_usage (key_id, at);
