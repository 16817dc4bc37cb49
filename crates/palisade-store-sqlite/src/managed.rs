//! Managed-scan state in `SQLite`: managed repositories, connector scan
//! settings and webhook secrets, scan logs, pull-request comment state,
//! webhook deliveries, service-hook subscriptions and revoking a connector.
//!
//! Managed repositories are keyed by lowercase organization and repository
//! id, with no foreign key to their connector: removing a connector archives
//! them (see [`remove_connector`]) instead of cascading.

use async_trait::async_trait;
use palisade_domain::{OrgName, ScanSettings, ScanStatus, ScanSummary, Timestamp};
use palisade_store::rows::{self, REPO_COLS};
use palisade_store::{
    ConnectorId, HookSubscription, JobId, LogLine, ManagedRepo, ManagedRepoFilter, ManagedStore, PrState,
    Result, ScanStats, ScannedUpTo, StoreError, check_log_lines, connector_not_found, repo_not_found,
    scan_not_found, scan_outcome,
};
use serde::Serialize;
use sqlx::sqlite::SqliteRow;
use sqlx::{Encode, QueryBuilder, Sqlite, SqliteConnection, SqlitePool, Type};

use crate::inventory::json_array;
use crate::jobs::cancel_connector_jobs;
use crate::{Columns, SCAN_COLS, SqliteStore, db_err, get, push_in, scan_from_row};

/// Rows per statement when writing managed repositories.
const CHUNK: usize = 1_000;

/// How many recent failures [`ManagedStore::scan_stats`] reports.
const LAST_FAILURES: i64 = 5;

fn encode<T: Serialize + ?Sized>(what: &str, v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Other(format!("cannot encode {what}: {e}")))
}

async fn connector_exists(conn: &mut SqliteConnection, id: &ConnectorId) -> Result<bool> {
    Ok(sqlx::query("SELECT 1 FROM connectors WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?
        .is_some())
}

/// [`connector_exists`], or not found.
async fn require_connector(conn: &mut SqliteConnection, id: &ConnectorId) -> Result<()> {
    if connector_exists(conn, id).await? {
        Ok(())
    } else {
        Err(connector_not_found(id.as_str()))
    }
}

/// Refuses an unknown scan.
async fn require_scan(conn: &mut SqliteConnection, scan_id: &str) -> Result<()> {
    let found = sqlx::query("SELECT 1 FROM scans WHERE id = $1")
        .bind(scan_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    found.map(|_| ()).ok_or_else(|| scan_not_found(scan_id))
}

/// The connector's row of `connector_managed` (its `column`, NULL when it
/// has none yet); not found for an unknown connector.
async fn managed_row(pool: &SqlitePool, connector: &ConnectorId, column: &str) -> Result<SqliteRow> {
    let sql = format!(
        "SELECT m.{column} FROM connectors c LEFT JOIN connector_managed m ON m.connector_id = c.id \
         WHERE c.id = $1"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(connector.as_str())
        .fetch_optional(pool)
        .await
        .map_err(db_err)?
        .ok_or_else(|| connector_not_found(connector.as_str()))
}

/// Sets one column of the connector's row of `connector_managed`.
async fn set_managed<'v, T>(
    pool: &SqlitePool,
    connector: &ConnectorId,
    column: &str,
    value: T,
    at: Timestamp,
) -> Result<()>
where
    T: Encode<'v, Sqlite> + Type<Sqlite> + Send,
{
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
    require_connector(&mut tx, connector).await?;
    let sql = format!(
        "INSERT INTO connector_managed (connector_id, {column}, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (connector_id) DO UPDATE SET {column} = excluded.{column}, \
         updated_at = excluded.updated_at"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(connector.as_str())
        .bind(value)
        .bind(at.millis())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    tx.commit().await.map_err(db_err)?;
    Ok(())
}

/// Removes a connector the way revoking does, inside the caller's write
/// transaction: its managed repositories archived (`revoked`, connector
/// cleared), its queued and running jobs cancelled, its webhook secret,
/// subscriptions and credential destroyed, then the connector deleted with
/// its inventory and discovery runs (they cascade). Findings, triage, scans
/// and jobs are kept. `false` (and no change) for an unknown connector.
pub(crate) async fn remove_connector(
    conn: &mut SqliteConnection,
    id: &ConnectorId,
    at: Timestamp,
) -> Result<bool> {
    if !connector_exists(conn, id).await? {
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
    // These cascade from the connector too; deleted here so revoking does
    // not depend on foreign keys being enforced.
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
impl ManagedStore for SqliteStore {
    async fn upsert_managed_repos(&self, repos: &[ManagedRepo]) -> Result<()> {
        let batch = rows::managed_repo_rows(repos)?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        for chunk in batch.chunks(CHUNK) {
            sqlx::query(
                "INSERT INTO managed_repos (org_key, org_name, repo_id, connector_id, project, project_id, \
                 name, remote_url, web_url, default_branch, size, target, state, archive_reason, full_scans, \
                 pr_scans, labels, scanned_tips, scanned_rules, last_scan_id, last_scan_at, last_status, \
                 last_error, last_success_at, first_seen_at, updated_at) \
                 SELECT v ->> 'org_key', v ->> 'org_name', v ->> 'repo_id', v ->> 'connector_id', \
                 v ->> 'project', v ->> 'project_id', v ->> 'name', v ->> 'remote_url', v ->> 'web_url', \
                 v ->> 'default_branch', v ->> 'size', v ->> 'target', v ->> 'state', v ->> 'archive_reason', \
                 v ->> 'full_scans', v ->> 'pr_scans', v -> 'labels', v -> 'scanned_tips', \
                 v ->> 'scanned_rules', v ->> 'last_scan_id', v ->> 'last_scan_at', v ->> 'last_status', v ->> 'last_error', \
                 v ->> 'last_success_at', v ->> 'first_seen_at', v ->> 'updated_at' \
                 FROM (SELECT j.value AS v FROM json_each($1) j) WHERE true \
                 ON CONFLICT (org_key, repo_id) DO UPDATE SET org_name = excluded.org_name, \
                 connector_id = excluded.connector_id, project = excluded.project, \
                 project_id = excluded.project_id, name = excluded.name, remote_url = excluded.remote_url, \
                 web_url = excluded.web_url, default_branch = excluded.default_branch, size = excluded.size, \
                 target = excluded.target, state = excluded.state, archive_reason = excluded.archive_reason, \
                 full_scans = excluded.full_scans, pr_scans = excluded.pr_scans, labels = excluded.labels, \
                 scanned_tips = excluded.scanned_tips, scanned_rules = excluded.scanned_rules, \
                 last_scan_id = excluded.last_scan_id, \
                 last_scan_at = excluded.last_scan_at, last_status = excluded.last_status, \
                 last_error = excluded.last_error, last_success_at = excluded.last_success_at, \
                 first_seen_at = excluded.first_seen_at, updated_at = excluded.updated_at",
            )
            .bind(json_array(chunk)?)
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
        rows::managed_repo(&Columns(&row))
    }

    async fn list_managed_repos(&self, filter: &ManagedRepoFilter) -> Result<Vec<ManagedRepo>> {
        let mut q = QueryBuilder::<Sqlite>::new(format!("SELECT {REPO_COLS} FROM managed_repos WHERE 1 = 1"));
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
            push_in(&mut q, "state", filter.states.iter().map(|s| s.as_str()));
        }
        if let Some(full) = filter.full_scans {
            q.push(" AND full_scans = ").push_bind(full);
        }
        if let Some(before) = filter.last_scan_before {
            q.push(" AND (last_scan_at IS NULL OR last_scan_at < ")
                .push_bind(before.millis())
                .push(")");
        }
        q.push(" ORDER BY org_key, lower(project), lower(name), repo_id LIMIT ")
            .push_bind(filter.limit.map_or(-1, i64::from));
        let found = q.build().fetch_all(&self.pool).await.map_err(db_err)?;
        found
            .iter()
            .map(|row| rows::managed_repo(&Columns(row)))
            .collect()
    }

    async fn record_repo_scan(
        &self,
        org: &OrgName,
        repo_id: &str,
        scan_id: &str,
        status: ScanStatus,
        read: Option<ScannedUpTo<'_>>,
        error: Option<&str>,
        at: Timestamp,
    ) -> Result<()> {
        let (read, error) = scan_outcome(status, read, error);
        let tips = read.map(|r| json_array(r.tips)).transpose()?;
        let done = sqlx::query(
            "UPDATE managed_repos SET last_scan_id = $3, last_scan_at = $4, last_status = $5, \
             last_error = $6, \
             last_success_at = CASE WHEN $7 IS NULL THEN last_success_at ELSE $4 END, \
             scanned_tips = coalesce($7, scanned_tips), \
             scanned_rules = CASE WHEN $7 IS NULL THEN scanned_rules ELSE $8 END, updated_at = $4 \
             WHERE org_key = $1 AND repo_id = $2",
        )
        .bind(org.key())
        .bind(repo_id.to_ascii_lowercase())
        .bind(scan_id)
        .bind(at.millis())
        .bind(status.as_str())
        .bind(error)
        .bind(tips)
        .bind(read.map(|r| r.rules_version))
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(repo_not_found(org, repo_id));
        }
        Ok(())
    }

    async fn scan_settings(&self, connector: &ConnectorId) -> Result<ScanSettings> {
        let row = managed_row(&self.pool, connector, "settings").await?;
        rows::scan_settings(&Columns(&row))
    }

    async fn set_scan_settings(
        &self,
        connector: &ConnectorId,
        settings: &ScanSettings,
        at: Timestamp,
    ) -> Result<()> {
        let json = encode("the scan settings", settings)?;
        set_managed(&self.pool, connector, "settings", json, at).await
    }

    async fn append_scan_log(&self, scan_id: &str, lines: &[LogLine]) -> Result<()> {
        #[derive(Serialize)]
        struct Line<'a> {
            at: i64,
            level: &'a str,
            message: &'a str,
        }
        check_log_lines(lines)?;
        let lines: Vec<Line<'_>> = lines
            .iter()
            .map(|l| Line {
                at: l.at.millis(),
                level: &l.level,
                message: &l.message,
            })
            .collect();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        require_scan(&mut tx, scan_id).await?;
        if !lines.is_empty() {
            let last: i64 = get(
                &sqlx::query("SELECT coalesce(max(seq), 0) AS last FROM scan_logs WHERE scan_id = $1")
                    .bind(scan_id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_err)?,
                "last",
            )?;
            sqlx::query(
                "INSERT INTO scan_logs (scan_id, seq, at, level, message) \
                 SELECT $1, $2 + j.key + 1, j.value ->> 'at', j.value ->> 'level', j.value ->> 'message' \
                 FROM json_each($3) j",
            )
            .bind(scan_id)
            .bind(last)
            .bind(json_array(&lines)?)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn scan_log(&self, scan_id: &str) -> Result<Vec<LogLine>> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        require_scan(&mut tx, scan_id).await?;
        let lines = sqlx::query("SELECT at, level, message FROM scan_logs WHERE scan_id = $1 ORDER BY seq")
            .bind(scan_id)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        lines.iter().map(|row| rows::log_line(&Columns(row))).collect()
    }

    async fn repo_scans(&self, target: &str, limit: u32) -> Result<Vec<ScanSummary>> {
        let sql = format!(
            "SELECT {SCAN_COLS} FROM scans WHERE target = $1 AND context IS NOT NULL \
             ORDER BY started_at DESC, id DESC LIMIT $2"
        );
        let scans = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(target)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        scans.iter().map(scan_from_row).collect()
    }

    async fn interrupt_job_scans(&self, job: &str, at: Timestamp) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE scans SET status = 'interrupted', finished_at = max(started_at, $2) \
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
        rows::pr_state(row.as_ref().map(Columns))
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
        .bind(encode("the pull request state", state)?)
        .bind(at.millis())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn claim_pr(
        &self,
        org: &OrgName,
        repo_id: &str,
        pr: i64,
        job: &JobId,
        at: Timestamp,
    ) -> Result<bool> {
        let (org_key, repo_id) = (org.key(), repo_id.to_ascii_lowercase());
        // The write lock up front: no other claimer reads between our check and our write.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO pr_states (org_key, repo_id, pr, state, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (org_key, repo_id, pr) DO NOTHING",
        )
        .bind(&org_key)
        .bind(&repo_id)
        .bind(pr)
        .bind(encode("the pull request state", &PrState::default())?)
        .bind(at.millis())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        // `>=`: the queue re-leases a job only once `lease_expires_at < at`,
        // so the claim lapses exactly when the lease does.
        let claimed = sqlx::query(
            "UPDATE pr_states SET claim_job = $4 WHERE org_key = $1 AND repo_id = $2 AND pr = $3 \
             AND (claim_job IS NULL OR claim_job = $4 OR NOT EXISTS (SELECT 1 FROM jobs j \
             WHERE j.id = pr_states.claim_job AND j.state = 'running' AND j.lease_expires_at >= $5))",
        )
        .bind(&org_key)
        .bind(&repo_id)
        .bind(pr)
        .bind(job.as_str())
        .bind(at.millis())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(claimed.rows_affected() == 1)
    }

    async fn record_delivery(
        &self,
        delivery_id: &str,
        at: Timestamp,
        forget_before: Timestamp,
    ) -> Result<bool> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
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

    async fn forget_delivery(&self, delivery_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM webhook_deliveries WHERE id = $1")
            .bind(delivery_id)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn webhook_secret(&self, connector: &ConnectorId) -> Result<Option<Vec<u8>>> {
        let row = managed_row(&self.pool, connector, "webhook_secret").await?;
        get(&row, "webhook_secret")
    }

    async fn set_webhook_secret(
        &self,
        connector: &ConnectorId,
        sealed: Option<&[u8]>,
        at: Timestamp,
    ) -> Result<()> {
        set_managed(&self.pool, connector, "webhook_secret", sealed, at).await
    }

    async fn set_subscriptions(&self, connector: &ConnectorId, subs: &[HookSubscription]) -> Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        require_connector(&mut tx, connector).await?;
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
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        require_connector(&mut tx, connector).await?;
        let subs = sqlx::query(
            "SELECT id, org, event_type, project_id, created_at FROM hook_subscriptions \
             WHERE connector_id = $1 ORDER BY created_at, id",
        )
        .bind(connector.as_str())
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        subs.iter()
            .map(|row| rows::hook_subscription(&Columns(row)))
            .collect()
    }

    async fn scan_stats(&self, connector: &ConnectorId, since: Timestamp) -> Result<ScanStats> {
        // One snapshot for the three queries.
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        require_connector(&mut tx, connector).await?;
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
             coalesce(sum(bytes), 0) AS bytes \
             FROM scans WHERE connector_id = $1 AND finished_at >= $2",
        )
        .bind(connector.as_str())
        .bind(since.millis())
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        let failures = sqlx::query(
            "SELECT id, finished_at, coalesce(context ->> '$.repo_name', '') AS repo_name, \
             coalesce(errors ->> '$[0].message', '') AS error \
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
        rows::scan_stats(&Columns(&repos), &Columns(&scans), failures.iter().map(Columns))
    }

    async fn revoke_connector(&self, connector: &ConnectorId, at: Timestamp) -> Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        if !remove_connector(&mut tx, connector, at).await? {
            return Err(connector_not_found(connector.as_str()));
        }
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }
}
