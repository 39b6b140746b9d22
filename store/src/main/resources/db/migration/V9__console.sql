-- Web console sign-in sessions. The browser holds a random token in an HttpOnly cookie; only
-- its SHA-256 is stored. Each session has its own CSRF token (a synchronizer token): every
-- state-changing console form must send it back. A session ends at sign-out, when it has been
-- idle too long, or when its absolute lifetime is over.
CREATE TABLE console_sessions (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash    bytea NOT NULL UNIQUE,
    csrf_token    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    ended_at      timestamptz
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);
