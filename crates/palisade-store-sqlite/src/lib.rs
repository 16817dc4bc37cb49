//! The `SQLite` backend of the palisade store: the embedded default.
//!
//! [`SqliteStore::open`] creates the database file (and its folder) when
//! missing, turns on WAL and foreign keys, sets a busy timeout and runs the
//! migrations of this crate (`migrations/`, never edited once released).
//!
//! Writers take the write lock up front (`BEGIN IMMEDIATE`), so concurrent
//! [`Store::record_scan`] calls from several tasks or processes queue on the
//! busy timeout instead of failing on a lock upgrade.
//!
//! All sighting times (`first_seen_at`, `last_seen_at`, `gone_at`) are the
//! `started_at` of the scan that made them: what a scan sees is the target as
//! it was when the scan started. Triage changes made by a scan (`fixed`,
//! reopened) are dated `finished_at` (or `started_at` when absent): when the
//! scan result was known.

mod access;
mod advisories;
mod inventory;
mod jobs;
mod managed;
mod overview;
mod posture;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use palisade_domain::{
    BlobId, CommitInfo, Confidence, ConnectorConfig, Finding, FindingId, FindingKind, Location, OrgName,
    Resource, ResourceKind, RuleId, ScanContext, ScanError, ScanStatus, ScanSummary, Scope, SecretHash,
    Severity, TargetKind, Timestamp, TriageState,
};
use palisade_store::rows::StoredRow;
use palisade_store::{
    ConnectorId, ConnectorRecord, DiscoveryOutcome, DiscoveryRun, DiscoveryRunId, DiscoveryRunSummary,
    FindingFilter, ListingOutcome, RECOUNT_DELETE_SQL, RECOUNT_INSERT_SQL, RecordOutcome, ResourceFilter,
    Result, Store, StoreError, StoredFinding, StoredLocation, StoredResource, Triage, contains_pattern,
    finding_order_sql, triage_batch,
};
use serde::de::DeserializeOwned;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, QueryBuilder, Row, Sqlite, SqliteConnection};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How long a writer waits for another writer before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Key of the master key check value in `meta`.
const KEY_CHECK: &str = "key_check";

/// A palisade store in one `SQLite` file.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url_or_path`: either a
    /// `sqlite:` URL or a plain file path. The parent folder is created too.
    pub async fn open(url_or_path: &str) -> Result<Self> {
        let options = if url_or_path.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url_or_path)
                .map_err(|e| StoreError::Unavailable(format!("invalid SQLite URL: {}", one_line(&e))))?
        } else {
            SqliteConnectOptions::new().filename(url_or_path)
        };
        let path = options.get_filename().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Unavailable(format!("cannot create folder {}: {e}", parent.display()))
            })?;
        }
        // The file holds sealed credentials and the inventory: owner-only.
        // SQLite gives its -wal and -shm files the same mode.
        if !path.as_os_str().is_empty() && path.to_str() != Some(":memory:") && !path.exists() {
            use std::os::unix::fs::OpenOptionsExt;
            match std::fs::OpenOptions::new()
                .create_new(true)
                .write(true)
                .mode(0o600)
                .open(&path)
            {
                // Another process created it first: fine.
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    return Err(StoreError::Unavailable(format!(
                        "cannot create {}: {e}",
                        path.display()
                    )));
                }
            }
        }
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL loses no committed transaction when the
            // process is killed (only on power loss, and jobs then re-run),
            // and spares an fsync per commit.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(BUSY_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| unavailable(&path, &e))?;
        tracing::debug!(path = %path.display(), "opened SQLite database");
        Self::migrate(pool).await
    }

    /// A private database in memory, gone when the store is dropped: for
    /// unit tests.
    pub async fn open_in_memory() -> Result<Self> {
        let options = SqliteConnectOptions::new().in_memory(true).foreign_keys(true);
        // One connection that never expires: the database lives as long as it.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(|e| unavailable(Path::new(":memory:"), &e))?;
        Self::migrate(pool).await
    }

    async fn migrate(pool: SqlitePool) -> Result<Self> {
        MIGRATOR.run(&pool).await.map_err(migrate_err)?;
        tracing::debug!("SQLite store ready");
        Ok(Self { pool })
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn one_line(e: &dyn std::fmt::Display) -> String {
    e.to_string().lines().next().unwrap_or_default().to_owned()
}

fn unavailable(path: &Path, e: &sqlx::Error) -> StoreError {
    StoreError::Unavailable(format!(
        "cannot open SQLite database {}: {}",
        path.display(),
        one_line(e)
    ))
}

fn migrate_err(e: sqlx::migrate::MigrateError) -> StoreError {
    match e {
        sqlx::migrate::MigrateError::VersionMissing(v) => {
            StoreError::SchemaTooNew(format!("migration {v} applied by a newer palisade"))
        }
        e => StoreError::Other(format!("migrating the SQLite database: {}", one_line(&e))),
    }
}

fn db_err(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
            StoreError::Unavailable(one_line(&e))
        }
        e => StoreError::Other(one_line(&e)),
    }
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("unreadable {what} in the SQLite database: {detail}"))
}

fn to_i64(what: &str, v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| StoreError::Other(format!("{what} {v} is too large to store")))
}

fn get<'r, T>(row: &'r SqliteRow, col: &str) -> Result<T>
where
    T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
{
    row.try_get(col).map_err(|e| corrupt(col, one_line(&e)))
}

fn get_u64(row: &SqliteRow, col: &str) -> Result<u64> {
    let v: i64 = get(row, col)?;
    u64::try_from(v).map_err(|_| corrupt(col, v))
}

fn get_u32(row: &SqliteRow, col: &str) -> Result<u32> {
    let v: i64 = get(row, col)?;
    u32::try_from(v).map_err(|_| corrupt(col, v))
}

fn get_ts(row: &SqliteRow, col: &str) -> Result<Timestamp> {
    get::<i64>(row, col).map(Timestamp::from_millis)
}

fn get_opt_ts(row: &SqliteRow, col: &str) -> Result<Option<Timestamp>> {
    get::<Option<i64>>(row, col).map(|v| v.map(Timestamp::from_millis))
}

/// A row as [`palisade_store::rows`] reads it.
struct Columns<'r>(&'r SqliteRow);

impl StoredRow for Columns<'_> {
    fn text(&self, col: &str) -> Result<String> {
        get(self.0, col)
    }

    fn opt_text(&self, col: &str) -> Result<Option<String>> {
        get(self.0, col)
    }

    fn int(&self, col: &str) -> Result<i64> {
        get(self.0, col)
    }

    fn opt_int(&self, col: &str) -> Result<Option<i64>> {
        get(self.0, col)
    }

    fn int32(&self, col: &str) -> Result<i32> {
        let v: i64 = get(self.0, col)?;
        i32::try_from(v).map_err(|_| corrupt(col, v))
    }

    fn flag(&self, col: &str) -> Result<bool> {
        get(self.0, col)
    }

    fn json<T: DeserializeOwned>(&self, col: &str) -> Result<T> {
        let json: String = get(self.0, col)?;
        serde_json::from_str(&json).map_err(|e| corrupt(col, e))
    }

    fn opt_json<T: DeserializeOwned>(&self, col: &str) -> Result<Option<T>> {
        let json: Option<String> = get(self.0, col)?;
        json.map(|json| serde_json::from_str(&json).map_err(|e| corrupt(col, e)))
            .transpose()
    }

    fn corrupt(&self, what: &str, detail: &dyn std::fmt::Display) -> StoreError {
        corrupt(what, detail)
    }
}

/// Appends ` AND {column} IN (...)` with one bind per value (there must be one).
fn push_in<'t, T>(q: &mut QueryBuilder<Sqlite>, column: &str, values: impl IntoIterator<Item = T>)
where
    T: sqlx::Encode<'t, Sqlite> + sqlx::Type<Sqlite>,
{
    q.push(format_args!(" AND {column} IN ("));
    let mut list = q.separated(", ");
    for v in values {
        list.push_bind(v);
    }
    q.push(")");
}

/// Appends a condition keeping `column` (a scan target) to the managed
/// repositories of `connectors`: nothing for `None`, no row for an empty set.
fn push_scope(q: &mut QueryBuilder<Sqlite>, column: &str, connectors: Option<&BTreeSet<ConnectorId>>) {
    match connectors {
        None => {}
        Some(c) if c.is_empty() => {
            q.push(" AND 1 = 0");
        }
        Some(c) => {
            q.push(format_args!(
                " AND {column} IN (SELECT target FROM managed_repos WHERE 1 = 1"
            ));
            push_in(q, "connector_id", c.iter().map(|c| c.as_str().to_owned()));
            q.push(")");
        }
    }
}

/// Appends `{column} LIKE pattern`: true when the column contains `search`,
/// ignoring ASCII case as `SQLite`'s `LIKE` does (wildcards escaped).
fn push_contains(q: &mut QueryBuilder<Sqlite>, column: &str, search: &str) {
    q.push(format_args!("{column} LIKE "))
        .push_bind(contains_pattern(search))
        .push(" ESCAPE '\\'");
}

/// A list as one JSON array, for `json_each`.
fn json_list<T: serde::Serialize>(values: &T) -> Result<String> {
    serde_json::to_string(values).map_err(|e| StoreError::Other(e.to_string()))
}

/// Rewrites `target_finding_counts` of `targets` from their present
/// locations; in the transaction of the change that moved them.
async fn recount_targets(conn: &mut SqliteConnection, targets: &BTreeSet<String>) -> Result<()> {
    if targets.is_empty() {
        return Ok(());
    }
    let targets = json_list(targets)?;
    let set = "SELECT value FROM json_each($1)";
    for sql in [RECOUNT_DELETE_SQL, RECOUNT_INSERT_SQL] {
        sqlx::query(AssertSqlSafe(sql.replace("{targets}", set)))
            .bind(&targets)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

/// The targets where findings `ids` (hex) have a present location: those
/// whose counts a change of the findings' state or severity moves.
async fn present_targets(conn: &mut SqliteConnection, ids: &[String]) -> Result<BTreeSet<String>> {
    if ids.is_empty() {
        return Ok(BTreeSet::new());
    }
    let rows = sqlx::query(
        "SELECT DISTINCT target FROM locations \
         WHERE finding_id IN (SELECT value FROM json_each($1)) AND gone_at IS NULL",
    )
    .bind(json_list(&ids)?)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    rows.iter().map(|row| get(row, "target")).collect()
}

/// Appends the conditions of `filter` on `findings f`.
fn push_finding_filter(q: &mut QueryBuilder<Sqlite>, filter: &FindingFilter) {
    if !filter.ids.is_empty() {
        push_in(q, "f.id", filter.ids.iter().map(FindingId::to_hex));
    }
    if !filter.states.is_empty() {
        push_in(q, "f.state", filter.states.iter().map(|s| s.as_str()));
    }
    if !filter.kinds.is_empty() {
        push_in(q, "f.kind", filter.kinds.iter().map(|k| k.as_str()));
    }
    if let Some(min) = filter.min_severity {
        q.push(" AND f.severity_rank >= ").push_bind(severity_rank(min));
    }
    if !filter.severities.is_empty() {
        push_in(q, "f.severity", filter.severities.iter().map(|s| s.as_str()));
    }
    if let Some(rule) = &filter.rule_id {
        q.push(" AND f.rule_id = ").push_bind(rule.as_str().to_owned());
    }
    if let Some(target) = &filter.target {
        q.push(" AND EXISTS (SELECT 1 FROM locations l WHERE l.finding_id = f.id AND l.target = ")
            .push_bind(target.clone())
            .push(")");
    }
    // `+l.target`: look locations up by finding and test their target
    // against the scope, never the other way round (a finding times
    // thousands of targets).
    let scope = filter.connectors.as_ref();
    if scope.is_some() {
        q.push(" AND EXISTS (SELECT 1 FROM locations l WHERE l.finding_id = f.id");
        push_scope(q, "+l.target", scope);
        q.push(")");
    }
    if let Some(search) = &filter.search {
        q.push(" AND (");
        push_contains(q, "f.rule_id", search);
        q.push(" OR ");
        push_contains(q, "f.rule_name", search);
        q.push(" OR EXISTS (SELECT 1 FROM locations l WHERE l.finding_id = f.id AND ");
        push_contains(q, "l.path", search);
        push_scope(q, "+l.target", scope);
        q.push("))");
    }
}

/// The current time, for writes whose trait method takes none.
fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    Timestamp::from_millis(ms)
}

fn severity_rank(s: Severity) -> i64 {
    match s {
        Severity::Info => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

macro_rules! scan_cols {
    () => {
        "id, target, kind, commit_id, status, started_at, finished_at, duration_ms, files, bytes, blobs, \
         skipped_binary, skipped_too_large, rules_version, rules_count, findings, suppressed, errors, context, \
         job_id, connector_id"
    };
}

/// The columns [`scan_from_row`] reads, for the other modules.
const SCAN_COLS: &str = scan_cols!();

macro_rules! finding_cols {
    () => {
        "id, kind, rule_id, rule_name, severity, confidence, preview, secret_hash, details, state, \
         state_comment, state_updated_at, first_seen_at, last_seen_at, first_seen_scan, last_seen_scan"
    };
}

macro_rules! location_cols {
    () => {
        "finding_id, target, path, line, \"column\", blob_id, commit_id, commit_author_name, \
         commit_author_email, commit_date, first_seen_at, last_seen_at, gone_at"
    };
}

fn scan_from_row(row: &SqliteRow) -> Result<ScanSummary> {
    let kind: String = get(row, "kind")?;
    let status: String = get(row, "status")?;
    let errors: String = get(row, "errors")?;
    let context: Option<String> = get(row, "context")?;
    Ok(ScanSummary {
        id: get(row, "id")?,
        target: get(row, "target")?,
        kind: TargetKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        commit: get(row, "commit_id")?,
        status: ScanStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        started_at: get_ts(row, "started_at")?,
        finished_at: get_opt_ts(row, "finished_at")?,
        duration_ms: get_u64(row, "duration_ms")?,
        files: get_u64(row, "files")?,
        bytes: get_u64(row, "bytes")?,
        blobs: get_u64(row, "blobs")?,
        skipped_binary: get_u64(row, "skipped_binary")?,
        skipped_too_large: get_u64(row, "skipped_too_large")?,
        rules_version: get(row, "rules_version")?,
        rules_count: get_u32(row, "rules_count")?,
        findings: get_u64(row, "findings")?,
        suppressed: get_u64(row, "suppressed")?,
        errors: serde_json::from_str::<Vec<ScanError>>(&errors).map_err(|e| corrupt("errors", e))?,
        context: context
            .map(|c| serde_json::from_str::<ScanContext>(&c))
            .transpose()
            .map_err(|e| corrupt("scan context", e))?,
    })
}

fn finding_from_row(row: &SqliteRow) -> Result<StoredFinding> {
    let id: String = get(row, "id")?;
    let rule_id: String = get(row, "rule_id")?;
    let severity: String = get(row, "severity")?;
    let confidence: String = get(row, "confidence")?;
    let secret_hash: String = get(row, "secret_hash")?;
    let state: String = get(row, "state")?;
    let kind: String = get(row, "kind")?;
    let details: Option<String> = get(row, "details")?;
    Ok(StoredFinding {
        id: FindingId::from_hex(&id).map_err(|e| corrupt("finding id", e))?,
        kind: kind.parse().map_err(|e| corrupt("kind", e))?,
        details: details
            .map(|d| serde_json::from_str(&d))
            .transpose()
            .map_err(|e| corrupt("finding details", e))?,
        rule_id: RuleId::parse(&rule_id).map_err(|e| corrupt("rule id", e))?,
        rule_name: get(row, "rule_name")?,
        severity: severity.parse().map_err(|e| corrupt("severity", e))?,
        confidence: confidence
            .parse::<Confidence>()
            .map_err(|e| corrupt("confidence", e))?,
        preview: get(row, "preview")?,
        secret_hash: SecretHash::parse(&secret_hash).ok_or_else(|| corrupt("secret hash", &secret_hash))?,
        state: state.parse().map_err(|e| corrupt("state", e))?,
        state_comment: get(row, "state_comment")?,
        state_updated_at: get_opt_ts(row, "state_updated_at")?,
        first_seen_at: get_ts(row, "first_seen_at")?,
        last_seen_at: get_ts(row, "last_seen_at")?,
        first_seen_scan: get(row, "first_seen_scan")?,
        last_seen_scan: get(row, "last_seen_scan")?,
        locations: Vec::new(),
    })
}

fn location_from_row(row: &SqliteRow) -> Result<(String, StoredLocation)> {
    let blob_id: String = get(row, "blob_id")?;
    let commit_id: String = get(row, "commit_id")?;
    let commit = if commit_id.is_empty() {
        None
    } else {
        Some(CommitInfo {
            id: commit_id,
            author_name: get::<Option<String>>(row, "commit_author_name")?.unwrap_or_default(),
            author_email: get::<Option<String>>(row, "commit_author_email")?.unwrap_or_default(),
            date: Timestamp::from_millis(get::<Option<i64>>(row, "commit_date")?.unwrap_or_default()),
        })
    };
    let location = StoredLocation {
        target: get(row, "target")?,
        location: Location {
            path: get(row, "path")?,
            line: get_u32(row, "line")?,
            column: get_u32(row, "column")?,
            blob_id: BlobId::from_hex(&blob_id).map_err(|e| corrupt("blob id", e))?,
            commit,
        },
        first_seen_at: get_ts(row, "first_seen_at")?,
        last_seen_at: get_ts(row, "last_seen_at")?,
        gone_at: get_opt_ts(row, "gone_at")?,
    };
    Ok((get(row, "finding_id")?, location))
}

/// Fills in the locations of `findings` with one query: only those in
/// managed repositories of `scope` when there is one.
async fn attach_locations(
    conn: &mut SqliteConnection,
    findings: &mut [StoredFinding],
    scope: Option<&BTreeSet<ConnectorId>>,
) -> Result<()> {
    if findings.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = findings.iter().map(|f| f.id.to_hex()).collect();
    let mut q = QueryBuilder::<Sqlite>::new(concat!(
        "SELECT ",
        location_cols!(),
        " FROM locations WHERE finding_id IN (SELECT value FROM json_each("
    ));
    q.push_bind(json_list(&ids)?).push("))");
    push_scope(&mut q, "+target", scope);
    q.push(" ORDER BY last_seen_at DESC, target, path, line, \"column\", blob_id, commit_id");
    let rows = q.build().fetch_all(&mut *conn).await.map_err(db_err)?;
    let mut by_id: BTreeMap<String, Vec<StoredLocation>> = BTreeMap::new();
    for row in &rows {
        let (id, location) = location_from_row(row)?;
        by_id.entry(id).or_default().push(location);
    }
    for f in findings {
        f.locations = by_id.remove(&f.id.to_hex()).unwrap_or_default();
    }
    Ok(())
}

async fn fetch_finding(conn: &mut SqliteConnection, id: FindingId) -> Result<StoredFinding> {
    let row = sqlx::query(concat!(
        "SELECT ",
        finding_cols!(),
        " FROM findings WHERE id = $1"
    ))
    .bind(id.to_hex())
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?
    .ok_or_else(|| StoreError::NotFound(format!("finding {id}")))?;
    let mut found = [finding_from_row(&row)?];
    attach_locations(conn, &mut found, None).await?;
    let [finding] = found;
    Ok(finding)
}

/// Inserts or replaces the scan row with every field of `scan`.
async fn upsert_scan(conn: &mut SqliteConnection, scan: &ScanSummary, status: ScanStatus) -> Result<()> {
    let errors = serde_json::to_string(&scan.errors).map_err(|e| StoreError::Other(e.to_string()))?;
    let context = scan
        .context
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::Other(format!("cannot encode the scan context: {e}")))?;
    sqlx::query(concat!(
        "INSERT INTO scans (",
        scan_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, \
         $20, $21) \
         ON CONFLICT (id) DO UPDATE SET target = excluded.target, kind = excluded.kind, \
         commit_id = excluded.commit_id, status = excluded.status, started_at = excluded.started_at, \
         finished_at = excluded.finished_at, duration_ms = excluded.duration_ms, files = excluded.files, \
         bytes = excluded.bytes, blobs = excluded.blobs, skipped_binary = excluded.skipped_binary, \
         skipped_too_large = excluded.skipped_too_large, rules_version = excluded.rules_version, \
         rules_count = excluded.rules_count, findings = excluded.findings, \
         suppressed = excluded.suppressed, errors = excluded.errors, context = excluded.context, \
         job_id = excluded.job_id, connector_id = excluded.connector_id"
    ))
    .bind(&scan.id)
    .bind(&scan.target)
    .bind(scan.kind.as_str())
    .bind(scan.commit.as_deref())
    .bind(status.as_str())
    .bind(scan.started_at.millis())
    .bind(scan.finished_at.map(Timestamp::millis))
    .bind(to_i64("duration_ms", scan.duration_ms)?)
    .bind(to_i64("files", scan.files)?)
    .bind(to_i64("bytes", scan.bytes)?)
    .bind(to_i64("blobs", scan.blobs)?)
    .bind(to_i64("skipped_binary", scan.skipped_binary)?)
    .bind(to_i64("skipped_too_large", scan.skipped_too_large)?)
    .bind(&scan.rules_version)
    .bind(i64::from(scan.rules_count))
    .bind(to_i64("findings", scan.findings)?)
    .bind(to_i64("suppressed", scan.suppressed)?)
    .bind(errors)
    .bind(context)
    .bind(scan.context.as_ref().and_then(|c| c.job.as_deref()))
    .bind(scan.context.as_ref().map(|c| c.connector.as_str()))
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

async fn add_event(
    conn: &mut SqliteConnection,
    id: &str,
    state: TriageState,
    comment: Option<&str>,
    at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO triage_events (finding_id, state, comment, at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(state.as_str())
        .bind(comment)
        .bind(at)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Records one finding of a scan (its row and its locations) and returns
/// whether it is new, its state afterwards, and whether its state or
/// severity changed (which moves the counts of its other targets too).
async fn record_finding(
    conn: &mut SqliteConnection,
    scan: &ScanSummary,
    finding: &Finding,
    locations: &[&Location],
) -> Result<(bool, TriageState, bool)> {
    let id = finding.id.to_hex();
    let seen_at = scan.started_at.millis();
    let event_at = scan.finished_at.unwrap_or(scan.started_at).millis();
    let details = finding_details_json(finding)?;
    let inserted = sqlx::query(
        "INSERT INTO findings (id, rule_id, rule_name, severity, severity_rank, confidence, preview, \
         secret_hash, state, first_seen_at, last_seen_at, first_seen_scan, last_seen_scan, kind, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $9, $10, $10, $11, $12) \
         ON CONFLICT (id) DO NOTHING RETURNING id",
    )
    .bind(&id)
    .bind(finding.rule_id.as_str())
    .bind(&finding.rule_name)
    .bind(finding.severity.as_str())
    .bind(severity_rank(finding.severity))
    .bind(finding.confidence.as_str())
    .bind(&finding.preview)
    .bind(finding.secret_hash.to_string())
    .bind(seen_at)
    .bind(&scan.id)
    .bind(finding.kind.as_str())
    .bind(&details)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    let is_new = inserted.is_some();
    let mut state = TriageState::Open;
    let mut moved = false;
    if !is_new {
        let before = sqlx::query("SELECT severity FROM findings WHERE id = $1")
            .bind(&id)
            .fetch_one(&mut *conn)
            .await
            .map_err(db_err)?;
        moved = get::<String>(&before, "severity")? != finding.severity.as_str();
        // The rule's metadata follows the latest recorded scan; sightings
        // only ever widen, so recording an older scan late loses nothing.
        let row = sqlx::query(
            "UPDATE findings SET rule_name = $2, severity = $3, severity_rank = $4, confidence = $5, \
             preview = $6, details = coalesce($9, details), \
             first_seen_scan = CASE WHEN $7 < first_seen_at THEN $8 ELSE first_seen_scan END, \
             first_seen_at = min(first_seen_at, $7), \
             last_seen_scan = CASE WHEN $7 >= last_seen_at THEN $8 ELSE last_seen_scan END, \
             last_seen_at = max(last_seen_at, $7) \
             WHERE id = $1 RETURNING state, state_updated_at",
        )
        .bind(&id)
        .bind(&finding.rule_name)
        .bind(finding.severity.as_str())
        .bind(severity_rank(finding.severity))
        .bind(finding.confidence.as_str())
        .bind(&finding.preview)
        .bind(seen_at)
        .bind(&scan.id)
        .bind(&details)
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?;
        let current: String = get(&row, "state")?;
        state = current.parse().map_err(|e| corrupt("state", e))?;
        let updated_at: Option<i64> = get(&row, "state_updated_at")?;
        // Reopen, unless it was marked fixed after this scan started.
        if state == TriageState::Fixed && updated_at.is_none_or(|t| t <= seen_at) {
            let comment = format!("reopened: seen again by scan {}", scan.id);
            sqlx::query(
                "UPDATE findings SET state = 'open', state_comment = $2, state_updated_at = $3 WHERE id = $1",
            )
            .bind(&id)
            .bind(&comment)
            .bind(event_at)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
            add_event(conn, &id, TriageState::Open, Some(&comment), event_at).await?;
            state = TriageState::Open;
            moved = true;
        }
    }
    for location in locations {
        let commit = location.commit.as_ref();
        sqlx::query(concat!(
            "INSERT INTO locations (",
            location_cols!(),
            ", last_seen_scan) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, NULL, $12) \
             ON CONFLICT (finding_id, target, path, line, \"column\", blob_id, commit_id) DO UPDATE SET \
             commit_author_name = excluded.commit_author_name, \
             commit_author_email = excluded.commit_author_email, commit_date = excluded.commit_date, \
             first_seen_at = min(locations.first_seen_at, excluded.first_seen_at), \
             last_seen_scan = CASE WHEN excluded.last_seen_at >= locations.last_seen_at \
                 THEN excluded.last_seen_scan ELSE locations.last_seen_scan END, \
             last_seen_at = max(locations.last_seen_at, excluded.last_seen_at), \
             gone_at = CASE WHEN locations.gone_at <= excluded.last_seen_at THEN NULL ELSE locations.gone_at END"
        ))
        .bind(&id)
        .bind(&scan.target)
        .bind(&location.path)
        .bind(i64::from(location.line))
        .bind(i64::from(location.column))
        .bind(location.blob_id.to_hex())
        .bind(commit.map_or("", |c| c.id.as_str()))
        .bind(commit.map(|c| c.author_name.as_str()))
        .bind(commit.map(|c| c.author_email.as_str()))
        .bind(commit.map(|c| c.date.millis()))
        .bind(seen_at)
        .bind(&scan.id)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    }
    Ok((is_new, state, moved))
}

/// A finding's details as stored (JSON), `None` for secrets.
fn finding_details_json(finding: &Finding) -> Result<Option<String>> {
    finding
        .details
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::Other(format!("cannot encode finding details: {e}")))
}

/// After a scan complete for `kinds`: marks the target's locations of those
/// kinds it did not see gone, and `open` findings left without any present
/// location `fixed`.
async fn mark_gone(
    conn: &mut SqliteConnection,
    scan: &ScanSummary,
    kinds: &[FindingKind],
) -> Result<Vec<FindingId>> {
    let seen_at = scan.started_at.millis();
    let event_at = scan.finished_at.unwrap_or(scan.started_at).millis();
    // Locations seen by this scan (or a later one) have last_seen_at >= seen_at.
    let mut q = QueryBuilder::<Sqlite>::new("UPDATE locations SET gone_at = ");
    q.push_bind(seen_at)
        .push(" WHERE target = ")
        .push_bind(scan.target.clone())
        .push(" AND gone_at IS NULL AND last_seen_at < ")
        .push_bind(seen_at)
        .push(" AND finding_id IN (SELECT id FROM findings WHERE 1 = 1");
    push_in(&mut q, "kind", kinds.iter().map(|k| k.as_str()));
    q.push(")");
    q.build().execute(&mut *conn).await.map_err(db_err)?;
    let comment = format!("no longer present in {} (scan {})", scan.target, scan.id);
    let rows = sqlx::query(
        "UPDATE findings SET state = 'fixed', state_comment = $2, state_updated_at = $3 \
         WHERE state = 'open' \
         AND EXISTS (SELECT 1 FROM locations l WHERE l.finding_id = findings.id AND l.target = $1) \
         AND NOT EXISTS (SELECT 1 FROM locations l WHERE l.finding_id = findings.id AND l.gone_at IS NULL) \
         RETURNING id",
    )
    .bind(&scan.target)
    .bind(&comment)
    .bind(event_at)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err)?;
    let mut fixed = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: String = get(row, "id")?;
        add_event(conn, &id, TriageState::Fixed, Some(&comment), event_at).await?;
        fixed.push(FindingId::from_hex(&id).map_err(|e| corrupt("finding id", e))?);
    }
    fixed.sort();
    Ok(fixed)
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn check_key(&self, check_value: &str) -> Result<()> {
        sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(KEY_CHECK)
            .bind(check_value)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        let row = sqlx::query("SELECT value FROM meta WHERE key = $1")
            .bind(KEY_CHECK)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        let expected: String = get(&row, "value")?;
        if expected == check_value {
            Ok(())
        } else {
            Err(StoreError::KeyMismatch {
                expected,
                actual: check_value.to_owned(),
            })
        }
    }

    async fn recover_interrupted(&self, older_than: Timestamp) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE scans SET status = 'interrupted' WHERE status = 'running' AND started_at < $1",
        )
        .bind(older_than.millis())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn begin_scan(&self, scan: &ScanSummary) -> Result<()> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        let exists = sqlx::query("SELECT 1 FROM scans WHERE id = $1")
            .bind(&scan.id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err)?;
        if exists.is_some() {
            return Err(StoreError::Other(format!("scan {} was already started", scan.id)));
        }
        upsert_scan(&mut conn, scan, ScanStatus::Running).await
    }

    async fn record_scan(
        &self,
        scan: &ScanSummary,
        findings: &[Finding],
        complete: &[FindingKind],
    ) -> Result<RecordOutcome> {
        // One finding per id (its locations merged), in id order.
        let mut grouped: BTreeMap<FindingId, (&Finding, Vec<&Location>)> = BTreeMap::new();
        for f in findings {
            grouped
                .entry(f.id)
                .or_insert_with(|| (f, Vec::new()))
                .1
                .extend(&f.locations);
        }
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        upsert_scan(&mut tx, scan, scan.status).await?;
        let mut outcome = RecordOutcome::default();
        let mut moved = Vec::new();
        for (id, (finding, locations)) in &grouped {
            let (is_new, state, moved_elsewhere) = record_finding(&mut tx, scan, finding, locations).await?;
            if is_new {
                outcome.new.push(*id);
            }
            if moved_elsewhere {
                moved.push(id.to_hex());
            }
            outcome.states.push((*id, state));
        }
        if !complete.is_empty() {
            outcome.fixed = mark_gone(&mut tx, scan, complete).await?;
            let fixed: BTreeSet<FindingId> = outcome.fixed.iter().copied().collect();
            for (id, state) in &mut outcome.states {
                if fixed.contains(id) {
                    *state = TriageState::Fixed;
                }
            }
        }
        if !grouped.is_empty() || !complete.is_empty() {
            // Locations changed only in the scan's target; findings marked
            // fixed have no present location left anywhere.
            let mut targets = present_targets(&mut tx, &moved).await?;
            targets.insert(scan.target.clone());
            recount_targets(&mut tx, &targets).await?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(outcome)
    }

    async fn get_scan(&self, id: &str) -> Result<ScanSummary> {
        let row = sqlx::query(concat!("SELECT ", scan_cols!(), " FROM scans WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or_else(|| StoreError::NotFound(format!("scan {id}")))?;
        scan_from_row(&row)
    }

    async fn list_scans(&self, limit: u32) -> Result<Vec<ScanSummary>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            scan_cols!(),
            " FROM scans ORDER BY started_at DESC, id DESC LIMIT $1"
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(scan_from_row).collect()
    }

    async fn get_finding(&self, id: FindingId) -> Result<StoredFinding> {
        // One snapshot for the finding and its locations.
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let finding = fetch_finding(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(finding)
    }

    async fn list_findings(&self, filter: &FindingFilter) -> Result<Vec<StoredFinding>> {
        let mut q = QueryBuilder::<Sqlite>::new(concat!(
            "SELECT ",
            finding_cols!(),
            " FROM findings f WHERE 1 = 1"
        ));
        push_finding_filter(&mut q, filter);
        q.push(finding_order_sql(filter.sort, filter.descending));
        if filter.limit.is_some() || filter.offset > 0 {
            // SQLite takes OFFSET only after a LIMIT; -1 is none.
            q.push(" LIMIT ")
                .push_bind(filter.limit.map_or(-1, i64::from))
                .push(" OFFSET ")
                .push_bind(i64::from(filter.offset));
        }
        // One snapshot for the findings and their locations.
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let rows = q.build().fetch_all(&mut *tx).await.map_err(db_err)?;
        let mut found = rows.iter().map(finding_from_row).collect::<Result<Vec<_>>>()?;
        attach_locations(&mut tx, &mut found, filter.connectors.as_ref()).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(found)
    }

    async fn count_findings(&self, filter: &FindingFilter) -> Result<u64> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT count(*) AS n FROM findings f WHERE 1 = 1");
        push_finding_filter(&mut q, filter);
        let row = q.build().fetch_one(&self.pool).await.map_err(db_err)?;
        get_u64(&row, "n")
    }

    async fn triage(&self, id: FindingId, triage: &Triage) -> Result<StoredFinding> {
        let hex = id.to_hex();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        let updated = sqlx::query(
            "UPDATE findings SET state = $2, state_comment = $3, state_updated_at = $4 WHERE id = $1 RETURNING id",
        )
        .bind(&hex)
        .bind(triage.state.as_str())
        .bind(triage.comment.as_deref())
        .bind(triage.at.millis())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        if updated.is_none() {
            return Err(StoreError::NotFound(format!("finding {id}")));
        }
        add_event(
            &mut tx,
            &hex,
            triage.state,
            triage.comment.as_deref(),
            triage.at.millis(),
        )
        .await?;
        let targets = present_targets(&mut tx, std::slice::from_ref(&hex)).await?;
        recount_targets(&mut tx, &targets).await?;
        let finding = fetch_finding(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(finding)
    }

    async fn triage_many(&self, ids: &[FindingId], triage: &Triage) -> Result<u64> {
        let ids = triage_batch(ids)?;
        if ids.is_empty() {
            return Ok(0);
        }
        let hex: Vec<String> = ids.iter().map(FindingId::to_hex).collect();
        let list = json_list(&hex)?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        let known = sqlx::query("SELECT id FROM findings WHERE id IN (SELECT value FROM json_each($1))")
            .bind(&list)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?
            .iter()
            .map(|row| get::<String>(row, "id"))
            .collect::<Result<BTreeSet<_>>>()?;
        // Dropping the transaction rolls it back: nothing was written yet anyway.
        if let Some(missing) = ids.iter().find(|id| !known.contains(&id.to_hex())) {
            return Err(StoreError::NotFound(format!("finding {missing}")));
        }
        sqlx::query(
            "UPDATE findings SET state = $2, state_comment = $3, state_updated_at = $4 \
             WHERE id IN (SELECT value FROM json_each($1))",
        )
        .bind(&list)
        .bind(triage.state.as_str())
        .bind(triage.comment.as_deref())
        .bind(triage.at.millis())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        sqlx::query(
            "INSERT INTO triage_events (finding_id, state, comment, at) \
             SELECT value, $2, $3, $4 FROM json_each($1) ORDER BY key",
        )
        .bind(&list)
        .bind(triage.state.as_str())
        .bind(triage.comment.as_deref())
        .bind(triage.at.millis())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        let targets = present_targets(&mut tx, &hex).await?;
        recount_targets(&mut tx, &targets).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(hex.len() as u64)
    }

    async fn triage_history(&self, id: FindingId) -> Result<Vec<Triage>> {
        let hex = id.to_hex();
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        let exists = sqlx::query("SELECT 1 FROM findings WHERE id = $1")
            .bind(&hex)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err)?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("finding {id}")));
        }
        let rows =
            sqlx::query("SELECT state, comment, at FROM triage_events WHERE finding_id = $1 ORDER BY at, id")
                .bind(&hex)
                .fetch_all(&mut *conn)
                .await
                .map_err(db_err)?;
        rows.iter()
            .map(|row| {
                let state: String = get(row, "state")?;
                Ok(Triage {
                    state: state.parse().map_err(|e| corrupt("state", e))?,
                    comment: get(row, "comment")?,
                    at: get_ts(row, "at")?,
                })
            })
            .collect()
    }

    async fn create_connector(
        &self,
        id: &ConnectorId,
        config: &ConnectorConfig,
        sealed_credential: Option<&[u8]>,
        at: Timestamp,
    ) -> Result<ConnectorRecord> {
        inventory::save_connector(&self.pool, id, config, sealed_credential, at, true).await
    }

    async fn update_connector(
        &self,
        id: &ConnectorId,
        config: &ConnectorConfig,
        sealed_credential: Option<&[u8]>,
        at: Timestamp,
    ) -> Result<ConnectorRecord> {
        inventory::save_connector(&self.pool, id, config, sealed_credential, at, false).await
    }

    async fn get_connector(&self, name_or_id: &str) -> Result<ConnectorRecord> {
        inventory::get_connector(&self.pool, name_or_id).await
    }

    async fn list_connectors(&self) -> Result<Vec<ConnectorRecord>> {
        inventory::list_connectors(&self.pool).await
    }

    async fn delete_connectors(&self, ids: &[ConnectorId]) -> Result<u64> {
        inventory::delete_connectors(&self.pool, ids).await
    }

    async fn connector_credential(&self, id: &ConnectorId) -> Result<Option<Vec<u8>>> {
        inventory::connector_credential(&self.pool, id).await
    }

    async fn set_connector_credential(&self, id: &ConnectorId, sealed: &[u8], at: Timestamp) -> Result<()> {
        inventory::set_connector_credential(&self.pool, id, sealed, at).await
    }

    async fn claim_org(&self, connector: &ConnectorId, org: &OrgName, at: Timestamp) -> Result<bool> {
        inventory::claim_org(&self.pool, connector, org, at).await
    }

    async fn begin_discovery(&self, connector: &ConnectorId, at: Timestamp) -> Result<DiscoveryRun> {
        inventory::begin_discovery(&self.pool, connector, at).await
    }

    async fn listing_done(&self, run: &DiscoveryRunId, listing_key: &str) -> Result<bool> {
        inventory::listing_done(&self.pool, run, listing_key).await
    }

    async fn record_listing(
        &self,
        run: &DiscoveryRunId,
        connector: &ConnectorId,
        scope: &Scope,
        kinds: &[ResourceKind],
        resources: &[Resource],
        org_id: &str,
        at: Timestamp,
    ) -> Result<ListingOutcome> {
        inventory::record_listing(&self.pool, run, connector, scope, kinds, resources, org_id, at).await
    }

    async fn finish_discovery(
        &self,
        run: &DiscoveryRunId,
        outcome: &DiscoveryOutcome,
        at: Timestamp,
    ) -> Result<DiscoveryRunSummary> {
        inventory::finish_discovery(&self.pool, run, outcome, at).await
    }

    async fn list_discovery_runs(
        &self,
        connector: &ConnectorId,
        limit: u32,
    ) -> Result<Vec<DiscoveryRunSummary>> {
        inventory::list_discovery_runs(&self.pool, connector, limit).await
    }

    async fn list_resources(&self, filter: &ResourceFilter) -> Result<Vec<StoredResource>> {
        inventory::list_resources(&self.pool, filter).await
    }

    async fn resource_counts(&self, connector: Option<&ConnectorId>) -> Result<BTreeMap<ResourceKind, u64>> {
        inventory::resource_counts(&self.pool, connector).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn in_memory_store_migrates_and_checks_key() {
        let store = SqliteStore::open_in_memory().await.expect("open");
        store.check_key("abc").await.expect("first key");
        store.check_key("abc").await.expect("same key");
        assert!(matches!(
            store.check_key("xyz").await,
            Err(StoreError::KeyMismatch { .. })
        ));
    }

    #[tokio::test]
    async fn open_creates_parent_folder() {
        let dir = std::env::temp_dir().join(format!("palisade-sqlite-{}", std::process::id()));
        let path = dir.join("nested").join("store.db");
        let store = SqliteStore::open(path.to_str().expect("utf-8"))
            .await
            .expect("open");
        assert!(path.exists());
        store.close().await;
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
