//! Managed-scan state in `PostgreSQL`: managed repositories, connector scan
//! settings and webhook secrets, scan logs, pull-request comment state,
//! webhook deliveries, service-hook subscriptions and revoking a connector.
//!
//! Managed repositories are keyed by lowercase organization and repository
//! id, with no foreign key to their connector: removing a connector archives
//! them (see [`remove_connector`]) instead of cascading. Batches are written
//! as one JSON array (`jsonb_to_recordset`) or arrays (`UNNEST`), so a
//! thousand repositories are one statement.

use std::collections::BTreeMap;

use async_trait::async_trait;
use palisade_domain::{
    ArchiveReason, ManagedState, OrgName, ScanSettings, ScanStatus, ScanSummary, Timestamp,
};
use palisade_store::{
    ConnectorId, HookSubscription, LogLine, ManagedRepo, ManagedRepoFilter, ManagedStore, PrState, Result,
    ScanStats, StoreError,
};
use serde::Serialize;
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::types::Json;
use sqlx::{Postgres, QueryBuilder};

use crate::inventory::connector_not_found;
use crate::jobs::cancel_connector_jobs;
use crate::{
    PostgresStore, SCAN_COLS, corrupt, db_err, get, get_opt_ts, get_ts, get_u64, scan_from_row, to_i64,
};

/// Rows per statement when writing managed repositories.
const CHUNK: usize = 1_000;

/// How many recent failures [`ManagedStore::scan_stats`] reports.
const LAST_FAILURES: i64 = 5;

const REPO_COLS: &str = "org_name, repo_id, connector_id, project, project_id, name, remote_url, web_url, \
     default_branch, size, target, state, archive_reason, full_scans, pr_scans, labels, scanned_tips, \
     last_scan_id, last_scan_at, last_status, last_error, last_success_at, first_seen_at, updated_at";

const LOG_LEVELS: [&str; 3] = ["info", "warn", "error"];

fn repo_not_found(org: &OrgName, repo_id: &str) -> StoreError {
    StoreError::NotFound(format!("managed repository {repo_id} of organization {org}"))
}

fn scan_not_found(scan_id: &str) -> StoreError {
    StoreError::NotFound(format!("scan {scan_id}"))
}

fn is_success(status: ScanStatus) -> bool {
    matches!(status, ScanStatus::Completed | ScanStatus::CompletedWithErrors)
}

/// Whether a write referenced a connector that does not exist.
fn no_connector(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_foreign_key_violation())
}

/// A managed repository as one JSON object of a batch.
#[derive(Serialize)]
struct RepoRow<'a> {
    org_key: String,
    org_name: &'a str,
    repo_id: String,
    connector_id: Option<&'a str>,
    project: &'a str,
    project_id: &'a str,
    name: &'a str,
    remote_url: &'a str,
    web_url: &'a str,
    default_branch: Option<&'a str>,
    size: i64,
    target: &'a str,
    state: &'static str,
    archive_reason: Option<&'static str>,
    full_scans: bool,
    pr_scans: bool,
    labels: &'a [String],
    scanned_tips: &'a [String],
    last_scan_id: Option<&'a str>,
    last_scan_at: Option<i64>,
    last_status: Option<&'static str>,
    last_error: Option<&'a str>,
    last_success_at: Option<i64>,
    first_seen_at: i64,
    updated_at: i64,
}

impl<'a> RepoRow<'a> {
    fn new(r: &'a ManagedRepo) -> Result<Self> {
        Ok(Self {
            org_key: r.org.key(),
            org_name: r.org.as_str(),
            repo_id: r.repo_id.to_ascii_lowercase(),
            connector_id: r.connector.as_ref().map(ConnectorId::as_str),
            project: &r.project,
            project_id: &r.project_id,
            name: &r.name,
            remote_url: &r.remote_url,
            web_url: &r.web_url,
            default_branch: r.default_branch.as_deref(),
            size: to_i64("repository size", r.size)?,
            target: &r.target,
            state: r.state.as_str(),
            archive_reason: r.archive_reason.map(ArchiveReason::as_str),
            full_scans: r.full_scans,
            pr_scans: r.pr_scans,
            labels: &r.labels,
            scanned_tips: &r.scanned_tips,
            last_scan_id: r.last_scan_id.as_deref(),
            last_scan_at: r.last_scan_at.map(Timestamp::millis),
            last_status: r.last_status.map(ScanStatus::as_str),
            last_error: r.last_error.as_deref(),
            last_success_at: r.last_success_at.map(Timestamp::millis),
            first_seen_at: r.first_seen_at.millis(),
            updated_at: r.updated_at.millis(),
        })
    }
}

fn repo_from_row(row: &PgRow) -> Result<ManagedRepo> {
    let org: String = get(row, "org_name")?;
    let state: String = get(row, "state")?;
    let reason: Option<String> = get(row, "archive_reason")?;
    let status: Option<String> = get(row, "last_status")?;
    let labels: Json<Vec<String>> = get(row, "labels")?;
    let tips: Json<Vec<String>> = get(row, "scanned_tips")?;
    Ok(ManagedRepo {
        org: OrgName::parse(&org).map_err(|e| corrupt("organization", e))?,
        repo_id: get(row, "repo_id")?,
        connector: get::<Option<String>>(row, "connector_id")?.map(ConnectorId::from_stored),
        project: get(row, "project")?,
        project_id: get(row, "project_id")?,
        name: get(row, "name")?,
        remote_url: get(row, "remote_url")?,
        web_url: get(row, "web_url")?,
        default_branch: get(row, "default_branch")?,
        size: get_u64(row, "size")?,
        target: get(row, "target")?,
        state: ManagedState::parse(&state).ok_or_else(|| corrupt("managed state", &state))?,
        archive_reason: reason
            .map(|r| ArchiveReason::parse(&r).ok_or_else(|| corrupt("archive reason", &r)))
            .transpose()?,
        full_scans: get(row, "full_scans")?,
        pr_scans: get(row, "pr_scans")?,
        labels: labels.0,
        scanned_tips: tips.0,
        last_scan_id: get(row, "last_scan_id")?,
        last_scan_at: get_opt_ts(row, "last_scan_at")?,
        last_status: status
            .map(|s| ScanStatus::parse(&s).ok_or_else(|| corrupt("scan status", &s)))
            .transpose()?,
        last_error: get(row, "last_error")?,
        last_success_at: get_opt_ts(row, "last_success_at")?,
        first_seen_at: get_ts(row, "first_seen_at")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

/// Whether the connector exists; with `lock`, its row is locked against
/// concurrent changes (and deletion) until the transaction ends.
async fn connector_exists(conn: &mut PgConnection, id: &ConnectorId, lock: &str) -> Result<bool> {
    let sql = format!("SELECT 1 FROM connectors WHERE id = $1 {lock}");
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?
        .is_some())
}

/// Removes a connector the way revoking does, inside the caller's
/// transaction: its managed repositories archived (`revoked`, connector
/// cleared), its queued and running jobs cancelled, its webhook secret,
/// subscriptions and credential destroyed, then the connector deleted with
/// its inventory and discovery runs (they cascade). Findings, triage, scans
/// and jobs are kept. `false` (and no change) for an unknown connector.
pub(crate) async fn remove_connector(
    conn: &mut PgConnection,
    id: &ConnectorId,
    at: Timestamp,
) -> Result<bool> {
    if !connector_exists(conn, id, "FOR UPDATE").await? {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE managed_repos SET state = 'archived', archive_reason = 'revoked', connector_id = NULL, \
         updated_at = $2 WHERE connector_id = $1",
    )
    .bind(id.as_str())
    .bind(at.millis())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    cancel_connector_jobs(conn, id, at).await?;
    // These cascade from the connector too; deleted here so what revoking
    // destroys is written down in one place.
    for sql in [
        "DELETE FROM connector_managed WHERE connector_id = $1",
        "DELETE FROM hook_subscriptions WHERE connector_id = $1",
        "UPDATE connectors SET credential = NULL, credential_updated_at = NULL WHERE id = $1",
        "DELETE FROM connectors WHERE id = $1",
    ] {
        sqlx::query(sql)
            .bind(id.as_str())
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    Ok(true)
}

#[async_trait]
impl ManagedStore for PostgresStore {
    async fn upsert_managed_repos(&self, repos: &[ManagedRepo]) -> Result<()> {
        // The last of repeated keys wins, as if written one after the other
        // (one statement cannot write a row twice).
        let mut rows: BTreeMap<(String, String), RepoRow<'_>> = BTreeMap::new();
        for r in repos {
            let row = RepoRow::new(r)?;
            rows.insert((row.org_key.clone(), row.repo_id.clone()), row);
        }
        let rows: Vec<RepoRow<'_>> = rows.into_values().collect();
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        for chunk in rows.chunks(CHUNK) {
            sqlx::query(
                "INSERT INTO managed_repos (org_key, org_name, repo_id, connector_id, project, project_id, \
                 name, remote_url, web_url, default_branch, size, target, state, archive_reason, full_scans, \
                 pr_scans, labels, scanned_tips, last_scan_id, last_scan_at, last_status, last_error, \
                 last_success_at, first_seen_at, updated_at) \
                 SELECT r.org_key, r.org_name, r.repo_id, r.connector_id, r.project, r.project_id, r.name, \
                 r.remote_url, r.web_url, r.default_branch, r.size, r.target, r.state, r.archive_reason, \
                 r.full_scans, r.pr_scans, r.labels, r.scanned_tips, r.last_scan_id, r.last_scan_at, \
                 r.last_status, r.last_error, r.last_success_at, r.first_seen_at, r.updated_at \
                 FROM jsonb_to_recordset($1) AS r (org_key text, org_name text, repo_id text, \
                 connector_id text, project text, project_id text, name text, remote_url text, web_url text, \
                 default_branch text, size bigint, target text, state text, archive_reason text, \
                 full_scans boolean, pr_scans boolean, labels jsonb, scanned_tips jsonb, last_scan_id text, \
                 last_scan_at bigint, last_status text, last_error text, last_success_at bigint, \
                 first_seen_at bigint, updated_at bigint) \
                 ON CONFLICT (org_key, repo_id) DO UPDATE SET org_name = excluded.org_name, \
                 connector_id = excluded.connector_id, project = excluded.project, \
                 project_id = excluded.project_id, name = excluded.name, remote_url = excluded.remote_url, \
                 web_url = excluded.web_url, default_branch = excluded.default_branch, size = excluded.size, \
                 target = excluded.target, state = excluded.state, archive_reason = excluded.archive_reason, \
                 full_scans = excluded.full_scans, pr_scans = excluded.pr_scans, labels = excluded.labels, \
                 scanned_tips = excluded.scanned_tips, last_scan_id = excluded.last_scan_id, \
                 last_scan_at = excluded.last_scan_at, last_status = excluded.last_status, \
                 last_error = excluded.last_error, last_success_at = excluded.last_success_at, \
                 first_seen_at = excluded.first_seen_at, updated_at = excluded.updated_at",
            )
            .bind(Json(chunk))
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn get_managed_repo(&self, org: &OrgName, repo_id: &str) -> Result<ManagedRepo> {
        let sql = format!("SELECT {REPO_COLS} FROM managed_repos WHERE org_key = $1 AND repo_id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(org.key())
            .bind(repo_id.to_ascii_lowercase())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?
            .ok_or_else(|| repo_not_found(org, repo_id))?;
        repo_from_row(&row)
    }

    async fn list_managed_repos(&self, filter: &ManagedRepoFilter) -> Result<Vec<ManagedRepo>> {
        let mut q =
            QueryBuilder::<Postgres>::new(format!("SELECT {REPO_COLS} FROM managed_repos WHERE 1 = 1"));
        if let Some(connector) = &filter.connector {
            q.push(" AND connector_id = ")
                .push_bind(connector.as_str().to_owned());
        }
        if let Some(org) = &filter.org {
            q.push(" AND org_key = ").push_bind(org.key());
        }
        if let Some(project) = &filter.project {
            q.push(" AND lower(project) = lower(")
                .push_bind(project.clone())
                .push(")");
        }
        if !filter.states.is_empty() {
            q.push(" AND state IN (");
            let mut list = q.separated(", ");
            for s in &filter.states {
                list.push_bind(s.as_str());
            }
            q.push(")");
        }
        if let Some(full) = filter.full_scans {
            q.push(" AND full_scans = ").push_bind(full);
        }
        if let Some(before) = filter.last_scan_before {
            q.push(" AND (last_scan_at IS NULL OR last_scan_at < ")
                .push_bind(before.millis())
                .push(")");
        }
        q.push(
            " ORDER BY org_key COLLATE \"C\", lower(project) COLLATE \"C\", lower(name) COLLATE \"C\", \
             repo_id COLLATE \"C\"",
        );
        if let Some(limit) = filter.limit {
            q.push(" LIMIT ").push_bind(i64::from(limit));
        }
        let rows = q.build().fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(repo_from_row).collect()
    }

    async fn record_repo_scan(
        &self,
        org: &OrgName,
        repo_id: &str,
        scan_id: &str,
        status: ScanStatus,
        tips: Option<&[String]>,
        error: Option<&str>,
        at: Timestamp,
    ) -> Result<()> {
        let success = is_success(status);
        let tips = tips.filter(|_| success);
        let done = sqlx::query(
            "UPDATE managed_repos SET last_scan_id = $3, last_scan_at = $4, last_status = $5, \
             last_error = $6, \
             last_success_at = CASE WHEN $7::jsonb IS NULL THEN last_success_at ELSE $4 END, \
             scanned_tips = coalesce($7::jsonb, scanned_tips), updated_at = $4 \
             WHERE org_key = $1 AND repo_id = $2",
        )
        .bind(org.key())
        .bind(repo_id.to_ascii_lowercase())
        .bind(scan_id)
        .bind(at.millis())
        .bind(status.as_str())
        .bind(if success { None } else { error })
        .bind(tips.map(Json))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(repo_not_found(org, repo_id));
        }
        Ok(())
    }

    async fn scan_settings(&self, connector: &ConnectorId) -> Result<ScanSettings> {
        let row = sqlx::query(
            "SELECT m.settings FROM connectors c LEFT JOIN connector_managed m ON m.connector_id = c.id \
             WHERE c.id = $1",
        )
        .bind(connector.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .ok_or_else(|| connector_not_found(connector.as_str()))?;
        let settings: Option<Json<ScanSettings>> = get(&row, "settings")?;
        Ok(settings.map(|s| s.0).unwrap_or_default())
    }

    async fn set_scan_settings(
        &self,
        connector: &ConnectorId,
        settings: &ScanSettings,
        at: Timestamp,
    ) -> Result<()> {
        let done = sqlx::query(
            "INSERT INTO connector_managed (connector_id, settings, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (connector_id) DO UPDATE SET settings = excluded.settings, \
             updated_at = excluded.updated_at",
        )
        .bind(connector.as_str())
        .bind(Json(settings))
        .bind(at.millis())
        .execute(&self.pool)
        .await;
        match done {
            Ok(_) => Ok(()),
            Err(e) if no_connector(&e) => Err(connector_not_found(connector.as_str())),
            Err(e) => Err(db_err(e)),
        }
    }

    async fn append_scan_log(&self, scan_id: &str, lines: &[LogLine]) -> Result<()> {
        if let Some(bad) = lines.iter().find(|l| !LOG_LEVELS.contains(&l.level.as_str())) {
            return Err(StoreError::Other(format!(
                "log level {:?} is not one of info, warn, error",
                bad.level
            )));
        }
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // Locking the scan row serializes appends to one log (and says
        // whether the scan exists).
        let locked = sqlx::query("SELECT 1 FROM scans WHERE id = $1 FOR NO KEY UPDATE")
            .bind(scan_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        if locked.is_none() {
            return Err(scan_not_found(scan_id));
        }
        if !lines.is_empty() {
            let at: Vec<i64> = lines.iter().map(|l| l.at.millis()).collect();
            let level: Vec<&str> = lines.iter().map(|l| l.level.as_str()).collect();
            let message: Vec<&str> = lines.iter().map(|l| l.message.as_str()).collect();
            sqlx::query(
                "INSERT INTO scan_logs (scan_id, seq, at, level, message) \
                 SELECT $1, (SELECT coalesce(max(seq), 0) FROM scan_logs WHERE scan_id = $1) + t.n, \
                 t.at, t.level, t.message \
                 FROM UNNEST($2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY AS t (at, level, message, n)",
            )
            .bind(scan_id)
            .bind(at)
            .bind(level)
            .bind(message)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn scan_log(&self, scan_id: &str) -> Result<Vec<LogLine>> {
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(db_err)?;
        let exists = sqlx::query("SELECT 1 FROM scans WHERE id = $1")
            .bind(scan_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        if exists.is_none() {
            return Err(scan_not_found(scan_id));
        }
        let rows = sqlx::query("SELECT at, level, message FROM scan_logs WHERE scan_id = $1 ORDER BY seq")
            .bind(scan_id)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        rows.iter()
            .map(|row| {
                Ok(LogLine {
                    at: get_ts(row, "at")?,
                    level: get(row, "level")?,
                    message: get(row, "message")?,
                })
            })
            .collect()
    }

    async fn repo_scans(&self, target: &str, limit: u32) -> Result<Vec<ScanSummary>> {
        let sql = format!(
            "SELECT {SCAN_COLS} FROM scans WHERE target = $1 AND context IS NOT NULL \
             ORDER BY started_at DESC, id DESC LIMIT $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(target)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(scan_from_row).collect()
    }

    async fn interrupt_job_scans(&self, job: &str, at: Timestamp) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE scans SET status = 'interrupted', finished_at = GREATEST(started_at, $2) \
             WHERE job_id = $1 AND status = 'running'",
        )
        .bind(job)
        .bind(at.millis())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn pr_state(&self, org: &OrgName, repo_id: &str, pr: i64) -> Result<PrState> {
        let row = sqlx::query("SELECT state FROM pr_states WHERE org_key = $1 AND repo_id = $2 AND pr = $3")
            .bind(org.key())
            .bind(repo_id.to_ascii_lowercase())
            .bind(pr)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        match row {
            Some(row) => Ok(get::<Json<PrState>>(&row, "state")?.0),
            None => Ok(PrState::default()),
        }
    }

    async fn set_pr_state(
        &self,
        org: &OrgName,
        repo_id: &str,
        pr: i64,
        state: &PrState,
        at: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO pr_states (org_key, repo_id, pr, state, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (org_key, repo_id, pr) DO UPDATE SET state = excluded.state, \
             updated_at = excluded.updated_at",
        )
        .bind(org.key())
        .bind(repo_id.to_ascii_lowercase())
        .bind(pr)
        .bind(Json(state))
        .bind(at.millis())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn record_delivery(
        &self,
        delivery_id: &str,
        at: Timestamp,
        forget_before: Timestamp,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        sqlx::query("DELETE FROM webhook_deliveries WHERE at < $1")
            .bind(forget_before.millis())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        let inserted = sqlx::query(
            "INSERT INTO webhook_deliveries (id, at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id",
        )
        .bind(delivery_id)
        .bind(at.millis())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(inserted.is_some())
    }

    async fn webhook_secret(&self, connector: &ConnectorId) -> Result<Option<Vec<u8>>> {
        let row = sqlx::query(
            "SELECT m.webhook_secret FROM connectors c \
             LEFT JOIN connector_managed m ON m.connector_id = c.id WHERE c.id = $1",
        )
        .bind(connector.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?
        .ok_or_else(|| connector_not_found(connector.as_str()))?;
        get(&row, "webhook_secret")
    }

    async fn set_webhook_secret(
        &self,
        connector: &ConnectorId,
        sealed: Option<&[u8]>,
        at: Timestamp,
    ) -> Result<()> {
        let done = sqlx::query(
            "INSERT INTO connector_managed (connector_id, webhook_secret, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (connector_id) DO UPDATE SET webhook_secret = excluded.webhook_secret, \
             updated_at = excluded.updated_at",
        )
        .bind(connector.as_str())
        .bind(sealed)
        .bind(at.millis())
        .execute(&self.pool)
        .await;
        match done {
            Ok(_) => Ok(()),
            Err(e) if no_connector(&e) => Err(connector_not_found(connector.as_str())),
            Err(e) => Err(db_err(e)),
        }
    }

    async fn set_subscriptions(&self, connector: &ConnectorId, subs: &[HookSubscription]) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // Locked so concurrent replacements of one connector's list queue.
        if !connector_exists(&mut tx, connector, "FOR NO KEY UPDATE").await? {
            return Err(connector_not_found(connector.as_str()));
        }
        sqlx::query("DELETE FROM hook_subscriptions WHERE connector_id = $1")
            .bind(connector.as_str())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        for s in subs {
            sqlx::query(
                "INSERT INTO hook_subscriptions (connector_id, id, org, event_type, project_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (connector_id, id) DO UPDATE SET \
                 org = excluded.org, event_type = excluded.event_type, project_id = excluded.project_id, \
                 created_at = excluded.created_at",
            )
            .bind(connector.as_str())
            .bind(&s.id)
            .bind(&s.org)
            .bind(&s.event_type)
            .bind(&s.project_id)
            .bind(s.created_at.millis())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn subscriptions(&self, connector: &ConnectorId) -> Result<Vec<HookSubscription>> {
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(db_err)?;
        if !connector_exists(&mut tx, connector, "").await? {
            return Err(connector_not_found(connector.as_str()));
        }
        let rows = sqlx::query(
            "SELECT id, org, event_type, project_id, created_at FROM hook_subscriptions \
             WHERE connector_id = $1 ORDER BY created_at, id COLLATE \"C\"",
        )
        .bind(connector.as_str())
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        rows.iter()
            .map(|row| {
                Ok(HookSubscription {
                    id: get(row, "id")?,
                    org: get(row, "org")?,
                    event_type: get(row, "event_type")?,
                    project_id: get(row, "project_id")?,
                    created_at: get_ts(row, "created_at")?,
                })
            })
            .collect()
    }

    async fn scan_stats(&self, connector: &ConnectorId, since: Timestamp) -> Result<ScanStats> {
        // One snapshot for the three queries.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(db_err)?;
        if !connector_exists(&mut tx, connector, "").await? {
            return Err(connector_not_found(connector.as_str()));
        }
        let repos = sqlx::query(
            "SELECT count(*) FILTER (WHERE state = 'enabled') AS enabled, \
             count(*) FILTER (WHERE state = 'offered') AS offered, \
             count(*) FILTER (WHERE state = 'archived') AS archived, \
             count(*) FILTER (WHERE state = 'enabled' AND last_success_at IS NOT NULL) AS scanned \
             FROM managed_repos WHERE connector_id = $1",
        )
        .bind(connector.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        let scans = sqlx::query(
            "SELECT count(*) AS finished, \
             count(*) FILTER (WHERE status IN ('completed', 'completed-with-errors')) AS succeeded, \
             coalesce(sum(bytes), 0)::bigint AS bytes \
             FROM scans WHERE connector_id = $1 AND finished_at >= $2",
        )
        .bind(connector.as_str())
        .bind(since.millis())
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        let failures = sqlx::query(
            "SELECT id, finished_at, coalesce(context ->> 'repo_name', '') AS repo_name, \
             coalesce(errors -> 0 ->> 'message', '') AS error \
             FROM scans WHERE connector_id = $1 AND finished_at >= $2 \
             AND status IN ('failed', 'interrupted') ORDER BY finished_at DESC, id DESC LIMIT $3",
        )
        .bind(connector.as_str())
        .bind(since.millis())
        .bind(LAST_FAILURES)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(ScanStats {
            repos_enabled: get_u64(&repos, "enabled")?,
            repos_offered: get_u64(&repos, "offered")?,
            repos_archived: get_u64(&repos, "archived")?,
            repos_scanned: get_u64(&repos, "scanned")?,
            scans_finished: get_u64(&scans, "finished")?,
            scans_succeeded: get_u64(&scans, "succeeded")?,
            bytes_scanned: get_u64(&scans, "bytes")?,
            last_failures: failures
                .iter()
                .map(|row| {
                    Ok((
                        get(row, "repo_name")?,
                        get(row, "id")?,
                        get_ts(row, "finished_at")?,
                        get(row, "error")?,
                    ))
                })
                .collect::<Result<_>>()?,
        })
    }

    async fn revoke_connector(&self, connector: &ConnectorId, at: Timestamp) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        if !remove_connector(&mut tx, connector, at).await? {
            return Err(connector_not_found(connector.as_str()));
        }
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }
}
