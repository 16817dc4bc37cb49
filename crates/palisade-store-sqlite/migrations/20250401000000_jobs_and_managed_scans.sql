-- The job queue and managed scans: per-repository scan state, connector scan
-- settings, scan logs, pull-request comment state, webhook deliveries and
-- service-hook subscriptions.
--
-- Never edit a migration once released: add a new one.
-- Tables are STRICT with CHECKs, as in the earlier migrations. Timestamps are
-- INTEGER epoch milliseconds (UTC). Webhook secrets are stored only as sealed
-- by palisade-vault, never in clear.

-- Where a managed scan came from: the whole ScanContext as a JSON object;
-- NULL for `palisade scan` of a local path.
ALTER TABLE scans ADD COLUMN context TEXT
    CHECK (context IS NULL OR (json_valid(context) AND json_type(context) = 'object'));
-- The job that ran the scan (`context.job`), for `interrupt_job_scans`.
ALTER TABLE scans ADD COLUMN job_id TEXT CHECK (job_id IS NULL OR context IS NOT NULL);
-- The connector the scan ran for (`context.connector`), for `scan_stats`.
ALTER TABLE scans ADD COLUMN connector_id TEXT CHECK ((connector_id IS NULL) = (context IS NULL));

-- `interrupt_job_scans`.
CREATE INDEX scans_job ON scans (job_id) WHERE job_id IS NOT NULL;
-- `repo_scans` (newest first).
CREATE INDEX scans_managed_target ON scans (target, started_at) WHERE context IS NOT NULL;
-- `scan_stats`.
CREATE INDEX scans_connector ON scans (connector_id, finished_at) WHERE connector_id IS NOT NULL;

-- The durable job queue. A job is leased by one worker at a time: `lease_token`
-- is new for every lease, and every later call must present it.
CREATE TABLE jobs (
    -- UUIDv7 of the job.
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    -- What the job does (`full-scan`, `pr-scan`, ...).
    kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    -- Arguments of the handler of `kind`: any JSON value, never a credential.
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    -- While a job with this key is queued or running, no other is enqueued.
    dedup_key TEXT CHECK (dedup_key IS NULL OR length(dedup_key) BETWEEN 1 AND 1000),
    -- Higher runs first.
    priority INTEGER NOT NULL CHECK (priority BETWEEN -2147483648 AND 2147483647),
    -- Where the job stands.
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'dead', 'cancelled')),
    -- Attempts started so far (leases handed out).
    attempts INTEGER NOT NULL CHECK (attempts BETWEEN 0 AND 4294967295),
    -- Attempts before the job goes dead.
    max_attempts INTEGER NOT NULL CHECK (max_attempts BETWEEN 1 AND 4294967295),
    -- Not leased before this time (epoch millis).
    run_after INTEGER NOT NULL,
    -- Worker holding the lease (state `running`), or the last one that did.
    lease_owner TEXT,
    -- Proof of the current lease; NULL unless `running`.
    lease_token TEXT,
    -- When the current lease ends (epoch millis); NULL unless `running`.
    lease_expires_at INTEGER,
    -- One line from the last failed attempt.
    last_error TEXT,
    -- The connector the job acts for. No foreign key: jobs outlive a revoked
    -- connector (cancelled, for inspection).
    connector_id TEXT CHECK (connector_id IS NULL OR length(connector_id) = 36),
    -- When it was enqueued (epoch millis).
    created_at INTEGER NOT NULL,
    -- When it last changed state (epoch millis).
    updated_at INTEGER NOT NULL,
    -- When it succeeded, went dead or was cancelled (epoch millis).
    finished_at INTEGER,
    CHECK ((state = 'running') = (lease_token IS NOT NULL)),
    CHECK ((state = 'running') = (lease_expires_at IS NOT NULL)),
    CHECK ((state IN ('succeeded', 'dead', 'cancelled')) = (finished_at IS NOT NULL))
) STRICT;

-- One active job per dedup key; enqueue relies on it when racing.
CREATE UNIQUE INDEX jobs_dedup ON jobs (dedup_key)
    WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running');
-- `lease_job`: due queued jobs in lease order.
CREATE INDEX jobs_queued ON jobs (priority DESC, run_after, created_at, id) WHERE state = 'queued';
-- `lease_job`: expired leases.
CREATE INDEX jobs_running ON jobs (lease_expires_at) WHERE state = 'running';
-- `cancel_jobs` of a connector, `list_jobs` filters.
CREATE INDEX jobs_connector ON jobs (connector_id, state) WHERE connector_id IS NOT NULL;
-- `list_jobs` (newest first).
CREATE INDEX jobs_created ON jobs (created_at, id);
-- `prune_jobs`.
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

-- Repositories known to managed scans, keyed by organization and ADO
-- repository id, not by connector: revoking a connector archives them (no
-- foreign key, so nothing cascades), and a new connector of the same
-- organization takes them up again.
CREATE TABLE managed_repos (
    -- Lowercase organization name (OrgName::key).
    org_key TEXT NOT NULL
        CHECK (length(org_key) BETWEEN 1 AND 50 AND org_key = lower(org_key) AND org_key NOT GLOB '*[^a-z0-9-]*'),
    -- Organization name as written.
    org_name TEXT NOT NULL CHECK (lower(org_name) = org_key),
    -- ADO repository id (GUID), lowercase.
    repo_id TEXT NOT NULL CHECK (length(repo_id) BETWEEN 1 AND 64 AND repo_id = lower(repo_id)),
    -- The connector currently responsible; NULL once revoked.
    connector_id TEXT CHECK (connector_id IS NULL OR length(connector_id) = 36),
    -- Project name.
    project TEXT NOT NULL,
    -- Project id (GUID).
    project_id TEXT NOT NULL,
    -- Repository name.
    name TEXT NOT NULL,
    -- Git remote (HTTPS) to clone from.
    remote_url TEXT NOT NULL,
    -- Web page of the repository.
    web_url TEXT NOT NULL,
    -- Default branch without `refs/heads/`; NULL for an empty repository.
    default_branch TEXT,
    -- Size ADO reports, bytes.
    size INTEGER NOT NULL CHECK (size >= 0),
    -- Scan target of its findings, fixed when first enabled.
    target TEXT NOT NULL CHECK (length(target) >= 1),
    -- Where the repository stands.
    state TEXT NOT NULL CHECK (state IN ('offered', 'enabled', 'disabled', 'archived')),
    -- Why it was archived; NULL unless archived.
    archive_reason TEXT CHECK (archive_reason IS NULL OR
        (archive_reason IN ('removed', 'disabled-in-ado', 'revoked') AND state = 'archived')),
    -- Full scans on (1) or off (0).
    full_scans INTEGER NOT NULL CHECK (full_scans IN (0, 1)),
    -- Pull-request scans on (1) or off (0).
    pr_scans INTEGER NOT NULL CHECK (pr_scans IN (0, 1)),
    -- Labels, sorted: JSON array of strings.
    labels TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(labels) AND json_type(labels) = 'array'),
    -- Ref tips the last successful full scan read up to: JSON array of commit ids.
    scanned_tips TEXT NOT NULL DEFAULT '[]'
        CHECK (json_valid(scanned_tips) AND json_type(scanned_tips) = 'array'),
    -- Last managed scan of the repository.
    last_scan_id TEXT,
    -- When it was recorded (epoch millis).
    last_scan_at INTEGER,
    -- How it ended.
    last_status TEXT CHECK (last_status IS NULL OR
        last_status IN ('running', 'completed', 'completed-with-errors', 'failed', 'interrupted')),
    -- One line about the last failure, when the last scan failed.
    last_error TEXT,
    -- When the last successful scan was recorded (epoch millis).
    last_success_at INTEGER,
    -- When palisade first saw the repository (epoch millis).
    first_seen_at INTEGER NOT NULL,
    -- When the row last changed (epoch millis).
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (org_key, repo_id)
) STRICT;

-- Filters by connector and state; `scan_stats`.
CREATE INDEX managed_repos_connector ON managed_repos (connector_id, state) WHERE connector_id IS NOT NULL;

-- Managed-scan settings and the webhook secret of a connector; gone with it.
CREATE TABLE connector_managed (
    -- The connector.
    connector_id TEXT PRIMARY KEY NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    -- ScanSettings as a JSON object; NULL until set (defaults apply).
    settings TEXT CHECK (settings IS NULL OR (json_valid(settings) AND json_type(settings) = 'object')),
    -- Shared secret of the service hooks, as sealed by palisade-vault; NULL when none.
    webhook_secret BLOB CHECK (webhook_secret IS NULL OR length(webhook_secret) BETWEEN 1 AND 65536),
    -- When the row last changed (epoch millis).
    updated_at INTEGER NOT NULL
) STRICT;

-- Log lines of scans, in order.
CREATE TABLE scan_logs (
    -- The scan.
    scan_id TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    -- Position of the line in the scan's log, from 1.
    seq INTEGER NOT NULL CHECK (seq >= 1),
    -- When it was logged (epoch millis).
    at INTEGER NOT NULL,
    -- Level of the line.
    level TEXT NOT NULL CHECK (level IN ('info', 'warn', 'error')),
    -- The line (never a credential or a secret in clear).
    message TEXT NOT NULL,
    PRIMARY KEY (scan_id, seq)
) STRICT;

-- What palisade posted on a pull request, so updates edit rather than repeat.
CREATE TABLE pr_states (
    -- Lowercase organization name.
    org_key TEXT NOT NULL CHECK (length(org_key) BETWEEN 1 AND 50 AND org_key = lower(org_key)),
    -- ADO repository id, lowercase.
    repo_id TEXT NOT NULL CHECK (length(repo_id) BETWEEN 1 AND 64 AND repo_id = lower(repo_id)),
    -- Pull request id.
    pr INTEGER NOT NULL,
    -- PrState as a JSON object.
    state TEXT NOT NULL CHECK (json_valid(state) AND json_type(state) = 'object'),
    -- When it was last saved (epoch millis).
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (org_key, repo_id, pr)
) STRICT;

-- Webhook deliveries seen recently, so replays are ignored.
CREATE TABLE webhook_deliveries (
    -- Delivery id as the sender gave it.
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 200),
    -- When it was first received (epoch millis).
    at INTEGER NOT NULL
) STRICT;

-- Pruning old deliveries.
CREATE INDEX webhook_deliveries_at ON webhook_deliveries (at);

-- Service-hook subscriptions palisade created in ADO; gone with the connector.
CREATE TABLE hook_subscriptions (
    -- The connector that created them.
    connector_id TEXT NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    -- Subscription id (GUID) in ADO.
    id TEXT NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    -- Organization name.
    org TEXT NOT NULL CHECK (length(org) BETWEEN 1 AND 50),
    -- `git.pullrequest.created`, `git.pullrequest.updated`, `git.push`, ...
    event_type TEXT NOT NULL CHECK (length(event_type) BETWEEN 1 AND 200),
    -- Project id the subscription filters on.
    project_id TEXT NOT NULL,
    -- When it was created (epoch millis).
    created_at INTEGER NOT NULL,
    PRIMARY KEY (connector_id, id)
) STRICT;
