-- Initial schema of the palisade PostgreSQL store.
--
-- Never edit a migration once released: add a new one.
-- Every table and column carries a COMMENT; enum-like columns have CHECKs, so
-- a bug in palisade cannot write a value the code would fail to read back.
-- Timestamps are BIGINT milliseconds since the Unix epoch (UTC), as in the
-- SQLite backend, so both agree to the millisecond.
-- No secret in clear is ever stored here.
-- Objects are created unqualified: they land in the first schema of the
-- connection's search_path.

CREATE TABLE meta (
    key TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 64),
    value TEXT NOT NULL
);
COMMENT ON TABLE meta IS 'Key/value settings of this database.';
COMMENT ON COLUMN meta.key IS 'Name of the setting, e.g. key_check.';
COMMENT ON COLUMN meta.value IS 'Value of the setting; for key_check the check value of the master key the database was created with (identifies the key without revealing it).';

CREATE TABLE scans (
    id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
    target TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('folder', 'git-history')),
    commit_id TEXT,
    status TEXT NOT NULL
        CHECK (status IN ('running', 'completed', 'completed-with-errors', 'failed', 'interrupted')),
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    duration_ms BIGINT NOT NULL CHECK (duration_ms >= 0),
    files BIGINT NOT NULL CHECK (files >= 0),
    bytes BIGINT NOT NULL CHECK (bytes >= 0),
    blobs BIGINT NOT NULL CHECK (blobs >= 0),
    skipped_binary BIGINT NOT NULL CHECK (skipped_binary >= 0),
    skipped_too_large BIGINT NOT NULL CHECK (skipped_too_large >= 0),
    rules_version TEXT NOT NULL,
    rules_count BIGINT NOT NULL CHECK (rules_count BETWEEN 0 AND 4294967295),
    findings BIGINT NOT NULL CHECK (findings >= 0),
    suppressed BIGINT NOT NULL CHECK (suppressed >= 0),
    errors JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(errors) = 'array')
);
CREATE INDEX scans_started_at ON scans (started_at);
COMMENT ON TABLE scans IS 'One row per scan, inserted running when the scan starts and updated with its final status and counters when it is recorded.';
COMMENT ON COLUMN scans.id IS 'UUIDv7 of the scan.';
COMMENT ON COLUMN scans.target IS 'Canonical path of what was scanned.';
COMMENT ON COLUMN scans.kind IS 'What kind of input the scan read.';
COMMENT ON COLUMN scans.commit_id IS 'HEAD commit of the target when it is a git repository.';
COMMENT ON COLUMN scans.status IS 'How the scan ended (running while it runs).';
COMMENT ON COLUMN scans.started_at IS 'When the scan started (epoch millis).';
COMMENT ON COLUMN scans.finished_at IS 'When the scan finished (epoch millis), NULL while running.';
COMMENT ON COLUMN scans.duration_ms IS 'Wall-clock duration of the scan in milliseconds.';
COMMENT ON COLUMN scans.files IS 'Files (or history blob sightings) enumerated.';
COMMENT ON COLUMN scans.bytes IS 'Bytes of distinct content scanned.';
COMMENT ON COLUMN scans.blobs IS 'Distinct blobs scanned.';
COMMENT ON COLUMN scans.skipped_binary IS 'Files skipped as binary.';
COMMENT ON COLUMN scans.skipped_too_large IS 'Files skipped for being over the size limit.';
COMMENT ON COLUMN scans.rules_version IS 'Version of the rule set (a hash of the rules'' definitions).';
COMMENT ON COLUMN scans.rules_count IS 'Number of rules the scan ran.';
COMMENT ON COLUMN scans.findings IS 'Findings reported (after suppression).';
COMMENT ON COLUMN scans.suppressed IS 'Matches silenced by inline comments, the allowlist or the baseline.';
COMMENT ON COLUMN scans.errors IS 'Inputs the scan could not read: JSON array of {"subject", "message"}.';

CREATE TABLE findings (
    id TEXT PRIMARY KEY CHECK (id ~ '^[0-9a-f]{32}$'),
    rule_id TEXT NOT NULL CHECK (length(rule_id) BETWEEN 1 AND 80),
    rule_name TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    severity_rank BIGINT NOT NULL CHECK (
        severity_rank = CASE severity
            WHEN 'info' THEN 0 WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 WHEN 'critical' THEN 4
        END
    ),
    confidence TEXT NOT NULL CHECK (confidence IN ('low', 'medium', 'high')),
    preview TEXT NOT NULL,
    secret_hash TEXT NOT NULL CHECK (secret_hash ~ '^sha256:[0-9a-f]{64}$'),
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'false-positive', 'accepted-risk', 'fixed')),
    state_comment TEXT,
    state_updated_at BIGINT,
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL CHECK (last_seen_at >= first_seen_at),
    first_seen_scan TEXT NOT NULL REFERENCES scans (id),
    last_seen_scan TEXT NOT NULL REFERENCES scans (id)
);
CREATE INDEX findings_order ON findings (severity_rank DESC, last_seen_at DESC);
COMMENT ON TABLE findings IS 'One row per finding: one rule and one secret, wherever it was seen. Triage (state and comment) belongs here and survives rescans.';
COMMENT ON COLUMN findings.id IS 'Keyed fingerprint of (rule id, secret): 32 lowercase hex digits.';
COMMENT ON COLUMN findings.rule_id IS 'Rule that matched, e.g. azure.devops.pat.';
COMMENT ON COLUMN findings.rule_name IS 'Human name of the rule, as of the last scan that saw the finding.';
COMMENT ON COLUMN findings.severity IS 'Severity of the rule, as of the last scan that saw the finding.';
COMMENT ON COLUMN findings.severity_rank IS 'severity as a number for ordering and min_severity filters (info = 0 .. critical = 4).';
COMMENT ON COLUMN findings.confidence IS 'Confidence of the rule.';
COMMENT ON COLUMN findings.preview IS 'Redacted preview of the secret, e.g. ghp_********.';
COMMENT ON COLUMN findings.secret_hash IS 'Unkeyed SHA-256 of the secret, sha256:<64 hex> (the allowlist value).';
COMMENT ON COLUMN findings.state IS 'Triage state: set by people, and by scans (fixed when gone, open when seen again).';
COMMENT ON COLUMN findings.state_comment IS 'Why the state was set, if anyone said.';
COMMENT ON COLUMN findings.state_updated_at IS 'When the state was last set (epoch millis), NULL if never changed since first seen.';
COMMENT ON COLUMN findings.first_seen_at IS 'Start time of the first scan that saw the finding (epoch millis).';
COMMENT ON COLUMN findings.last_seen_at IS 'Start time of the latest scan that saw the finding (epoch millis).';
COMMENT ON COLUMN findings.first_seen_scan IS 'Scan that first saw the finding.';
COMMENT ON COLUMN findings.last_seen_scan IS 'Latest scan that saw the finding.';

CREATE TABLE locations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    finding_id TEXT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    target TEXT NOT NULL,
    path TEXT NOT NULL,
    line BIGINT NOT NULL CHECK (line BETWEEN 0 AND 4294967295),
    "column" BIGINT NOT NULL CHECK ("column" BETWEEN 0 AND 4294967295),
    blob_id TEXT NOT NULL CHECK (blob_id ~ '^[0-9a-f]{40}$'),
    commit_id TEXT NOT NULL DEFAULT '' CHECK (commit_id = '' OR length(commit_id) BETWEEN 4 AND 64),
    commit_author_name TEXT,
    commit_author_email TEXT,
    commit_date BIGINT,
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL CHECK (last_seen_at >= first_seen_at),
    last_seen_scan TEXT NOT NULL REFERENCES scans (id),
    gone_at BIGINT,
    CHECK ((commit_id = '') = (commit_author_name IS NULL)),
    CHECK ((commit_id = '') = (commit_author_email IS NULL)),
    CHECK ((commit_id = '') = (commit_date IS NULL)),
    UNIQUE (finding_id, target, path, line, "column", blob_id, commit_id)
);
CREATE INDEX locations_target ON locations (target, gone_at);
COMMENT ON TABLE locations IS 'Every place a finding was seen, per scan target.';
COMMENT ON COLUMN locations.id IS 'Surrogate key.';
COMMENT ON COLUMN locations.finding_id IS 'The finding seen here.';
COMMENT ON COLUMN locations.target IS 'The scan target the location belongs to (canonical path).';
COMMENT ON COLUMN locations.path IS 'Path relative to the target, /-separated.';
COMMENT ON COLUMN locations.line IS '1-based line of the start of the match.';
COMMENT ON COLUMN locations."column" IS '1-based column (in bytes) of the start of the secret.';
COMMENT ON COLUMN locations.blob_id IS 'Git blob id of the content: 40 lowercase hex digits.';
COMMENT ON COLUMN locations.commit_id IS 'Commit that introduced the blob (history scans), empty when none, so the unique key treats "no commit" as one value.';
COMMENT ON COLUMN locations.commit_author_name IS 'Author name of that commit, NULL when there is no commit.';
COMMENT ON COLUMN locations.commit_author_email IS 'Author email of that commit, NULL when there is no commit.';
COMMENT ON COLUMN locations.commit_date IS 'Date of that commit (epoch millis), NULL when there is no commit.';
COMMENT ON COLUMN locations.first_seen_at IS 'Start time of the first scan that saw this location (epoch millis).';
COMMENT ON COLUMN locations.last_seen_at IS 'Start time of the latest scan that saw this location (epoch millis).';
COMMENT ON COLUMN locations.last_seen_scan IS 'Latest scan that saw this location.';
COMMENT ON COLUMN locations.gone_at IS 'Start time of the first complete scan of target that no longer saw it (epoch millis); NULL while present.';

CREATE TABLE triage_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    finding_id TEXT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('open', 'false-positive', 'accepted-risk', 'fixed')),
    comment TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX triage_events_finding ON triage_events (finding_id, at, id);
COMMENT ON TABLE triage_events IS 'History of triage changes, by people and by scans (triage_history).';
COMMENT ON COLUMN triage_events.id IS 'Order of the events (ties on at keep insertion order).';
COMMENT ON COLUMN triage_events.finding_id IS 'The finding whose state changed.';
COMMENT ON COLUMN triage_events.state IS 'The new state.';
COMMENT ON COLUMN triage_events.comment IS 'Why, if anyone said (scans always say).';
COMMENT ON COLUMN triage_events.at IS 'When the change was made (epoch millis).';
