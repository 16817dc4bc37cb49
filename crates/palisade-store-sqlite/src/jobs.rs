//! The job queue in `SQLite`.
//!
//! Every write that reads before it writes (enqueue, lease, retry) takes the
//! write lock up front (`BEGIN IMMEDIATE`): two callers can never both see a
//! job as due and both lease it, nor both enqueue one dedup key. The partial
//! unique index on active dedup keys stays as the last word anyway. The
//! fencing writes (heartbeat, complete, fail) are guarded by id, lease token
//! and state. What happens to a job (expired lease, failed attempt) is decided
//! by `palisade_store`, as for every backend.

use std::time::Duration;

use async_trait::async_trait;
use palisade_domain::Timestamp;
use palisade_store::rows::JOB_COLS;
use palisade_store::{
    CancelSelector, ConnectorId, DueJob, ENQUEUE_TRIES, FailOutcome, Job, JobFilter, JobId, JobQueue,
    JobState, Lease, LeaseToken, NewJob, Result, StoreError, check_retry, enqueue_gave_up, job_not_found,
    lease_end, retry_blocked, rows,
};
use sqlx::query::Query;
use sqlx::sqlite::SqliteArguments;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::inventory::{json_array, raced};
use crate::{Columns, SqliteStore, db_err, push_in};

async fn fetch_job(conn: &mut SqliteConnection, id: &JobId) -> Result<Option<Job>> {
    let sql = format!("SELECT {JOB_COLS} FROM jobs WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    row.as_ref().map(|row| rows::job(&Columns(row))).transpose()
}

/// The queued or running job holding `dedup_key`, if any.
async fn active_with_key(conn: &mut SqliteConnection, dedup_key: &str) -> Result<Option<(JobId, JobState)>> {
    let row = sqlx::query(
        "SELECT id, state FROM jobs WHERE dedup_key = $1 AND state IN ('queued', 'running') LIMIT 1",
    )
    .bind(dedup_key)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_err)?;
    row.as_ref()
        .map(|row| rows::job_id_and_state(&Columns(row)))
        .transpose()
}

/// After a fencing write changed nothing: [`StoreError::NotFound`] for an
/// unknown job, `Ok(())` for a known one whose lease the token no longer holds.
async fn known(conn: &mut SqliteConnection, id: &JobId) -> Result<()> {
    let exists = sqlx::query("SELECT 1 FROM jobs WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    if exists.is_none() {
        return Err(job_not_found(id));
    }
    Ok(())
}

/// Runs a fencing write on `job`: `false` when it changed nothing because the
/// token no longer holds the lease.
async fn fenced(
    conn: &mut SqliteConnection,
    job: &JobId,
    write: Query<'_, Sqlite, SqliteArguments>,
) -> Result<bool> {
    let done = write.execute(&mut *conn).await.map_err(db_err)?;
    if done.rows_affected() == 0 {
        known(conn, job).await?;
        return Ok(false);
    }
    Ok(true)
}

/// Cancels the queued and running jobs of `connector` (part of revoking it).
pub(crate) async fn cancel_connector_jobs(
    conn: &mut SqliteConnection,
    connector: &ConnectorId,
    at: Timestamp,
) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'cancelled', finished_at = $2, updated_at = $2, lease_token = NULL, \
         lease_expires_at = NULL WHERE connector_id = $1 AND state IN ('queued', 'running')",
    )
    .bind(connector.as_str())
    .bind(at.millis())
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(done.rows_affected())
}

#[async_trait]
impl JobQueue for SqliteStore {
    async fn enqueue(&self, job: &NewJob, at: Timestamp) -> Result<(JobId, bool)> {
        job.check()?;
        let payload = serde_json::to_string(&job.payload)
            .map_err(|e| StoreError::Other(format!("cannot encode the job payload: {e}")))?;
        for _ in 0..ENQUEUE_TRIES {
            let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
            if let Some(key) = &job.dedup_key
                && let Some((existing, _)) = active_with_key(&mut tx, key).await?
            {
                tx.commit().await.map_err(db_err)?;
                return Ok((existing, false));
            }
            let id = JobId::generate();
            let inserted = sqlx::query(
                "INSERT INTO jobs (id, kind, payload, dedup_key, priority, state, attempts, max_attempts, \
                 run_after, connector_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $7, $8, $9, $9)",
            )
            .bind(id.as_str())
            .bind(&job.kind)
            .bind(&payload)
            .bind(job.dedup_key.as_deref())
            .bind(i64::from(job.priority))
            .bind(i64::from(job.max_attempts))
            .bind(job.run_after.millis())
            .bind(job.connector.as_ref().map(ConnectorId::as_str))
            .bind(at.millis())
            .execute(&mut *tx)
            .await;
            match inserted {
                Ok(_) => {
                    tx.commit().await.map_err(db_err)?;
                    return Ok((id, true));
                }
                // Another writer got the key first: look it up again.
                Err(e) if raced(&e) => {}
                Err(e) => return Err(db_err(e)),
            }
        }
        Err(enqueue_gave_up(job))
    }

    async fn lease_job(
        &self,
        worker: &str,
        kinds: &[&str],
        lease_for: Duration,
        at: Timestamp,
    ) -> Result<Option<Lease>> {
        let kinds = json_array(kinds)?;
        let at_ms = at.millis();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        loop {
            let row = sqlx::query(
                "SELECT id, state, attempts, max_attempts FROM jobs \
                 WHERE ((state = 'queued' AND run_after <= $1) OR (state = 'running' AND lease_expires_at < $1)) \
                 AND ($2 = '[]' OR kind IN (SELECT value FROM json_each($2))) \
                 ORDER BY priority DESC, run_after, created_at, id LIMIT 1",
            )
            .bind(at_ms)
            .bind(&kinds)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
            let Some(row) = row else {
                // Jobs marked dead on the way are kept.
                tx.commit().await.map_err(db_err)?;
                return Ok(None);
            };
            let (id, due) = rows::due_job(&Columns(&row))?;
            let lost = match due {
                DueJob::Dead { last_error } => {
                    sqlx::query(
                        "UPDATE jobs SET state = 'dead', lease_token = NULL, lease_expires_at = NULL, \
                         finished_at = $2, updated_at = $2, last_error = $3 WHERE id = $1",
                    )
                    .bind(id.as_str())
                    .bind(at_ms)
                    .bind(last_error)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
                    continue;
                }
                DueJob::Lease { lost } => lost,
            };
            let token = LeaseToken::generate();
            let sql = format!(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $2, \
                 lease_token = $3, lease_expires_at = $4, updated_at = $5, \
                 last_error = coalesce($6, last_error) WHERE id = $1 RETURNING {JOB_COLS}"
            );
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id.as_str())
                .bind(worker)
                .bind(token.as_str())
                .bind(lease_end(at, lease_for).millis())
                .bind(at_ms)
                .bind(lost)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
            let job = rows::job(&Columns(&row))?;
            tx.commit().await.map_err(db_err)?;
            return Ok(Some(Lease { job, token }));
        }
    }

    async fn heartbeat(&self, job: &JobId, token: &LeaseToken, until: Timestamp) -> Result<bool> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        let write = sqlx::query(
            "UPDATE jobs SET lease_expires_at = $3 WHERE id = $1 AND lease_token = $2 AND state = 'running'",
        )
        .bind(job.as_str())
        .bind(token.as_str())
        .bind(until.millis());
        fenced(&mut conn, job, write).await
    }

    async fn complete_job(&self, job: &JobId, token: &LeaseToken, at: Timestamp) -> Result<bool> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        let write = sqlx::query(
            "UPDATE jobs SET state = 'succeeded', lease_token = NULL, lease_expires_at = NULL, \
             finished_at = $3, updated_at = $3 WHERE id = $1 AND lease_token = $2 AND state = 'running'",
        )
        .bind(job.as_str())
        .bind(token.as_str())
        .bind(at.millis());
        fenced(&mut conn, job, write).await
    }

    async fn fail_job(
        &self,
        job: &JobId,
        token: &LeaseToken,
        error: &str,
        retry_at: Option<Timestamp>,
        at: Timestamp,
    ) -> Result<FailOutcome> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        let leased = sqlx::query(
            "SELECT attempts, max_attempts FROM jobs WHERE id = $1 AND lease_token = $2 AND state = 'running'",
        )
        .bind(job.as_str())
        .bind(token.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
        let Some(row) = leased else {
            known(&mut conn, job).await?;
            return Ok(FailOutcome::LeaseLost);
        };
        let next = rows::after_failure(&Columns(&row), retry_at, at)?;
        // Attempts change only with a new lease token: if the write below
        // finds this token still holding the lease, the decision was made on
        // the attempt it ends.
        let write = sqlx::query(
            "UPDATE jobs SET state = $3, run_after = coalesce($4, run_after), finished_at = $5, \
             last_error = $6, lease_token = NULL, lease_expires_at = NULL, updated_at = $7 \
             WHERE id = $1 AND lease_token = $2 AND state = 'running'",
        )
        .bind(job.as_str())
        .bind(token.as_str())
        .bind(next.state.as_str())
        .bind(next.run_after.map(Timestamp::millis))
        .bind(next.finished_at.map(Timestamp::millis))
        .bind(error)
        .bind(at.millis());
        Ok(if fenced(&mut conn, job, write).await? {
            next.outcome
        } else {
            FailOutcome::LeaseLost
        })
    }

    async fn cancel_jobs(&self, which: &CancelSelector, at: Timestamp) -> Result<u64> {
        match which {
            CancelSelector::Ids(ids) => {
                let ids: Vec<&str> = ids.iter().map(JobId::as_str).collect();
                let done = sqlx::query(
                    "UPDATE jobs SET state = 'cancelled', finished_at = $2, updated_at = $2, \
                     lease_token = NULL, lease_expires_at = NULL \
                     WHERE id IN (SELECT value FROM json_each($1)) AND state IN ('queued', 'running')",
                )
                .bind(json_array(&ids)?)
                .bind(at.millis())
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
                Ok(done.rows_affected())
            }
            CancelSelector::Connector(connector) => {
                let mut conn = self.pool.acquire().await.map_err(db_err)?;
                cancel_connector_jobs(&mut conn, connector, at).await
            }
        }
    }

    async fn retry_job(&self, job: &JobId, at: Timestamp) -> Result<Job> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db_err)?;
        let current = fetch_job(&mut tx, job).await?.ok_or_else(|| job_not_found(job))?;
        check_retry(&current)?;
        if let Some(key) = &current.dedup_key
            && let Some((other, state)) = active_with_key(&mut tx, key).await?
        {
            return Err(retry_blocked(job, &other, state, key));
        }
        let sql = format!(
            "UPDATE jobs SET state = 'queued', attempts = 0, run_after = $2, finished_at = NULL, \
             updated_at = $2 WHERE id = $1 RETURNING {JOB_COLS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(job.as_str())
            .bind(at.millis())
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let retried = rows::job(&Columns(&row))?;
        tx.commit().await.map_err(db_err)?;
        Ok(retried)
    }

    async fn get_job(&self, job: &JobId) -> Result<Job> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        fetch_job(&mut conn, job).await?.ok_or_else(|| job_not_found(job))
    }

    async fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        let mut q = QueryBuilder::<Sqlite>::new(format!("SELECT {JOB_COLS} FROM jobs WHERE 1 = 1"));
        if !filter.states.is_empty() {
            push_in(&mut q, "state", filter.states.iter().map(|s| s.as_str()));
        }
        if !filter.kinds.is_empty() {
            push_in(&mut q, "kind", filter.kinds.iter().map(String::as_str));
        }
        if let Some(connector) = &filter.connector {
            q.push(" AND connector_id = ")
                .push_bind(connector.as_str().to_owned());
        }
        q.push(" ORDER BY created_at DESC, id DESC LIMIT ")
            .push_bind(filter.limit.map_or(-1, i64::from));
        let found = q.build().fetch_all(&self.pool).await.map_err(db_err)?;
        found.iter().map(|row| rows::job(&Columns(row))).collect()
    }

    async fn job_counts(&self) -> Result<Vec<(String, JobState, u64)>> {
        let counts = sqlx::query("SELECT kind, state, count(*) AS n FROM jobs GROUP BY kind, state")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows::job_counts(counts.iter().map(Columns))
    }

    async fn prune_jobs(&self, before: Timestamp) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM jobs WHERE state IN ('succeeded', 'cancelled') AND finished_at < $1")
                .bind(before.millis())
                .execute(&self.pool)
                .await
                .map_err(db_err)?;
        Ok(done.rows_affected())
    }
}
