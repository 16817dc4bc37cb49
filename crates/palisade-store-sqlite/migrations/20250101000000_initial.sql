-- Initial schema of the palisade SQLite store.
--
-- Never edit a migration once released: add a new one.
-- Every table is STRICT and every enum-like column has a CHECK, so a bug in
-- palisade cannot write a value the code would fail to read back.
-- Timestamps are INTEGER milliseconds since the Unix epoch (UTC), as in the
-- PostgreSQL backend, so both agree to the millisecond.
-- No secret in clear is ever stored here.

-- Key/value settings of this database.
CREATE TABLE meta (
    -- Name of the setting, e.g. `key_check`.
    key TEXT PRIMARY KEY NOT NULL CHECK (length(key) BETWEEN 1 AND 64),
    -- Value of the setting; for `key_check` the check value of the master key
    -- the database was created with (identifies the key without revealing it).
    value TEXT NOT NULL
) STRICT;

-- One row per scan, inserted `running` when the scan starts and updated with
-- its final status and counters when it is recorded.
CREATE TABLE scans (
    -- UUIDv7 of the scan.
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    -- Canonical path of what was scanned.
    target TEXT NOT NULL,
    -- What kind of input the scan read.
    kind TEXT NOT NULL CHECK (kind IN ('folder', 'git-history')),
    -- `HEAD` commit of the target when it is a git repository.
    commit_id TEXT,
    -- How the scan ended (`running` while it runs).
    status TEXT NOT NULL
        CHECK (status IN ('running', 'completed', 'completed-with-errors', 'failed', 'interrupted')),
    -- When the scan started (epoch millis).
    started_at INTEGER NOT NULL,
    -- When the scan finished (epoch millis), NULL while running.
    finished_at INTEGER,
    -- Wall-clock duration of the scan in milliseconds.
    duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
    -- Files (or history blob sightings) enumerated.
    files INTEGER NOT NULL CHECK (files >= 0),
    -- Bytes of distinct content scanned.
    bytes INTEGER NOT NULL CHECK (bytes >= 0),
    -- Distinct blobs scanned.
    blobs INTEGER NOT NULL CHECK (blobs >= 0),
    -- Files skipped as binary.
    skipped_binary INTEGER NOT NULL CHECK (skipped_binary >= 0),
    -- Files skipped for being over the size limit.
    skipped_too_large INTEGER NOT NULL CHECK (skipped_too_large >= 0),
    -- Version of the rule set (a hash of the rules' definitions).
    rules_version TEXT NOT NULL,
    -- Number of rules the scan ran.
    rules_count INTEGER NOT NULL CHECK (rules_count BETWEEN 0 AND 4294967295),
    -- Findings reported (after suppression).
    findings INTEGER NOT NULL CHECK (findings >= 0),
    -- Matches silenced by inline comments, the allowlist or the baseline.
    suppressed INTEGER NOT NULL CHECK (suppressed >= 0),
    -- Inputs the scan could not read: JSON array of {"subject", "message"}.
    errors TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(errors) AND json_type(errors) = 'array')
) STRICT;

-- `list_scans` (newest first) and `recover_interrupted`.
CREATE INDEX scans_started_at ON scans (started_at);

-- One row per finding: one rule and one secret, wherever it was seen.
-- Triage (state and comment) belongs here and survives rescans.
CREATE TABLE findings (
    -- Keyed fingerprint of (rule id, secret): 32 lowercase hex digits.
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 32 AND id NOT GLOB '*[^0-9a-f]*'),
    -- Rule that matched, e.g. `azure.devops.pat`.
    rule_id TEXT NOT NULL CHECK (length(rule_id) BETWEEN 1 AND 80),
    -- Human name of the rule, as of the last scan that saw the finding.
    rule_name TEXT NOT NULL,
    -- Severity of the rule, as of the last scan that saw the finding.
    severity TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    -- `severity` as a number for ordering and `min_severity` filters (info = 0 .. critical = 4).
    severity_rank INTEGER NOT NULL CHECK (
        severity_rank = CASE severity
            WHEN 'info' THEN 0 WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 WHEN 'critical' THEN 4
        END
    ),
    -- Confidence of the rule.
    confidence TEXT NOT NULL CHECK (confidence IN ('low', 'medium', 'high')),
    -- Redacted preview of the secret, e.g. `ghp_********`.
    preview TEXT NOT NULL,
    -- Unkeyed SHA-256 of the secret, `sha256:<64 hex>` (the allowlist value).
    secret_hash TEXT NOT NULL
        CHECK (length(secret_hash) = 71 AND substr(secret_hash, 1, 7) = 'sha256:'
               AND substr(secret_hash, 8) NOT GLOB '*[^0-9a-f]*'),
    -- Triage state: set by people, and by scans (`fixed` when gone, `open` when seen again).
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'false-positive', 'accepted-risk', 'fixed')),
    -- Why the state was set, if anyone said.
    state_comment TEXT,
    -- When the state was last set (epoch millis), NULL if never changed since first seen.
    state_updated_at INTEGER,
    -- Start time of the first scan that saw the finding (epoch millis).
    first_seen_at INTEGER NOT NULL,
    -- Start time of the latest scan that saw the finding (epoch millis).
    last_seen_at INTEGER NOT NULL CHECK (last_seen_at >= first_seen_at),
    -- Scan that first saw the finding.
    first_seen_scan TEXT NOT NULL REFERENCES scans (id),
    -- Latest scan that saw the finding.
    last_seen_scan TEXT NOT NULL REFERENCES scans (id)
) STRICT;

-- `list_findings` ordering: severity desc, then last seen desc.
CREATE INDEX findings_order ON findings (severity_rank DESC, last_seen_at DESC);

-- Every place a finding was seen, per scan target.
CREATE TABLE locations (
    -- Surrogate key.
    id INTEGER PRIMARY KEY,
    -- The finding seen here.
    finding_id TEXT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    -- The scan target the location belongs to (canonical path).
    target TEXT NOT NULL,
    -- Path relative to the target, `/`-separated.
    path TEXT NOT NULL,
    -- 1-based line of the start of the match.
    line INTEGER NOT NULL CHECK (line BETWEEN 0 AND 4294967295),
    -- 1-based column (in bytes) of the start of the secret.
    "column" INTEGER NOT NULL CHECK ("column" BETWEEN 0 AND 4294967295),
    -- Git blob id of the content: 40 lowercase hex digits.
    blob_id TEXT NOT NULL CHECK (length(blob_id) = 40 AND blob_id NOT GLOB '*[^0-9a-f]*'),
    -- Commit that introduced the blob (history scans), '' when none, so the
    -- unique key below treats "no commit" as one value.
    commit_id TEXT NOT NULL DEFAULT '' CHECK (commit_id = '' OR length(commit_id) BETWEEN 4 AND 64),
    -- Author name of that commit, NULL when there is no commit.
    commit_author_name TEXT,
    -- Author email of that commit, NULL when there is no commit.
    commit_author_email TEXT,
    -- Date of that commit (epoch millis), NULL when there is no commit.
    commit_date INTEGER,
    -- Start time of the first scan that saw this location (epoch millis).
    first_seen_at INTEGER NOT NULL,
    -- Start time of the latest scan that saw this location (epoch millis).
    last_seen_at INTEGER NOT NULL CHECK (last_seen_at >= first_seen_at),
    -- Latest scan that saw this location.
    last_seen_scan TEXT NOT NULL REFERENCES scans (id),
    -- Start time of the first complete scan of `target` that no longer saw
    -- it (epoch millis); NULL while present.
    gone_at INTEGER,
    CHECK ((commit_id = '') = (commit_author_name IS NULL)),
    CHECK ((commit_id = '') = (commit_author_email IS NULL)),
    CHECK ((commit_id = '') = (commit_date IS NULL)),
    UNIQUE (finding_id, target, path, line, "column", blob_id, commit_id)
) STRICT;

-- Marking a target's locations gone, and the `target` filter.
CREATE INDEX locations_target ON locations (target, gone_at);

-- History of triage changes, by people and by scans; `triage_history`.
CREATE TABLE triage_events (
    -- Order of the events (ties on `at` keep insertion order).
    id INTEGER PRIMARY KEY,
    -- The finding whose state changed.
    finding_id TEXT NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    -- The new state.
    state TEXT NOT NULL CHECK (state IN ('open', 'false-positive', 'accepted-risk', 'fixed')),
    -- Why, if anyone said (scans always say).
    comment TEXT,
    -- When the change was made (epoch millis).
    at INTEGER NOT NULL
) STRICT;

CREATE INDEX triage_events_finding ON triage_events (finding_id, at, id);
