CREATE TABLE posture_evaluations (
    id TEXT PRIMARY KEY CHECK (length(id) = 36),
    connector_id TEXT NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    trigger TEXT NOT NULL CHECK (trigger IN ('discovery', 'manual')),
    checks BIGINT NOT NULL CHECK (checks >= 0),
    results BIGINT NOT NULL CHECK (results >= 0)
);
CREATE INDEX posture_evaluations_by_connector ON posture_evaluations (connector_id, at DESC);
COMMENT ON TABLE posture_evaluations IS 'One evaluation of every posture check over a connector''s inventory; trigger is discovery or manual.';

CREATE TABLE posture_results (
    check_id TEXT NOT NULL CHECK (length(check_id) BETWEEN 1 AND 200),
    resource_key TEXT NOT NULL CHECK (length(resource_key) BETWEEN 3 AND 1000),
    connector_id TEXT NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    resource_kind TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    org_id TEXT NOT NULL,
    project_id TEXT,
    severity TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'not-applicable', 'unknown')),
    reason TEXT NOT NULL,
    status_since BIGINT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    PRIMARY KEY (check_id, resource_key)
);
CREATE INDEX posture_results_by_connector ON posture_results (connector_id, status);
CREATE INDEX posture_results_by_scope ON posture_results (org_id, project_id);
COMMENT ON TABLE posture_results IS 'The current result of each posture check on each resource; status_since says since when it has had its status.';

CREATE TABLE posture_history (
    check_id TEXT NOT NULL,
    resource_key TEXT NOT NULL,
    at BIGINT NOT NULL,
    status TEXT CHECK (status IS NULL OR status IN ('pass', 'fail', 'not-applicable', 'unknown')),
    reason TEXT NOT NULL,
    evaluation_id TEXT NOT NULL REFERENCES posture_evaluations (id) ON DELETE CASCADE
);
CREATE INDEX posture_history_by_result ON posture_history (check_id, resource_key, at);
COMMENT ON TABLE posture_history IS 'Every status change of a posture result: when a control started failing, when it was fixed. NULL status: the resource left the inventory.';

CREATE TABLE posture_scores (
    evaluation_id TEXT NOT NULL REFERENCES posture_evaluations (id) ON DELETE CASCADE,
    scope_key TEXT NOT NULL,
    at BIGINT NOT NULL,
    passed_weight BIGINT NOT NULL CHECK (passed_weight >= 0),
    applicable_weight BIGINT NOT NULL CHECK (applicable_weight >= passed_weight),
    passed BIGINT NOT NULL,
    failed BIGINT NOT NULL,
    unknown BIGINT NOT NULL,
    exempt BIGINT NOT NULL,
    PRIMARY KEY (evaluation_id, scope_key)
);
CREATE INDEX posture_scores_by_scope ON posture_scores (scope_key, at DESC);
COMMENT ON TABLE posture_scores IS 'Posture scores per organization ({org id}) and project ({org id}/{project id}) at each evaluation, for trends.';

CREATE TABLE posture_exemptions (
    id TEXT PRIMARY KEY CHECK (length(id) = 36),
    check_id TEXT NOT NULL CHECK (length(check_id) BETWEEN 1 AND 200),
    target_kind TEXT NOT NULL CHECK (target_kind IN ('resource', 'scope')),
    target TEXT NOT NULL CHECK (length(target) BETWEEN 1 AND 1000),
    reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    author TEXT NOT NULL CHECK (length(author) BETWEEN 1 AND 200),
    created_at BIGINT NOT NULL,
    expires_at BIGINT CHECK (expires_at IS NULL OR expires_at > created_at),
    revoked_at BIGINT,
    revoked_by TEXT
);
COMMENT ON TABLE posture_exemptions IS 'Accepted failures of a check on a resource or a whole scope; kept after expiry or revocation, only active ones apply.';

CREATE TABLE posture_exemption_audit (
    seq BIGSERIAL PRIMARY KEY,
    exemption_id TEXT NOT NULL REFERENCES posture_exemptions (id),
    action TEXT NOT NULL CHECK (action IN ('created', 'revoked')),
    actor TEXT NOT NULL,
    at BIGINT NOT NULL,
    reason TEXT NOT NULL
);
COMMENT ON TABLE posture_exemption_audit IS 'Who changed which posture exemption, when and why.';
