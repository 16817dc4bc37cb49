-- Findings counted per repository for the console and the REST API, and
-- the indexes their queries need.

CREATE TABLE target_finding_counts (
    target TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('secret', 'dependency', 'iac', 'code')),
    severity TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    state TEXT NOT NULL CHECK (state IN ('open', 'false-positive', 'accepted-risk', 'fixed')),
    n BIGINT NOT NULL CHECK (n > 0),
    PRIMARY KEY (target, kind, severity, state)
);
COMMENT ON TABLE target_finding_counts IS 'Findings with a present location (gone_at IS NULL) per scan target, kind, severity and state: what the overview and the repository inventory read instead of counting a million locations. A finding counts once per target it is present in (a secret leaked in two repositories counts in both). The store rewrites a target''s rows in the same transaction as every change of its findings or locations (recording a scan, triage), so they always equal a count of locations.';
COMMENT ON COLUMN target_finding_counts.target IS 'Scan target (a managed repository''s target, or a local path).';
COMMENT ON COLUMN target_finding_counts.kind IS 'Kind of the findings.';
COMMENT ON COLUMN target_finding_counts.severity IS 'Severity of the findings.';
COMMENT ON COLUMN target_finding_counts.state IS 'Triage state of the findings.';
COMMENT ON COLUMN target_finding_counts.n IS 'How many findings; rows of zero are not kept.';

INSERT INTO target_finding_counts (target, kind, severity, state, n)
SELECT l.target, f.kind, f.severity, f.state, count(DISTINCT f.id)
FROM locations l JOIN findings f ON f.id = l.finding_id
WHERE l.gone_at IS NULL
GROUP BY l.target, f.kind, f.severity, f.state;

CREATE TABLE finding_count_days (
    day TEXT NOT NULL CHECK (day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    org TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('secret', 'dependency', 'iac', 'code')),
    severity TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    open_count BIGINT NOT NULL CHECK (open_count >= 0),
    PRIMARY KEY (day, org, kind, severity)
);
COMMENT ON TABLE finding_count_days IS 'Open findings per day, organization, kind and severity: the trend. One snapshot a day, taken by the scheduler from target_finding_counts.';
COMMENT ON COLUMN finding_count_days.day IS 'UTC day, YYYY-MM-DD.';
COMMENT ON COLUMN finding_count_days.org IS 'Lowercase organization name (OrgName::key) of the managed repositories counted; empty for scan targets that are not managed repositories.';
COMMENT ON COLUMN finding_count_days.kind IS 'Kind of the findings.';
COMMENT ON COLUMN finding_count_days.severity IS 'Severity of the findings.';
COMMENT ON COLUMN finding_count_days.open_count IS 'Open findings that day, counted per repository.';

CREATE TABLE finding_count_snapshots (
    day TEXT PRIMARY KEY CHECK (day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
    taken_at BIGINT NOT NULL
);
COMMENT ON TABLE finding_count_snapshots IS 'The days a snapshot was taken, so a day with nothing open reads as zero and a day without a snapshot is left out of the trend.';
COMMENT ON COLUMN finding_count_snapshots.day IS 'UTC day, YYYY-MM-DD.';
COMMENT ON COLUMN finding_count_snapshots.taken_at IS 'When the day''s last snapshot was taken (epoch millis).';

-- From findings counts to their repository (connector scope, snapshots).
CREATE INDEX managed_repos_target ON managed_repos (target);
-- The inventory's organization and project filters and its grouped view.
CREATE INDEX managed_repos_place ON managed_repos (org_key, project, name);

-- Orders of the findings list, each ending with the id (as the queries do)
-- so a page is read in index order, in either direction, and stops at its
-- limit instead of sorting a million findings.
DROP INDEX findings_order;
CREATE INDEX findings_by_severity ON findings (severity_rank DESC, last_seen_at DESC, id);
CREATE INDEX findings_by_last_seen ON findings (last_seen_at, id);
CREATE INDEX findings_by_first_seen ON findings (first_seen_at, id);
CREATE INDEX findings_by_rule ON findings (rule_id, id);
