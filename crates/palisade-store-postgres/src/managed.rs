//! Managed-scan state in `PostgreSQL`: managed repositories, connector scan
//! settings and webhook secrets, scan logs, pull-request comment state,
//! webhook deliveries, service-hook subscriptions and revoking a connector.
//!
//! Managed repositories are keyed by lowercase organization and repository
//! id, with no foreign key to their connector: removing a connector archives
//! them (see [`remove_connector`]) instead of cascading. Batches are written
//! as one JSON array (`jsonb_to_recordset`) or arrays (`UNNEST`), so a
//! thousand repositories are one statement.

use async_trait::async_trait;
use palisade_domain::{OrgName, ScanSettings, ScanStatus, ScanSummary, Timestamp};
use palisade_store::rows::{self, REPO_COLS};
use palisade_store::{
    ConnectorId, HookSubscription, JobId, LogLine, ManagedRepo, ManagedRepoFilter, ManagedStore, PrState,
    Result, ScanStats, ScannedUpTo, check_log_lines, connector_not_found, repo_not_found, scan_not_found,
    scan_outcome,
};
use sqlx::postgres::{PgConnection, PgPool, PgRow};
use sqlx::types::Json;
use sqlx::{Encode, Postgres, QueryBuilder, Transaction, Type};

use crate::jobs::cancel_connector_jobs;
use crate::{Columns, PostgresStore, SCAN_COLS, db_err, get, push_in, scan_from_row};

/// Rows per statement when writing managed repositories.
const CHUNK: usize = 1_000;

/// How many recent failures [`ManagedStore::scan_stats`] reports.
const LAST_FAILURES: i64 = 5;

/// Whether a write referenced a connector that does not exist.
fn no_connector(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_foreign_key_violation())
}

/// A read-only transaction on one snapshot.
async fn snapshot(pool: &PgPool) -> Result<Transaction<'static, Postgres>> {
    pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .map_err(db_err)
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

/// [`connector_exists`], or not found.
async fn require_connector(conn: &mut PgConnection, id: &ConnectorId, lock: &str) -> Result<()> {
    if connector_exists(conn, id, lock).await? {
        Ok(())
    } else {
        Err(connector_not_found(id.as_str()))
    }
}

/// Refuses an unknown scan; with `lock`, its row is locked until the
/// transaction ends.
async fn require_scan(conn: &mut PgConnection, scan_id: &str, lock: &str) -> Result<()> {
    let sql = format!("SELECT 1 FROM scans WHERE id = $1 {lock}");
    let found = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(scan_id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    found.map(|_| ()).ok_or_else(|| scan_not_found(scan_id))
}

/// The connector's row of `connector_managed` (its `column`, NULL when it
/// has none yet); not found for an unknown connector.
async fn managed_row(pool: &PgPool, connector: &ConnectorId, column: &str) -> Result<PgRow> {
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
    pool: &PgPool,
    connector: &ConnectorId,
    column: &str,
    value: T,
    at: Timestamp,
) -> Result<()>
where
    T: Encode<'v, Postgres> + Type<Postgres> + Send,
{
    let sql = format!(
        "INSERT INTO connector_managed (connector_id, {column}, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (connector_id) DO UPDATE SET {column} = excluded.{column}, \
         updated_at = excluded.updated_at"
    );
    let done = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(connector.as_str())
        .bind(value)
        .bind(at.millis())
        .execute(pool)
        .await;
    match done {
        Ok(_) => Ok(()),
        Err(e) if no_connector(&e) => Err(connector_not_found(connector.as_str())),
        Err(e) => Err(db_err(e)),
    }
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
        let batch = rows::managed_repo_rows(repos)?;
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        for chunk in batch.chunks(CHUNK) {
            sqlx::query(
                "INSERT INTO managed_repos (org_key, org_name, repo_id, connector_id, project, project_id, \
                 name, remote_url, web_url, default_branch, size, target, state, archive_reason, full_scans, \
                 pr_scans, labels, scanned_tips, scanned_rules, last_scan_id, last_scan_at, last_status, \
                 last_error, last_success_at, first_seen_at, updated_at) \
                 SELECT r.org_key, r.org_name, r.repo_id, r.connector_id, r.project, r.project_id, r.name, \
                 r.remote_url, r.web_url, r.default_branch, r.size, r.target, r.state, r.archive_reason, \
                 r.full_scans, r.pr_scans, r.labels, r.scanned_tips, r.scanned_rules, r.last_scan_id, r.last_scan_at, \
                 r.last_status, r.last_error, r.last_success_at, r.first_seen_at, r.updated_at \
                 FROM jsonb_to_recordset($1) AS r (org_key text, org_name text, repo_id text, \
                 connector_id text, project text, project_id text, name text, remote_url text, web_url text, \
                 default_branch text, size bigint, target text, state text, archive_reason text, \
                 full_scans boolean, pr_scans boolean, labels jsonb, scanned_tips jsonb, scanned_rules text, \
                 last_scan_id text, \
                 last_scan_at bigint, last_status text, last_error text, last_success_at bigint, \
                 first_seen_at bigint, updated_at bigint) \
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
        rows::managed_repo(&Columns(&row))
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
        q.push(
            " ORDER BY org_key COLLATE \"C\", lower(project) COLLATE \"C\", lower(name) COLLATE \"C\", \
             repo_id COLLATE \"C\"",
        );
        if let Some(limit) = filter.limit {
            q.push(" LIMIT ").push_bind(i64::from(limit));
        }
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
        let done = sqlx::query(
            "UPDATE managed_repos SET last_scan_id = $3, last_scan_at = $4, last_status = $5, \
             last_error = $6, \
             last_success_at = CASE WHEN $7::jsonb IS NULL THEN last_success_at ELSE $4 END, \
             scanned_tips = coalesce($7::jsonb, scanned_tips), \
             scanned_rules = CASE WHEN $7::jsonb IS NULL THEN scanned_rules ELSE $8 END, updated_at = $4 \
             WHERE org_key = $1 AND repo_id = $2",
        )
        .bind(org.key())
        .bind(repo_id.to_ascii_lowercase())
        .bind(scan_id)
        .bind(at.millis())
        .bind(status.as_str())
        .bind(error)
        .bind(read.map(|r| Json(r.tips)))
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
        set_managed(&self.pool, connector, "settings", Json(settings), at).await
    }

    async fn append_scan_log(&self, scan_id: &str, lines: &[LogLine]) -> Result<()> {
        check_log_lines(lines)?;
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // Locking the scan row serializes appends to one log (and says
        // whether the scan exists).
        require_scan(&mut tx, scan_id, "FOR NO KEY UPDATE").await?;
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
        let mut tx = snapshot(&self.pool).await?;
        require_scan(&mut tx, scan_id, "").await?;
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
        .bind(Json(state))
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
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO pr_states (org_key, repo_id, pr, state, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (org_key, repo_id, pr) DO NOTHING",
        )
        .bind(&org_key)
        .bind(&repo_id)
        .bind(pr)
        .bind(Json(PrState::default()))
        .bind(at.millis())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        // Claimers queue on the row lock here. The check runs in the next
        // statement, whose READ COMMITTED snapshot is taken after the lock:
        // it sees the claim the previous holder committed and that holder's
        // lease. In one statement, a snapshot older than the holder's lease
        // would see its job still queued and take the claim from it.
        sqlx::query("SELECT 1 FROM pr_states WHERE org_key = $1 AND repo_id = $2 AND pr = $3 FOR UPDATE")
            .bind(&org_key)
            .bind(&repo_id)
            .bind(pr)
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
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        // Locked so concurrent replacements of one connector's list queue.
        require_connector(&mut tx, connector, "FOR NO KEY UPDATE").await?;
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
        let mut tx = snapshot(&self.pool).await?;
        require_connector(&mut tx, connector, "").await?;
        let subs = sqlx::query(
            "SELECT id, org, event_type, project_id, created_at FROM hook_subscriptions \
             WHERE connector_id = $1 ORDER BY created_at, id COLLATE \"C\"",
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
        let mut tx = snapshot(&self.pool).await?;
        require_connector(&mut tx, connector, "").await?;
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
        rows::scan_stats(&Columns(&repos), &Columns(&scans), failures.iter().map(Columns))
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
