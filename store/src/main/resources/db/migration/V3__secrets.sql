-- Workspace secrets. Only ciphertexts are stored: AES-256-GCM under a key derived from the
-- master key (which lives outside the database), with the workspace id and the name bound in
-- as associated data, so a ciphertext moved to another row does not decrypt. key_id names the
-- master key a row was sealed with (start-up refuses a key that does not match). fingerprint
-- is an HMAC-SHA256 of the value under another derived key: it confirms a known value and
-- shows in the audit log that a value changed, without revealing it.
--
-- Like instances, rows reference their workspace without ON DELETE CASCADE: they go only in
-- WorkspaceRepository.purge, explicitly.
CREATE TABLE secrets (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    name         text NOT NULL CHECK (name ~ '^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$'),
    ciphertext   bytea NOT NULL,
    nonce        bytea NOT NULL CHECK (octet_length(nonce) = 12),
    key_id       text NOT NULL,
    fingerprint  text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
    version      integer NOT NULL CHECK (version >= 1),
    size         integer NOT NULL CHECK (size BETWEEN 1 AND 65536),
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_by   text NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, name)
);
CREATE INDEX secrets_key_id ON secrets (key_id);
