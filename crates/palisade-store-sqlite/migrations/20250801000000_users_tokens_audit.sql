-- Local users. Passwords are argon2id PHC strings (`palisade-auth`), never
-- the password itself; a user without one signs in only through OIDC.
CREATE TABLE users (
    -- UUIDv7.
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    -- As the user typed it.
    username TEXT NOT NULL CHECK (length(username) BETWEEN 1 AND 64),
    -- Lowercase: names are unique ignoring case.
    username_key TEXT NOT NULL UNIQUE CHECK (username_key = lower(username)),
    display_name TEXT CHECK (display_name IS NULL OR length(display_name) <= 200),
    password_hash TEXT CHECK (password_hash IS NULL OR password_hash LIKE '$argon2%'),
    -- ms since the epoch.
    created_at INTEGER NOT NULL,
    -- Set when disabled: the user can no longer sign in or use a token.
    disabled_at INTEGER CHECK (disabled_at IS NULL OR disabled_at >= created_at)
) STRICT;

-- The roles granted to each user, at the whole installation (`connector_id`
-- NULL) or at one connector. No foreign key to connectors: a grant on a
-- deleted connector grants nothing, as its id is never reused (UUIDv7).
CREATE TABLE user_grants (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'security-admin', 'reader')),
    connector_id TEXT CHECK (connector_id IS NULL OR length(connector_id) BETWEEN 1 AND 200)
) STRICT;
-- One grant of a role at a scope; NULL (all) counts as one scope.
CREATE UNIQUE INDEX user_grants_unique ON user_grants (user_id, role, coalesce(connector_id, '*'));

-- API tokens. The token text holds `id` and a secret; only the SHA-256 of
-- the secret is kept. Kept after expiry or revocation, for the record.
CREATE TABLE api_tokens (
    -- The public part of the token.
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 100),
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- What it is for, as its owner named it.
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- SHA-256 of the secret part.
    secret_hash BLOB NOT NULL CHECK (length(secret_hash) = 32),
    created_at INTEGER NOT NULL,
    expires_at INTEGER CHECK (expires_at IS NULL OR expires_at > created_at),
    revoked_at INTEGER,
    -- Last authentication with it (written at most about once a minute).
    last_used_at INTEGER
) STRICT;
CREATE INDEX api_tokens_by_user ON api_tokens (user_id, created_at DESC);

-- Every change to users, tokens and other settings: who did what, on what,
-- from where. Append only; never holds a secret or a hash.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    -- A user name, `cli:{os user}`, `system`.
    actor TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    -- `user.create`, `token.revoke`, `connector.delete`, ...
    action TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
    -- A user name, a connector name, a finding id, ...
    target TEXT NOT NULL CHECK (length(target) <= 1000),
    -- A client address, `cli`.
    source TEXT,
    -- The change, as a JSON value.
    details TEXT NOT NULL CHECK (json_valid(details))
) STRICT;
CREATE INDEX audit_log_by_at ON audit_log (at);
CREATE INDEX audit_log_by_actor ON audit_log (actor, seq);
