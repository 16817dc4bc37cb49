//! The `PostgreSQL` backend of the palisade store: for many workers sharing one
//! database.
//!
//! [`PostgresStore::connect`] checks the server answers within
//! [`CONNECT_TIMEOUT`] (an unreachable server is a quick
//! [`StoreError::Unavailable`], never a hang), then runs the migrations of
//! this crate (`migrations/`, never edited once released).
//! [`PostgresStore::connect_with_schema`] keeps everything in one schema
//! (created if missing), which is how the story tests isolate each test.
//!
//! [`Store::record_scan`] calls are serialized per schema with a transaction
//! advisory lock: a recording touches many findings, and one at a time keeps
//! concurrent workers free of deadlocks and lost updates.
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
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use palisade_domain::{
    BlobId, CommitInfo, Confidence, ConnectorConfig, Finding, FindingDetails, FindingId, FindingKind,
    Location, OrgName, Resource, ResourceKind, RuleId, ScanContext, ScanError, ScanStatus, ScanSummary,
    Scope, SecretHash, Severity, TargetKind, Timestamp, TriageState,
};
use palisade_store::rows::StoredRow;
use palisade_store::{
    ConnectorId, ConnectorRecord, DiscoveryOutcome, DiscoveryRun, DiscoveryRunId, DiscoveryRunSummary,
    FindingFilter, ListingOutcome, RECOUNT_DELETE_SQL, RECOUNT_INSERT_SQL, RecordOutcome, ResourceFilter,
    Result, Store, StoreError, StoredFinding, StoredLocation, StoredResource, Triage, contains_pattern,
    finding_order_sql, triage_batch,
};
use serde::de::DeserializeOwned;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, Connection, Postgres, QueryBuilder, Row};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How long connecting to the server may take before it counts as unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a caller waits for a pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// Key of the master key check value in `meta`.
const KEY_CHECK: &str = "key_check";

/// A palisade store in a `PostgreSQL` database (optionally in one schema).
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// `postgres://user@host:port/db`: the URL without its password, for messages.
    display_url: String,
    schema: Option<String>,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("url", &self.display_url)
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/db`) and
    /// migrates the database's default schema.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::open(url, None).await
    }

    /// Like [`connect`](Self::connect), but keeps every table in `schema`
    /// (created if missing): each pooled connection gets `search_path` set to it.
    pub async fn connect_with_schema(url: &str, schema: &str) -> Result<Self> {
        Self::open(url, Some(schema)).await
    }

    async fn open(url: &str, schema: Option<&str>) -> Result<Self> {
        // The parse error never repeats the URL, so no password leaks.
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unavailable(format!("invalid PostgreSQL URL: {}", one_line(&e))))?;
        let host = options.get_host().to_owned();
        let port = options.get_port();
        let display_url = format!(
            "postgres://{}@{host}:{port}/{}",
            options.get_username(),
            options.get_database().unwrap_or_default()
        );
        let unreachable = |detail: String| {
            StoreError::Unavailable(format!("cannot reach PostgreSQL at {host}:{port}: {detail}"))
        };

        // Probe once with a deadline, so an unreachable server fails fast and
        // with the real reason (a pool would only say it timed out).
        let mut probe = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options))
            .await
            .map_err(|_| unreachable(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())))?
            .map_err(|e| unreachable(one_line(&e)))?;
        let search_path = match schema {
            Some(name) => {
                let quoted = quote_ident(name);
                sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS {quoted}")))
                    .execute(&mut probe)
                    .await
                    .map_err(db_err)?;
                Some(format!("SET search_path TO {quoted}"))
            }
            None => None,
        };
        probe.close().await.map_err(db_err)?;

        let mut pool_options = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(ACQUIRE_TIMEOUT);
        if let Some(set) = search_path {
            pool_options = pool_options.after_connect(move |conn, _meta| {
                let set = set.clone();
                Box::pin(async move {
                    sqlx::query(AssertSqlSafe(set)).execute(&mut *conn).await?;
                    Ok(())
                })
            });
        }
        let pool = tokio::time::timeout(CONNECT_TIMEOUT, pool_options.connect_with(options))
            .await
            .map_err(|_| unreachable(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())))?
            .map_err(|e| unreachable(one_line(&e)))?;
        MIGRATOR.run(&pool).await.map_err(migrate_err)?;
        tracing::debug!(url = %display_url, schema, "PostgreSQL store ready");
        Ok(Self {
            pool,
            display_url,
            schema: schema.map(str::to_owned),
        })
    }

    /// The schema given to [`connect_with_schema`](Self::connect_with_schema).
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Drops the schema given to [`connect_with_schema`](Self::connect_with_schema)
    /// with everything in it, then closes the pool. For tests.
    pub async fn drop_schema(self) -> Result<()> {
        if let Some(schema) = &self.schema {
            sqlx::query(AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {} CASCADE",
                quote_ident(schema)
            )))
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        }
        self.pool.close().await;
        Ok(())
    }
}

/// Quotes an SQL identifier (`"` doubled inside).
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn one_line(e: &dyn fmt::Display) -> String {
    e.to_string().lines().next().unwrap_or_default().to_owned()
}

fn migrate_err(e: sqlx::migrate::MigrateError) -> StoreError {
    match e {
        sqlx::migrate::MigrateError::VersionMissing(v) => {
            StoreError::SchemaTooNew(format!("migration {v} applied by a newer palisade"))
        }
        e => StoreError::Other(format!("migrating the PostgreSQL database: {}", one_line(&e))),
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

fn corrupt(what: &str, detail: impl fmt::Display) -> StoreError {
    StoreError::Other(format!("unreadable {what} in the PostgreSQL database: {detail}"))
}

fn to_i64(what: &str, v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| StoreError::Other(format!("{what} {v} is too large to store")))
}

fn get<'r, T>(row: &'r PgRow, col: &str) -> Result<T>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(col).map_err(|e| corrupt(col, one_line(&e)))
}

fn get_u64(row: &PgRow, col: &str) -> Result<u64> {
    let v: i64 = get(row, col)?;
    u64::try_from(v).map_err(|_| corrupt(col, v))
}

fn get_u32(row: &PgRow, col: &str) -> Result<u32> {
    let v: i64 = get(row, col)?;
    u32::try_from(v).map_err(|_| corrupt(col, v))
}

fn get_ts(row: &PgRow, col: &str) -> Result<Timestamp> {
    get::<i64>(row, col).map(Timestamp::from_millis)
}

fn get_opt_ts(row: &PgRow, col: &str) -> Result<Option<Timestamp>> {
    get::<Option<i64>>(row, col).map(|v| v.map(Timestamp::from_millis))
}

/// A row as [`palisade_store::rows`] reads it.
struct Columns<'r>(&'r PgRow);

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
        get(self.0, col)
    }

    fn flag(&self, col: &str) -> Result<bool> {
        get(self.0, col)
    }

    fn json<T: DeserializeOwned>(&self, col: &str) -> Result<T> {
        get::<Json<T>>(self.0, col).map(|v| v.0)
    }

    fn opt_json<T: DeserializeOwned>(&self, col: &str) -> Result<Option<T>> {
        get::<Option<Json<T>>>(self.0, col).map(|v| v.map(|v| v.0))
    }

    fn corrupt(&self, what: &str, detail: &dyn fmt::Display) -> StoreError {
        corrupt(what, detail)
    }
}

/// Appends ` AND {column} IN (...)` with one bind per value (there must be one).
fn push_in<'t, T>(q: &mut QueryBuilder<Postgres>, column: &str, values: impl IntoIterator<Item = T>)
where
    T: sqlx::Encode<'t, Postgres> + sqlx::Type<Postgres>,
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
fn push_scope(q: &mut QueryBuilder<Postgres>, column: &str, connectors: Option<&BTreeSet<ConnectorId>>) {
    match connectors {
        None => {}
        Some(c) if c.is_empty() => {
            q.push(" AND 1 = 0");
        }
        Some(c) => {
            q.push(format_args!(
                " AND {column} IN (SELECT target FROM managed_repos WHERE connector_id = ANY("
            ))
            .push_bind(c.iter().map(|c| c.as_str().to_owned()).collect::<Vec<_>>())
            .push("))");
        }
    }
}

/// Appends `{column} ILIKE pattern`: true when the column contains
/// `search`, ignoring case (wildcards escaped).
fn push_contains(q: &mut QueryBuilder<Postgres>, column: &str, search: &str) {
    q.push(format_args!("{column} ILIKE "))
        .push_bind(contains_pattern(search))
        .push(" ESCAPE '\\'");
}

/// Serializes the writes of findings, locations and their counts: a
/// recording touches many findings (and marks others fixed), and rewriting a
/// target's counts must not interleave with another writer's, so running
/// them one after the other is what keeps them free of deadlocks, lost
/// updates and stale counts. Held until the transaction ends.
async fn lock_findings(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('palisade.record_scan.' || current_schema()))")
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Rewrites `target_finding_counts` of `targets` from their present
/// locations; in the transaction of the change that moved them, after
/// [`lock_findings`].
async fn recount_targets(conn: &mut PgConnection, targets: &BTreeSet<String>) -> Result<()> {
    if targets.is_empty() {
        return Ok(());
    }
    let targets: Vec<&str> = targets.iter().map(String::as_str).collect();
    let set = "SELECT unnest($1::text[])";
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
async fn present_targets(conn: &mut PgConnection, ids: &[String]) -> Result<BTreeSet<String>> {
    if ids.is_empty() {
        return Ok(BTreeSet::new());
    }
    let rows =
        sqlx::query("SELECT DISTINCT target FROM locations WHERE finding_id = ANY($1) AND gone_at IS NULL")
            .bind(ids)
            .fetch_all(&mut *conn)
            .await
            .map_err(db_err)?;
    rows.iter().map(|row| get(row, "target")).collect()
}

/// Appends the conditions of `filter` on `findings f`.
fn push_finding_filter(q: &mut QueryBuilder<Postgres>, filter: &FindingFilter) {
    if !filter.ids.is_empty() {
        q.push(" AND f.id = ANY(")
            .push_bind(filter.ids.iter().map(FindingId::to_hex).collect::<Vec<_>>())
            .push(")");
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
        q.push(" AND f.severity = ANY(")
            .push_bind(filter.severities.iter().map(|s| s.as_str()).collect::<Vec<_>>())
            .push(")");
    }
    if let Some(rule) = &filter.rule_id {
        q.push(" AND f.rule_id = ").push_bind(rule.as_str().to_owned());
    }
    if let Some(target) = &filter.target {
        q.push(" AND EXISTS (SELECT 1 FROM locations l WHERE l.finding_id = f.id AND l.target = ")
            .push_bind(target.clone())
            .push(")");
    }
    let scope = filter.connectors.as_ref();
    if scope.is_some() {
        q.push(" AND EXISTS (SELECT 1 FROM locations l WHERE l.finding_id = f.id");
        push_scope(q, "l.target", scope);
        q.push(")");
    }
    if let Some(search) = &filter.search {
        q.push(" AND (");
        push_contains(q, "f.rule_id", search);
        q.push(" OR ");
        push_contains(q, "f.rule_name", search);
        q.push(" OR EXISTS (SELECT 1 FROM locations l WHERE l.finding_id = f.id AND ");
        push_contains(q, "l.path", search);
        push_scope(q, "l.target", scope);
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
        "id, kind, rule_id, rule_name, severity, confidence, preview, secret_hash, details, state, state_comment, \
         state_updated_at, first_seen_at, last_seen_at, first_seen_scan, last_seen_scan"
    };
}

macro_rules! location_cols {
    () => {
        "finding_id, target, path, line, \"column\", blob_id, commit_id, commit_author_name, \
         commit_author_email, commit_date, first_seen_at, last_seen_at, gone_at"
    };
}

fn scan_from_row(row: &PgRow) -> Result<ScanSummary> {
    let kind: String = get(row, "kind")?;
    let status: String = get(row, "status")?;
    let errors: Json<Vec<ScanError>> = get(row, "errors")?;
    let context: Option<Json<ScanContext>> = get(row, "context")?;
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
        errors: errors.0,
        context: context.map(|c| c.0),
    })
}

fn finding_from_row(row: &PgRow) -> Result<StoredFinding> {
    let id: String = get(row, "id")?;
    let rule_id: String = get(row, "rule_id")?;
    let severity: String = get(row, "severity")?;
    let confidence: String = get(row, "confidence")?;
    let secret_hash: String = get(row, "secret_hash")?;
    let kind: String = get(row, "kind")?;
    let details: Option<Json<FindingDetails>> = get(row, "details")?;
    let state: String = get(row, "state")?;
    Ok(StoredFinding {
        id: FindingId::from_hex(&id).map_err(|e| corrupt("finding id", e))?,
        rule_id: RuleId::parse(&rule_id).map_err(|e| corrupt("rule id", e))?,
        rule_name: get(row, "rule_name")?,
        severity: severity.parse().map_err(|e| corrupt("severity", e))?,
        confidence: confidence
            .parse::<Confidence>()
            .map_err(|e| corrupt("confidence", e))?,
        preview: get(row, "preview")?,
        secret_hash: SecretHash::parse(&secret_hash).ok_or_else(|| corrupt("secret hash", &secret_hash))?,
        kind: kind.parse().map_err(|e| corrupt("kind", e))?,
        details: details.map(|d| d.0),
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

fn location_from_row(row: &PgRow) -> Result<(String, StoredLocation)> {
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
    conn: &mut PgConnection,
    findings: &mut [StoredFinding],
    scope: Option<&BTreeSet<ConnectorId>>,
) -> Result<()> {
    if findings.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = findings.iter().map(|f| f.id.to_hex()).collect();
    let mut q = QueryBuilder::<Postgres>::new(concat!(
        "SELECT ",
        location_cols!(),
        " FROM locations WHERE finding_id = ANY("
    ));
    q.push_bind(ids).push(")");
    push_scope(&mut q, "target", scope);
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

async fn fetch_finding(conn: &mut PgConnection, id: FindingId) -> Result<StoredFinding> {
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
async fn upsert_scan(conn: &mut PgConnection, scan: &ScanSummary, status: ScanStatus) -> Result<()> {
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
    .bind(Json(&scan.errors))
    .bind(scan.context.as_ref().map(Json))
    .bind(scan.context.as_ref().and_then(|c| c.job.as_deref()))
    .bind(scan.context.as_ref().map(|c| c.connector.as_str()))
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

async fn add_event(
    conn: &mut PgConnection,
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
    conn: &mut PgConnection,
    scan: &ScanSummary,
    finding: &Finding,
    locations: &[&Location],
) -> Result<(bool, TriageState, bool)> {
    let id = finding.id.to_hex();
    let seen_at = scan.started_at.millis();
    let event_at = scan.finished_at.unwrap_or(scan.started_at).millis();
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
    .bind(finding.details.as_ref().map(Json))
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
             first_seen_at = LEAST(first_seen_at, $7), \
             last_seen_scan = CASE WHEN $7 >= last_seen_at THEN $8 ELSE last_seen_scan END, \
             last_seen_at = GREATEST(last_seen_at, $7) \
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
        .bind(finding.details.as_ref().map(Json))
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
             first_seen_at = LEAST(locations.first_seen_at, excluded.first_seen_at), \
             last_seen_scan = CASE WHEN excluded.last_seen_at >= locations.last_seen_at \
                 THEN excluded.last_seen_scan ELSE locations.last_seen_scan END, \
             last_seen_at = GREATEST(locations.last_seen_at, excluded.last_seen_at), \
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

/// After a scan complete for `kinds`: marks the target's locations of those
/// kinds it did not see gone, and `open` findings left without any present
/// location `fixed`.
async fn mark_gone(
    conn: &mut PgConnection,
    scan: &ScanSummary,
    kinds: &[FindingKind],
) -> Result<Vec<FindingId>> {
    let seen_at = scan.started_at.millis();
    let event_at = scan.finished_at.unwrap_or(scan.started_at).millis();
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    // Locations seen by this scan (or a later one) have last_seen_at >= seen_at.
    sqlx::query(
        "UPDATE locations SET gone_at = $2 WHERE target = $1 AND gone_at IS NULL AND last_seen_at < $2 \
         AND finding_id IN (SELECT id FROM findings WHERE kind = ANY($3))",
    )
    .bind(&scan.target)
    .bind(seen_at)
    .bind(&kinds)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
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
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
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
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // One recording at a time per schema (see lock_findings).
        lock_findings(&mut tx).await?;
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
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(db_err)?;
        let finding = fetch_finding(&mut tx, id).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(finding)
    }

    async fn list_findings(&self, filter: &FindingFilter) -> Result<Vec<StoredFinding>> {
        let mut q = QueryBuilder::<Postgres>::new(concat!(
            "SELECT ",
            finding_cols!(),
            " FROM findings f WHERE 1 = 1"
        ));
        push_finding_filter(&mut q, filter);
        q.push(finding_order_sql(filter.sort, filter.descending));
        if let Some(limit) = filter.limit {
            q.push(" LIMIT ").push_bind(i64::from(limit));
        }
        if filter.offset > 0 {
            q.push(" OFFSET ").push_bind(i64::from(filter.offset));
        }
        // One snapshot for the findings and their locations.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(db_err)?;
        let rows = q.build().fetch_all(&mut *tx).await.map_err(db_err)?;
        let mut found = rows.iter().map(finding_from_row).collect::<Result<Vec<_>>>()?;
        attach_locations(&mut tx, &mut found, filter.connectors.as_ref()).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(found)
    }

    async fn count_findings(&self, filter: &FindingFilter) -> Result<u64> {
        let mut q = QueryBuilder::<Postgres>::new("SELECT count(*) AS n FROM findings f WHERE 1 = 1");
        push_finding_filter(&mut q, filter);
        let row = q.build().fetch_one(&self.pool).await.map_err(db_err)?;
        get_u64(&row, "n")
    }

    async fn triage(&self, id: FindingId, triage: &Triage) -> Result<StoredFinding> {
        let hex = id.to_hex();
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        lock_findings(&mut tx).await?;
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
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        lock_findings(&mut tx).await?;
        let known = sqlx::query("SELECT id FROM findings WHERE id = ANY($1)")
            .bind(&hex)
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
            "UPDATE findings SET state = $2, state_comment = $3, state_updated_at = $4 WHERE id = ANY($1)",
        )
        .bind(&hex)
        .bind(triage.state.as_str())
        .bind(triage.comment.as_deref())
        .bind(triage.at.millis())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        sqlx::query(
            "INSERT INTO triage_events (finding_id, state, comment, at) \
             SELECT t.id, $2, $3, $4 FROM unnest($1::text[]) WITH ORDINALITY AS t (id, n) ORDER BY t.n",
        )
        .bind(&hex)
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
    async fn unreachable_server_fails_fast_without_password() {
        let started = std::time::Instant::now();
        let err = PostgresStore::connect("postgres://me:hunter2@127.0.0.1:1/db")
            .await
            .expect_err("nothing listens on port 1");
        let msg = err.to_string();
        assert!(matches!(err, StoreError::Unavailable(_)), "{msg}");
        assert!(msg.contains("cannot reach PostgreSQL at 127.0.0.1:1"), "{msg}");
        assert!(!msg.contains("hunter2"), "{msg}");
        assert!(started.elapsed() < CONNECT_TIMEOUT + Duration::from_secs(2));
    }

    #[test]
    fn quotes_identifiers() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
