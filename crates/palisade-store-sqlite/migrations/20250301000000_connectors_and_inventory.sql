-- Connectors, their sealed credentials, discovery runs and the inventory.
--
-- Never edit a migration once released: add a new one.
-- Tables are STRICT with CHECKs, as in the initial migration. Timestamps are
-- INTEGER epoch milliseconds (UTC). Credentials are stored only as sealed by
-- palisade-vault (AES-256-GCM bound to the connector id), never in clear.

-- One row per connector: how palisade reaches one Azure DevOps organization.
CREATE TABLE connectors (
    -- UUIDv7 of the connector (the sealed credential is bound to it).
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    -- Name as the user typed it (letters, digits, hyphens; 3-32 characters).
    name TEXT NOT NULL CHECK (length(name) BETWEEN 3 AND 32 AND name NOT GLOB '*[^A-Za-z0-9-]*'),
    -- Lowercase name: names are unique ignoring case.
    name_key TEXT NOT NULL UNIQUE CHECK (name_key = lower(name)),
    -- Authentication kind of `config`, for queries and checks.
    auth_kind TEXT NOT NULL CHECK (auth_kind IN ('pat', 'oauth', 'service-principal', 'managed-identity')),
    -- The whole ConnectorConfig as a JSON object (no secret in it).
    config TEXT NOT NULL CHECK (json_valid(config) AND json_type(config) = 'object'),
    -- The credential as sealed by palisade-vault; NULL when none is needed or given.
    credential BLOB CHECK (credential IS NULL OR length(credential) BETWEEN 1 AND 65536),
    -- When the credential was last stored (epoch millis); NULL without one.
    credential_updated_at INTEGER,
    -- When the connector was created (epoch millis).
    created_at INTEGER NOT NULL,
    -- When its configuration was last saved (epoch millis).
    updated_at INTEGER NOT NULL CHECK (updated_at >= created_at),
    CHECK ((credential IS NULL) = (credential_updated_at IS NULL))
) STRICT;

-- Organizations claimed by connectors: one connector per organization. The
-- primary key makes two concurrent claims of one organization impossible.
CREATE TABLE connector_orgs (
    -- Lowercase organization name (OrgName::key).
    org_key TEXT PRIMARY KEY NOT NULL
        CHECK (length(org_key) BETWEEN 1 AND 50 AND org_key = lower(org_key) AND org_key NOT GLOB '*[^a-z0-9-]*'),
    -- Organization name as written.
    org_name TEXT NOT NULL CHECK (lower(org_name) = org_key),
    -- The connector that has it.
    connector_id TEXT NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    -- `config`: named by the connector's configuration; `discovery`: found
    -- by a discovery of all existing and future organizations.
    source TEXT NOT NULL CHECK (source IN ('config', 'discovery')),
    -- When it was claimed (epoch millis).
    claimed_at INTEGER NOT NULL
) STRICT;

CREATE INDEX connector_orgs_connector ON connector_orgs (connector_id);

-- One row per discovery of a connector, `running` until it ends; a run left
-- `running` by a killed process is resumed by the next discovery.
CREATE TABLE discovery_runs (
    -- UUIDv7 of the run.
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 36),
    -- The connector discovered.
    connector_id TEXT NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    -- How the run ended (`running` while it runs).
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'partial')),
    -- When the run started (epoch millis).
    started_at INTEGER NOT NULL,
    -- When it ended (epoch millis); NULL while running.
    finished_at INTEGER CHECK (finished_at IS NULL OR finished_at >= started_at),
    -- Resources seen, per kind: JSON object of counts.
    counts TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(counts) AND json_type(counts) = 'object'),
    -- What went wrong: JSON array of messages.
    errors TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(errors) AND json_type(errors) = 'array'),
    -- HTTP requests made.
    requests INTEGER NOT NULL DEFAULT 0 CHECK (requests >= 0),
    -- Requests throttled by Azure DevOps rate limits.
    throttled INTEGER NOT NULL DEFAULT 0 CHECK (throttled >= 0),
    -- Rate limit details: free-form JSON.
    rate TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(rate)),
    CHECK ((status = 'running') = (finished_at IS NULL))
) STRICT;

-- At most one running run per connector.
CREATE UNIQUE INDEX discovery_runs_running ON discovery_runs (connector_id) WHERE status = 'running';
-- `list_discovery_runs` (newest first).
CREATE INDEX discovery_runs_connector ON discovery_runs (connector_id, started_at);

-- Listings recorded in a run, so a resumed run skips them.
CREATE TABLE discovery_listings (
    -- The run.
    run_id TEXT NOT NULL REFERENCES discovery_runs (id) ON DELETE CASCADE,
    -- `{scope key}|{kinds joined by ','}`.
    listing_key TEXT NOT NULL CHECK (length(listing_key) BETWEEN 2 AND 400 AND instr(listing_key, '|') > 0),
    -- When it was recorded (epoch millis).
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, listing_key)
) STRICT;

-- The inventory: every resource discovery has seen, per connector. Never
-- deleted by discovery: a resource no longer listed gets `removed_at`.
CREATE TABLE resources (
    -- The connector that discovered it.
    connector_id TEXT NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    -- Stable key `{org id}/{kind}/{id within the org}`, lowercase.
    key TEXT NOT NULL CHECK (length(key) BETWEEN 3 AND 1000 AND key = lower(key)),
    -- Kind of resource.
    kind TEXT NOT NULL CHECK (kind IN ('organization', 'project', 'project-settings', 'repository',
        'pipeline', 'branch-policy', 'service-connection', 'variable-group', 'secure-file', 'environment',
        'agent-pool', 'pipeline-permission')),
    -- Key of the listing scope it was last seen in: `{org id}` or `{org id}/{project id}`.
    scope_key TEXT NOT NULL CHECK (length(scope_key) >= 1 AND scope_key = lower(scope_key)),
    -- Project it belongs to, if any.
    project_id TEXT,
    -- Name for people.
    name TEXT NOT NULL,
    -- The resource as canonical JSON (no secret values: ADO never returns them).
    resource TEXT NOT NULL CHECK (json_valid(resource) AND json_type(resource) = 'object'),
    -- SHA-256 (hex) of `resource`: unchanged resources are only touched.
    content_hash TEXT NOT NULL CHECK (length(content_hash) = 64 AND content_hash NOT GLOB '*[^0-9a-f]*'),
    -- When a listing first returned it (epoch millis).
    first_seen_at INTEGER NOT NULL,
    -- When a listing last returned it (epoch millis).
    last_seen_at INTEGER NOT NULL CHECK (last_seen_at >= first_seen_at),
    -- When a complete listing of its scope no longer returned it; NULL while present.
    removed_at INTEGER,
    PRIMARY KEY (connector_id, key)
) STRICT;

-- Reading a listing's previous state, and marking removals.
CREATE INDEX resources_scope ON resources (connector_id, scope_key, kind);
-- `list_resources` order and kind filters.
CREATE INDEX resources_kind_name ON resources (kind, name);
