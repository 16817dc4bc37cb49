-- One evaluation of every posture check over a connector's inventory.
CREATE TABLE posture_evaluations (
    -- UUIDv7.
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    connector_id TEXT NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    -- When it ran (ms since the epoch).
    at INTEGER NOT NULL,
    -- What started it.
    trigger TEXT NOT NULL CHECK (trigger IN ('discovery', 'manual')),
    checks INTEGER NOT NULL CHECK (checks >= 0),
    results INTEGER NOT NULL CHECK (results >= 0)
) STRICT;
CREATE INDEX posture_evaluations_by_connector ON posture_evaluations (connector_id, at DESC);

-- The current result of each check on each resource.
CREATE TABLE posture_results (
    check_id TEXT NOT NULL CHECK (length(check_id) BETWEEN 1 AND 200),
    -- The resource's inventory key.
    resource_key TEXT NOT NULL CHECK (length(resource_key) BETWEEN 3 AND 1000),
    connector_id TEXT NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    resource_kind TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    org_id TEXT NOT NULL,
    project_id TEXT,
    severity TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'not-applicable', 'unknown')),
    reason TEXT NOT NULL,
    -- Since when it has had this status (ms since the epoch).
    status_since INTEGER NOT NULL,
    first_seen_at INTEGER NOT NULL,
    PRIMARY KEY (check_id, resource_key)
) STRICT, WITHOUT ROWID;
CREATE INDEX posture_results_by_connector ON posture_results (connector_id, status);
CREATE INDEX posture_results_by_scope ON posture_results (org_id, project_id);

-- Every status change of a result: when a control started failing, when it
-- was fixed. `status` NULL: the resource left the inventory.
CREATE TABLE posture_history (
    check_id TEXT NOT NULL,
    resource_key TEXT NOT NULL,
    at INTEGER NOT NULL,
    status TEXT CHECK (status IS NULL OR status IN ('pass', 'fail', 'not-applicable', 'unknown')),
    reason TEXT NOT NULL,
    evaluation_id TEXT NOT NULL REFERENCES posture_evaluations (id) ON DELETE CASCADE
) STRICT;
CREATE INDEX posture_history_by_result ON posture_history (check_id, resource_key, at);

-- Scores per organization and project at each evaluation, for trends.
CREATE TABLE posture_scores (
    evaluation_id TEXT NOT NULL REFERENCES posture_evaluations (id) ON DELETE CASCADE,
    -- `{org id}` or `{org id}/{project id}`.
    scope_key TEXT NOT NULL,
    at INTEGER NOT NULL,
    passed_weight INTEGER NOT NULL CHECK (passed_weight >= 0),
    applicable_weight INTEGER NOT NULL CHECK (applicable_weight >= passed_weight),
    passed INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    unknown INTEGER NOT NULL,
    exempt INTEGER NOT NULL,
    PRIMARY KEY (evaluation_id, scope_key)
) STRICT;
CREATE INDEX posture_scores_by_scope ON posture_scores (scope_key, at DESC);

-- Accepted failures of a check on a resource or a whole scope. Kept after
-- expiry or revocation, for the record; only active ones apply.
CREATE TABLE posture_exemptions (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    check_id TEXT NOT NULL CHECK (length(check_id) BETWEEN 1 AND 200),
    target_kind TEXT NOT NULL CHECK (target_kind IN ('resource', 'scope')),
    target TEXT NOT NULL CHECK (length(target) BETWEEN 1 AND 1000),
    reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    author TEXT NOT NULL CHECK (length(author) BETWEEN 1 AND 200),
    created_at INTEGER NOT NULL,
    expires_at INTEGER CHECK (expires_at IS NULL OR expires_at > created_at),
    revoked_at INTEGER,
    revoked_by TEXT
) STRICT;

-- Who changed which exemption, when and why.
CREATE TABLE posture_exemption_audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    exemption_id TEXT NOT NULL REFERENCES posture_exemptions (id),
    action TEXT NOT NULL CHECK (action IN ('created', 'revoked')),
    actor TEXT NOT NULL,
    at INTEGER NOT NULL,
    reason TEXT NOT NULL
) STRICT;
