-- Virtual keys Roost makes and hands out itself: one per instance (injected into its containers
-- as OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY) and one per workspace for prompt tasks.
--
-- Unlike keys people create (shown once, stored as a hash only), Roost must give the same key
-- to every container it creates for an instance, so the key itself is kept here sealed with the
-- master key (AES-256-GCM, bound to the workspace and the key id) like a secret value. The
-- gateway still checks the hash in gateway_keys; revoking that row stops the key at once, and the
-- reconciler then makes a new one and replaces the instance's containers.
CREATE TABLE gateway_managed_keys (
    key_id         uuid PRIMARY KEY REFERENCES gateway_keys (id) ON DELETE CASCADE,
    workspace_id   uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    purpose        text NOT NULL CHECK (purpose IN ('instance', 'tasks')),
    instance_id    uuid,                       -- the instance, for purpose 'instance'
    master_key_id  text NOT NULL,
    nonce          bytea NOT NULL,
    ciphertext     bytea NOT NULL,
    created_at     timestamptz NOT NULL,
    CHECK ((purpose = 'instance') = (instance_id IS NOT NULL))
);
-- At most one live managed key per instance and one per workspace for tasks.
CREATE UNIQUE INDEX gateway_managed_keys_owner
    ON gateway_managed_keys (workspace_id, purpose, COALESCE(instance_id, '00000000-0000-0000-0000-000000000000'::uuid));
CREATE INDEX gateway_managed_keys_instance ON gateway_managed_keys (instance_id);
