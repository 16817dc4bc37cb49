-- What a finding is about: secrets, vulnerable dependencies, IaC
-- misconfigurations and code flaws share one table, one triage.
ALTER TABLE findings ADD COLUMN kind TEXT NOT NULL DEFAULT 'secret'
    CHECK (kind IN ('secret', 'dependency', 'iac', 'code'));
-- What the rule found, for kinds other than secrets (JSON: package, version,
-- advisory, fixed version; or message, subject, CWE). NULL for secrets.
ALTER TABLE findings ADD COLUMN details TEXT CHECK (details IS NULL OR json_valid(details));
CREATE INDEX findings_by_kind ON findings (kind, severity_rank DESC);

-- OSV advisories imported by `palisade advisories import`.
CREATE TABLE advisories (
    -- OSV id, e.g. GHSA-jf85-cpcp-j695.
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 200),
    -- The record's `modified` (ms since the epoch): an import replaces a
    -- record only with a newer one.
    modified INTEGER NOT NULL,
    -- The OSV JSON as imported.
    record TEXT NOT NULL CHECK (json_valid(record)),
    -- When this version of the record was imported (ms since the epoch).
    imported_at INTEGER NOT NULL
) STRICT;

-- The packages each advisory names, so a scan reads only the records of the
-- packages it found.
CREATE TABLE advisory_packages (
    -- OSV ecosystem, e.g. npm, PyPI, Maven.
    ecosystem TEXT NOT NULL,
    -- Package name, normalized as the ecosystem compares names.
    name TEXT NOT NULL,
    advisory_id TEXT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    PRIMARY KEY (ecosystem, name, advisory_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX advisory_packages_by_advisory ON advisory_packages (advisory_id);
