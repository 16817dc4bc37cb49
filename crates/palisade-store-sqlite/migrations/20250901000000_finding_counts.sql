-- Findings counted per repository for the console and the REST API, and
-- the indexes their queries need.

-- Findings with a present location (gone_at IS NULL) per scan target, kind,
-- severity and state: what the overview and the repository inventory read
-- instead of counting a million locations. A finding counts once per target
-- it is present in (a secret leaked in two repositories counts in both).
-- The store rewrites a target's rows in the same transaction as every change
-- of its findings or locations (recording a scan, triage), so they always
-- equal a count of `locations`.
CREATE TABLE target_finding_counts (
    -- Scan target (a managed repository's `target`, or a local path).
    target TEXT NOT NULL,
    -- Kind of the findings.
    kind TEXT NOT NULL CHECK (kind IN ('secret', 'dependency', 'iac', 'code')),
    -- Severity of the findings.
    severity TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    -- Triage state of the findings.
    state TEXT NOT NULL CHECK (state IN ('open', 'false-positive', 'accepted-risk', 'fixed')),
    -- How many findings; rows of zero are not kept.
    n INTEGER NOT NULL CHECK (n > 0),
    PRIMARY KEY (target, kind, severity, state)
) STRICT, WITHOUT ROWID;

INSERT INTO target_finding_counts (target, kind, severity, state, n)
SELECT l.target, f.kind, f.severity, f.state, count(DISTINCT f.id)
FROM locations l JOIN findings f ON f.id = l.finding_id
WHERE l.gone_at IS NULL
GROUP BY l.target, f.kind, f.severity, f.state;

-- Open findings per day, organization, kind and severity: the trend. One
-- snapshot a day, taken by the scheduler from `target_finding_counts`.
CREATE TABLE finding_count_days (
    -- UTC day, YYYY-MM-DD.
    day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    -- Lowercase organization name (OrgName::key) of the managed repositories
    -- counted; '' for scan targets that are not managed repositories.
    org TEXT NOT NULL,
    -- Kind of the findings.
    kind TEXT NOT NULL CHECK (kind IN ('secret', 'dependency', 'iac', 'code')),
    -- Severity of the findings.
    severity TEXT NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    -- Open findings that day, counted per repository.
    open_count INTEGER NOT NULL CHECK (open_count >= 0),
    PRIMARY KEY (day, org, kind, severity)
) STRICT, WITHOUT ROWID;

-- The days a snapshot was taken, so a day with nothing open reads as zero
-- and a day without a snapshot is left out of the trend.
CREATE TABLE finding_count_snapshots (
    -- UTC day, YYYY-MM-DD.
    day TEXT PRIMARY KEY NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    -- When the day's last snapshot was taken (epoch millis).
    taken_at INTEGER NOT NULL
) STRICT;

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
