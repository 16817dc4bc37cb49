ALTER TABLE findings ADD COLUMN kind TEXT NOT NULL DEFAULT 'secret'
    CHECK (kind IN ('secret', 'dependency', 'iac', 'code'));
COMMENT ON COLUMN findings.kind IS 'What the finding is about: secret, dependency, iac or code; all share one triage.';
ALTER TABLE findings ADD COLUMN details JSONB;
COMMENT ON COLUMN findings.details IS 'What the rule found for kinds other than secrets (package, version, advisory, fixed version; or message, subject, CWE). NULL for secrets.';
CREATE INDEX findings_by_kind ON findings (kind, severity_rank DESC);

CREATE TABLE advisories (
    id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
    modified BIGINT NOT NULL,
    record TEXT NOT NULL,
    imported_at BIGINT NOT NULL
);
COMMENT ON TABLE advisories IS 'OSV advisories imported by palisade advisories import.';
COMMENT ON COLUMN advisories.id IS 'OSV id, e.g. GHSA-jf85-cpcp-j695.';
COMMENT ON COLUMN advisories.modified IS 'The record''s modified time (ms since the epoch): an import replaces a record only with a newer one.';
COMMENT ON COLUMN advisories.record IS 'The OSV JSON as imported.';
COMMENT ON COLUMN advisories.imported_at IS 'When this version of the record was imported (ms since the epoch).';

CREATE TABLE advisory_packages (
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    advisory_id TEXT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    PRIMARY KEY (ecosystem, name, advisory_id)
);
CREATE INDEX advisory_packages_by_advisory ON advisory_packages (advisory_id);
COMMENT ON TABLE advisory_packages IS 'The packages each advisory names (ecosystem, normalized name), so a scan reads only the records of the packages it found.';
