-- Connectors, their sealed credentials, discovery runs and the inventory.
--
-- Never edit a migration once released: add a new one.
-- Every table and column carries a COMMENT; enum-like columns have CHECKs.
-- Timestamps are BIGINT epoch milliseconds (UTC), as in the SQLite backend.
-- Credentials are stored only as sealed by palisade-vault (AES-256-GCM bound
-- to the connector id), never in clear.

CREATE TABLE connectors (
    id TEXT PRIMARY KEY CHECK (length(id) = 36),
    name TEXT NOT NULL CHECK (name ~ '^[A-Za-z][A-Za-z0-9-]{2,31}$'),
    name_key TEXT NOT NULL UNIQUE CHECK (name_key = lower(name)),
    auth_kind TEXT NOT NULL CHECK (auth_kind IN ('pat', 'oauth', 'service-principal', 'managed-identity')),
    config JSONB NOT NULL CHECK (jsonb_typeof(config) = 'object'),
    credential BYTEA CHECK (credential IS NULL OR length(credential) BETWEEN 1 AND 65536),
    credential_updated_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL CHECK (updated_at >= created_at),
    CHECK ((credential IS NULL) = (credential_updated_at IS NULL))
);
COMMENT ON TABLE connectors IS 'One row per connector: how palisade reaches one Azure DevOps organization.';
COMMENT ON COLUMN connectors.id IS 'UUIDv7 of the connector (the sealed credential is bound to it).';
COMMENT ON COLUMN connectors.name IS 'Name as the user typed it (letters, digits, hyphens; 3-32 characters).';
COMMENT ON COLUMN connectors.name_key IS 'Lowercase name: names are unique ignoring case.';
COMMENT ON COLUMN connectors.auth_kind IS 'Authentication kind of config, for queries and checks.';
COMMENT ON COLUMN connectors.config IS 'The whole ConnectorConfig as a JSON object (no secret in it).';
COMMENT ON COLUMN connectors.credential IS 'The credential as sealed by palisade-vault; NULL when none is needed or given.';
COMMENT ON COLUMN connectors.credential_updated_at IS 'When the credential was last stored (epoch millis); NULL without one.';
COMMENT ON COLUMN connectors.created_at IS 'When the connector was created (epoch millis).';
COMMENT ON COLUMN connectors.updated_at IS 'When its configuration was last saved (epoch millis).';

CREATE TABLE connector_orgs (
    org_key TEXT PRIMARY KEY CHECK (org_key ~ '^[a-z0-9][a-z0-9-]{0,49}$'),
    org_name TEXT NOT NULL CHECK (lower(org_name) = org_key),
    connector_id TEXT NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    source TEXT NOT NULL CHECK (source IN ('config', 'discovery')),
    claimed_at BIGINT NOT NULL
);
CREATE INDEX connector_orgs_connector ON connector_orgs (connector_id);
COMMENT ON TABLE connector_orgs IS 'Organizations claimed by connectors: one connector per organization. The primary key makes two concurrent claims of one organization impossible.';
COMMENT ON COLUMN connector_orgs.org_key IS 'Lowercase organization name (OrgName::key).';
COMMENT ON COLUMN connector_orgs.org_name IS 'Organization name as written.';
COMMENT ON COLUMN connector_orgs.connector_id IS 'The connector that has it.';
COMMENT ON COLUMN connector_orgs.source IS 'config: named by the connector''s configuration; discovery: found by a discovery of all existing and future organizations.';
COMMENT ON COLUMN connector_orgs.claimed_at IS 'When it was claimed (epoch millis).';

CREATE TABLE discovery_runs (
    id TEXT PRIMARY KEY CHECK (length(id) = 36),
    connector_id TEXT NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'partial')),
    started_at BIGINT NOT NULL,
    finished_at BIGINT CHECK (finished_at IS NULL OR finished_at >= started_at),
    counts JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(counts) = 'object'),
    errors JSONB NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(errors) = 'array'),
    requests BIGINT NOT NULL DEFAULT 0 CHECK (requests >= 0),
    throttled BIGINT NOT NULL DEFAULT 0 CHECK (throttled >= 0),
    rate JSONB NOT NULL DEFAULT '{}',
    CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE UNIQUE INDEX discovery_runs_running ON discovery_runs (connector_id) WHERE status = 'running';
CREATE INDEX discovery_runs_connector ON discovery_runs (connector_id, started_at);
COMMENT ON TABLE discovery_runs IS 'One row per discovery of a connector, running until it ends; a run left running by a killed process is resumed by the next discovery. At most one running run per connector (discovery_runs_running).';
COMMENT ON COLUMN discovery_runs.id IS 'UUIDv7 of the run.';
COMMENT ON COLUMN discovery_runs.connector_id IS 'The connector discovered.';
COMMENT ON COLUMN discovery_runs.status IS 'How the run ended (running while it runs).';
COMMENT ON COLUMN discovery_runs.started_at IS 'When the run started (epoch millis).';
COMMENT ON COLUMN discovery_runs.finished_at IS 'When it ended (epoch millis); NULL while running.';
COMMENT ON COLUMN discovery_runs.counts IS 'Resources seen, per kind: JSON object of counts.';
COMMENT ON COLUMN discovery_runs.errors IS 'What went wrong: JSON array of messages.';
COMMENT ON COLUMN discovery_runs.requests IS 'HTTP requests made.';
COMMENT ON COLUMN discovery_runs.throttled IS 'Requests throttled by Azure DevOps rate limits.';
COMMENT ON COLUMN discovery_runs.rate IS 'Rate limit details: free-form JSON.';

CREATE TABLE discovery_listings (
    run_id TEXT NOT NULL REFERENCES discovery_runs (id) ON DELETE CASCADE,
    listing_key TEXT NOT NULL CHECK (length(listing_key) BETWEEN 2 AND 400 AND position('|' IN listing_key) > 0),
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (run_id, listing_key)
);
COMMENT ON TABLE discovery_listings IS 'Listings recorded in a run, so a resumed run skips them.';
COMMENT ON COLUMN discovery_listings.run_id IS 'The run.';
COMMENT ON COLUMN discovery_listings.listing_key IS '{scope key}|{kinds joined by commas}.';
COMMENT ON COLUMN discovery_listings.recorded_at IS 'When it was recorded (epoch millis).';

CREATE TABLE resources (
    connector_id TEXT NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
    key TEXT NOT NULL CHECK (length(key) BETWEEN 3 AND 1000 AND key = lower(key)),
    kind TEXT NOT NULL CHECK (kind IN ('organization', 'project', 'project-settings', 'repository',
        'pipeline', 'branch-policy', 'service-connection', 'variable-group', 'secure-file', 'environment',
        'agent-pool', 'pipeline-permission')),
    scope_key TEXT NOT NULL CHECK (length(scope_key) >= 1 AND scope_key = lower(scope_key)),
    project_id TEXT,
    name TEXT NOT NULL,
    resource JSONB NOT NULL CHECK (jsonb_typeof(resource) = 'object'),
    content_hash TEXT NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL CHECK (last_seen_at >= first_seen_at),
    removed_at BIGINT,
    PRIMARY KEY (connector_id, key)
);
CREATE INDEX resources_scope ON resources (connector_id, scope_key, kind);
CREATE INDEX resources_kind_name ON resources (kind, name COLLATE "C");
COMMENT ON TABLE resources IS 'The inventory: every resource discovery has seen, per connector. Never deleted by discovery: a resource no longer listed gets removed_at.';
COMMENT ON COLUMN resources.connector_id IS 'The connector that discovered it.';
COMMENT ON COLUMN resources.key IS 'Stable key {org id}/{kind}/{id within the org}, lowercase.';
COMMENT ON COLUMN resources.kind IS 'Kind of resource.';
COMMENT ON COLUMN resources.scope_key IS 'Key of the listing scope it was last seen in: {org id} or {org id}/{project id}.';
COMMENT ON COLUMN resources.project_id IS 'Project it belongs to, if any.';
COMMENT ON COLUMN resources.name IS 'Name for people.';
COMMENT ON COLUMN resources.resource IS 'The resource as JSON (no secret values: ADO never returns them).';
COMMENT ON COLUMN resources.content_hash IS 'SHA-256 (hex) of the canonical JSON of the resource: unchanged resources are only touched.';
COMMENT ON COLUMN resources.first_seen_at IS 'When a listing first returned it (epoch millis).';
COMMENT ON COLUMN resources.last_seen_at IS 'When a listing last returned it (epoch millis).';
COMMENT ON COLUMN resources.removed_at IS 'When a complete listing of its scope no longer returned it; NULL while present.';
