CREATE TABLE users (
    id TEXT PRIMARY KEY CHECK (length(id) = 36),
    username TEXT NOT NULL CHECK (length(username) BETWEEN 1 AND 64),
    username_key TEXT NOT NULL UNIQUE CHECK (username_key = lower(username)),
    display_name TEXT CHECK (display_name IS NULL OR length(display_name) <= 200),
    password_hash TEXT CHECK (password_hash IS NULL OR password_hash LIKE '$argon2%'),
    created_at BIGINT NOT NULL,
    disabled_at BIGINT CHECK (disabled_at IS NULL OR disabled_at >= created_at)
);
COMMENT ON TABLE users IS 'Local users; username_key is the lowercase name (unique ignoring case); password_hash is an argon2id PHC string, NULL for a user who signs in only through OIDC; disabled_at set when disabled.';

CREATE TABLE user_grants (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'security-admin', 'reader')),
    connector_id TEXT CHECK (connector_id IS NULL OR length(connector_id) BETWEEN 1 AND 200)
);
CREATE UNIQUE INDEX user_grants_unique ON user_grants (user_id, role, coalesce(connector_id, '*'));
COMMENT ON TABLE user_grants IS 'Roles granted to each user, at the whole installation (connector_id NULL) or at one connector; one grant of a role per scope.';

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 100),
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    secret_hash BYTEA NOT NULL CHECK (octet_length(secret_hash) = 32),
    created_at BIGINT NOT NULL,
    expires_at BIGINT CHECK (expires_at IS NULL OR expires_at > created_at),
    revoked_at BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id, created_at DESC);
COMMENT ON TABLE api_tokens IS 'API tokens: id is the public part of the token text, secret_hash the SHA-256 of its secret part (the secret itself is never stored); kept after expiry or revocation.';

CREATE TABLE audit_log (
    seq BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    action TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
    target TEXT NOT NULL CHECK (length(target) <= 1000),
    source TEXT,
    details JSONB NOT NULL
);
CREATE INDEX audit_log_by_at ON audit_log (at);
CREATE INDEX audit_log_by_actor ON audit_log (actor, seq);
COMMENT ON TABLE audit_log IS 'Every change to users, tokens and other settings: who (actor), did what (action, e.g. user.create), on what (target), from where (source); append only, never a secret or a hash in details.';
