-- The job queue and managed scans: per-repository scan state, connector scan
-- settings, scan logs, pull-request comment state, webhook deliveries and
-- service-hook subscriptions.
--
-- Never edit a migration once released: add a new one.
-- Every table and column carries a COMMENT; enum-like columns have CHECKs.
-- Timestamps are BIGINT epoch milliseconds (UTC), as in the SQLite backend.
-- Webhook secrets are stored only as sealed by palisade-vault, never in clear.

ALTER TABLE scans
    ADD COLUMN context JSONB CHECK (context IS NULL OR jsonb_typeof(context) = 'object'),
    ADD COLUMN job_id TEXT CHECK (job_id IS NULL OR context IS NOT NULL),
    ADD COLUMN connector_id TEXT CHECK ((connector_id IS NULL) = (context IS NULL));
CREATE INDEX scans_job ON scans (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX scans_managed_target ON scans (target, started_at) WHERE context IS NOT NULL;
CREATE INDEX scans_connector ON scans (connector_id, finished_at) WHERE connector_id IS NOT NULL;
COMMENT ON COLUMN scans.context IS 'Where a managed scan came from: the whole ScanContext as a JSON object; NULL for palisade scan of a local path.';
COMMENT ON COLUMN scans.job_id IS 'The job that ran the scan (context.job), for interrupt_job_scans.';
COMMENT ON COLUMN scans.connector_id IS 'The connector the scan ran for (context.connector), for scan_stats.';

CREATE TABLE jobs (
    id TEXT PRIMARY KEY CHECK (length(id) = 36),
    kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    payload JSONB NOT NULL,
    dedup_key TEXT CHECK (dedup_key IS NULL OR length(dedup_key) BETWEEN 1 AND 1000),
    priority INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'dead', 'cancelled')),
    attempts BIGINT NOT NULL CHECK (attempts BETWEEN 0 AND 4294967295),
    max_attempts BIGINT NOT NULL CHECK (max_attempts BETWEEN 1 AND 4294967295),
    run_after BIGINT NOT NULL,
    lease_owner TEXT,
    lease_token TEXT,
    lease_expires_at BIGINT,
    last_error TEXT,
    connector_id TEXT CHECK (connector_id IS NULL OR length(connector_id) = 36),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT,
    CHECK ((state = 'running') = (lease_token IS NOT NULL)),
    CHECK ((state = 'running') = (lease_expires_at IS NOT NULL)),
    CHECK ((state IN ('succeeded', 'dead', 'cancelled')) = (finished_at IS NOT NULL))
);
CREATE UNIQUE INDEX jobs_dedup ON jobs (dedup_key)
    WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running');
CREATE INDEX jobs_queued ON jobs (priority DESC, run_after, created_at, id) WHERE state = 'queued';
CREATE INDEX jobs_running ON jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX jobs_connector ON jobs (connector_id, state) WHERE connector_id IS NOT NULL;
CREATE INDEX jobs_created ON jobs (created_at, id);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
COMMENT ON TABLE jobs IS 'The durable job queue. A job is leased by one worker at a time: lease_token is new for every lease, and every later call must present it. One active job per dedup key (jobs_dedup).';
COMMENT ON COLUMN jobs.id IS 'UUIDv7 of the job.';
COMMENT ON COLUMN jobs.kind IS 'What the job does (full-scan, pr-scan, ...).';
COMMENT ON COLUMN jobs.payload IS 'Arguments of the handler of kind: any JSON value, never a credential.';
COMMENT ON COLUMN jobs.dedup_key IS 'While a job with this key is queued or running, no other is enqueued.';
COMMENT ON COLUMN jobs.priority IS 'Higher runs first.';
COMMENT ON COLUMN jobs.state IS 'Where the job stands.';
COMMENT ON COLUMN jobs.attempts IS 'Attempts started so far (leases handed out).';
COMMENT ON COLUMN jobs.max_attempts IS 'Attempts before the job goes dead.';
COMMENT ON COLUMN jobs.run_after IS 'Not leased before this time (epoch millis).';
COMMENT ON COLUMN jobs.lease_owner IS 'Worker holding the lease (state running), or the last one that did.';
COMMENT ON COLUMN jobs.lease_token IS 'Proof of the current lease; NULL unless running.';
COMMENT ON COLUMN jobs.lease_expires_at IS 'When the current lease ends (epoch millis); NULL unless running.';
COMMENT ON COLUMN jobs.last_error IS 'One line from the last failed attempt.';
COMMENT ON COLUMN jobs.connector_id IS 'The connector the job acts for. No foreign key: jobs outlive a revoked connector (cancelled, for inspection).';
COMMENT ON COLUMN jobs.created_at IS 'When it was enqueued (epoch millis).';
COMMENT ON COLUMN jobs.updated_at IS 'When it last changed state (epoch millis).';
COMMENT ON COLUMN jobs.finished_at IS 'When it succeeded, went dead or was cancelled (epoch millis).';

CREATE TABLE managed_repos (
    org_key TEXT NOT NULL CHECK (org_key ~ '^[a-z0-9][a-z0-9-]{0,49}$'),
    org_name TEXT NOT NULL CHECK (lower(org_name) = org_key),
    repo_id TEXT NOT NULL CHECK (length(repo_id) BETWEEN 1 AND 64 AND repo_id = lower(repo_id)),
    connector_id TEXT CHECK (connector_id IS NULL OR length(connector_id) = 36),
    project TEXT NOT NULL,
    project_id TEXT NOT NULL,
    name TEXT NOT NULL,
    remote_url TEXT NOT NULL,
    web_url TEXT NOT NULL,
    default_branch TEXT,
    size BIGINT NOT NULL CHECK (size >= 0),
    target TEXT NOT NULL CHECK (length(target) >= 1),
    state TEXT NOT NULL CHECK (state IN ('offered', 'enabled', 'disabled', 'archived')),
    archive_reason TEXT CHECK (archive_reason IS NULL OR
        (archive_reason IN ('removed', 'disabled-in-ado', 'revoked') AND state = 'archived')),
    full_scans BOOLEAN NOT NULL,
    pr_scans BOOLEAN NOT NULL,
    labels JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(labels) = 'array'),
    scanned_tips JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(scanned_tips) = 'array'),
    last_scan_id TEXT,
    last_scan_at BIGINT,
    last_status TEXT CHECK (last_status IS NULL OR
        last_status IN ('running', 'completed', 'completed-with-errors', 'failed', 'interrupted')),
    last_error TEXT,
    last_success_at BIGINT,
    first_seen_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (org_key, repo_id)
);
CREATE INDEX managed_repos_connector ON managed_repos (connector_id, state) WHERE connector_id IS NOT NULL;
COMMENT ON TABLE managed_repos IS 'Repositories known to managed scans, keyed by organization and ADO repository id, not by connector: revoking a connector archives them (no foreign key, so nothing cascades), and a new connector of the same organization takes them up again.';
COMMENT ON COLUMN managed_repos.org_key IS 'Lowercase organization name (OrgName::key).';
COMMENT ON COLUMN managed_repos.org_name IS 'Organization name as written.';
COMMENT ON COLUMN managed_repos.repo_id IS 'ADO repository id (GUID), lowercase.';
COMMENT ON COLUMN managed_repos.connector_id IS 'The connector currently responsible; NULL once revoked.';
COMMENT ON COLUMN managed_repos.project IS 'Project name.';
COMMENT ON COLUMN managed_repos.project_id IS 'Project id (GUID).';
COMMENT ON COLUMN managed_repos.name IS 'Repository name.';
COMMENT ON COLUMN managed_repos.remote_url IS 'Git remote (HTTPS) to clone from.';
COMMENT ON COLUMN managed_repos.web_url IS 'Web page of the repository.';
COMMENT ON COLUMN managed_repos.default_branch IS 'Default branch without refs/heads/; NULL for an empty repository.';
COMMENT ON COLUMN managed_repos.size IS 'Size ADO reports, bytes.';
COMMENT ON COLUMN managed_repos.target IS 'Scan target of its findings, fixed when first enabled.';
COMMENT ON COLUMN managed_repos.state IS 'Where the repository stands.';
COMMENT ON COLUMN managed_repos.archive_reason IS 'Why it was archived; NULL unless archived.';
COMMENT ON COLUMN managed_repos.full_scans IS 'Full scans on.';
COMMENT ON COLUMN managed_repos.pr_scans IS 'Pull-request scans on.';
COMMENT ON COLUMN managed_repos.labels IS 'Labels, sorted: JSON array of strings.';
COMMENT ON COLUMN managed_repos.scanned_tips IS 'Ref tips the last successful full scan read up to: JSON array of commit ids.';
COMMENT ON COLUMN managed_repos.last_scan_id IS 'Last managed scan of the repository.';
COMMENT ON COLUMN managed_repos.last_scan_at IS 'When it was recorded (epoch millis).';
COMMENT ON COLUMN managed_repos.last_status IS 'How it ended.';
COMMENT ON COLUMN managed_repos.last_error IS 'One line about the last failure, when the last scan failed.';
COMMENT ON COLUMN managed_repos.last_success_at IS 'When the last successful scan was recorded (epoch millis).';
COMMENT ON COLUMN managed_repos.first_seen_at IS 'When palisade first saw the repository (epoch millis).';
COMMENT ON COLUMN managed_repos.updated_at IS 'When the row last changed (epoch millis).';

CREATE TABLE connector_managed (
    connector_id TEXT PRIMARY KEY REFERENCES connectors (id) ON DELETE CASCADE,
    settings JSONB CHECK (settings IS NULL OR jsonb_typeof(settings) = 'object'),
    webhook_secret BYTEA CHECK (webhook_secret IS NULL OR length(webhook_secret) BETWEEN 1 AND 65536),
    updated_at BIGINT NOT NULL
);
COMMENT ON TABLE connector_managed IS 'Managed-scan settings and the webhook secret of a connector; gone with it.';
COMMENT ON COLUMN connector_managed.connector_id IS 'The connector.';
COMMENT ON COLUMN connector_managed.settings IS 'ScanSettings as a JSON object; NULL until set (defaults apply).';
COMMENT ON COLUMN connector_managed.webhook_secret IS 'Shared secret of the service hooks, as sealed by palisade-vault; NULL when none.';
COMMENT ON COLUMN connector_managed.updated_at IS 'When the row last changed (epoch millis).';

CREATE TABLE scan_logs (
    scan_id TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL CHECK (seq >= 1),
    at BIGINT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('info', 'warn', 'error')),
    message TEXT NOT NULL,
    PRIMARY KEY (scan_id, seq)
);
COMMENT ON TABLE scan_logs IS 'Log lines of scans, in order.';
COMMENT ON COLUMN scan_logs.scan_id IS 'The scan.';
COMMENT ON COLUMN scan_logs.seq IS 'Position of the line in the scan''s log, from 1.';
COMMENT ON COLUMN scan_logs.at IS 'When it was logged (epoch millis).';
COMMENT ON COLUMN scan_logs.level IS 'Level of the line.';
COMMENT ON COLUMN scan_logs.message IS 'The line (never a credential or a secret in clear).';

CREATE TABLE pr_states (
    org_key TEXT NOT NULL CHECK (org_key ~ '^[a-z0-9][a-z0-9-]{0,49}$'),
    repo_id TEXT NOT NULL CHECK (length(repo_id) BETWEEN 1 AND 64 AND repo_id = lower(repo_id)),
    pr BIGINT NOT NULL,
    state JSONB NOT NULL CHECK (jsonb_typeof(state) = 'object'),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (org_key, repo_id, pr)
);
COMMENT ON TABLE pr_states IS 'What palisade posted on a pull request, so updates edit rather than repeat.';
COMMENT ON COLUMN pr_states.org_key IS 'Lowercase organization name.';
COMMENT ON COLUMN pr_states.repo_id IS 'ADO repository id, lowercase.';
COMMENT ON COLUMN pr_states.pr IS 'Pull request id.';
COMMENT ON COLUMN pr_states.state IS 'PrState as a JSON object.';
COMMENT ON COLUMN pr_states.updated_at IS 'When it was last saved (epoch millis).';

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
    at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_at ON webhook_deliveries (at);
COMMENT ON TABLE webhook_deliveries IS 'Webhook deliveries seen recently, so replays are ignored.';
COMMENT ON COLUMN webhook_deliveries.id IS 'Delivery id as the sender gave it.';
COMMENT ON COLUMN webhook_deliveries.at IS 'When it was first received (epoch millis).';

CREATE TABLE hook_subscriptions (
    connector_id TEXT NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    id TEXT NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    org TEXT NOT NULL CHECK (length(org) BETWEEN 1 AND 50),
    event_type TEXT NOT NULL CHECK (length(event_type) BETWEEN 1 AND 200),
    project_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (connector_id, id)
);
COMMENT ON TABLE hook_subscriptions IS 'Service-hook subscriptions palisade created in ADO; gone with the connector.';
COMMENT ON COLUMN hook_subscriptions.connector_id IS 'The connector that created them.';
COMMENT ON COLUMN hook_subscriptions.id IS 'Subscription id (GUID) in ADO.';
COMMENT ON COLUMN hook_subscriptions.org IS 'Organization name.';
COMMENT ON COLUMN hook_subscriptions.event_type IS 'git.pullrequest.created, git.pullrequest.updated, git.push, ...';
COMMENT ON COLUMN hook_subscriptions.project_id IS 'Project id the subscription filters on.';
COMMENT ON COLUMN hook_subscriptions.created_at IS 'When it was created (epoch millis).';
