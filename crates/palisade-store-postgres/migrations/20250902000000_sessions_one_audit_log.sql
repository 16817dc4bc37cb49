-- Exemption changes move into the one audit log (`exemption.create`,
-- `exemption.revoke`, target = the exemption id, details = the reason).
INSERT INTO audit_log (at, actor, action, target, source, details)
SELECT at, actor,
       CASE action WHEN 'created' THEN 'exemption.create' ELSE 'exemption.revoke' END,
       exemption_id, NULL, jsonb_build_object('reason', reason)
FROM posture_exemption_audit ORDER BY seq;
DROP TABLE posture_exemption_audit;

-- Console sign-ins. The cookie holds a random secret; only its SHA-256 is
-- kept, so a copy of the database opens no session.
CREATE TABLE sessions (
    id_hash BYTEA PRIMARY KEY CHECK (length(id_hash) = 32),
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL CHECK (last_seen_at >= created_at),
    -- Absolute end, however active the session is.
    expires_at BIGINT NOT NULL CHECK (expires_at > created_at),
    -- Client address and user agent it was opened from.
    source TEXT CHECK (source IS NULL OR length(source) <= 100),
    user_agent TEXT CHECK (user_agent IS NULL OR length(user_agent) <= 500)
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
