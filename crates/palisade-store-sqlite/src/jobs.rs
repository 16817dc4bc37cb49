//! The job queue in `SQLite`.
//!
//! Every write that reads before it writes (enqueue, lease, retry) takes the
//! write lock up front (`BEGIN IMMEDIATE`): two callers can never both see a
//! job as due and both lease it, nor both enqueue one dedup key. The partial
//! unique index on active dedup keys stays as the last word anyway. The
//! fencing writes (heartbeat, complete, fail) are single statements guarded
//! by id, lease token and state.

use std::time::Duration;

use async_trait::async_trait;
use palisade_domain::Timestamp;
use palisade_store::{
    CancelSelector, ConnectorId, FailOutcome, Job, JobFilter, JobId, JobQueue, JobState, Lease, LeaseToken,
    NewJob, Result, StoreError,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::inventory::{json_array, raced};
use crate::{SqliteStore, corrupt, db_err, get, get_opt_ts, get_ts, get_u32, get_u64};

const JOB_COLS: &str = "id, kind, payload, dedup_key, priority, state, attempts, max_attempts, run_after, \
     lease_owner, lease_expires_at, last_error, connector_id, created_at, updated_at, finished_at";

/// How often enqueue retries when the job holding its dedup key finishes
/// between the failed insert and the look-up.
const ENQUEUE_TRIES: usize = 5;

fn job_from_row(row: &SqliteRow) -> Result<Job> {
    let state: String = get(row, "state")?;
    let payload: String = get(row, "payload")?;
    let priority: i64 = get(row, "priority")?;
    Ok(Job {
        id: JobId::from_stored(get(row, "id")?),
        kind: get(row, "kind")?,
        payload: serde_json::from_str(&payload).map_err(|e| corrupt("job payload", e))?,
        dedup_key: get(row, "dedup_key")?,
        priority: i32::try_from(priority).map_err(|_| corrupt("job priority", priority))?,
        state: JobState::parse(&state).ok_or_else(|| corrupt("job state", &state))?,
        attempts: get_u32(row, "attempts")?,
        max_attempts: get_u32(row, "max_attempts")?,
        run_after: get_ts(row, "run_after")?,
        lease_owner: get(row, "lease_owner")?,
        lease_expires_at: get_opt_ts(row, "lease_expires_at")?,
        last_error: get(row, "last_error")?,
        connector: get::<Option<String>>(row, "connector_id")?.map(ConnectorId::from_stored),
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
        finished_at: get_opt_ts(row, "finished_at")?,
    })
}

pub(crate) fn job_not_found(id: &JobId) -> StoreError {
    StoreError::NotFound(format!("job {id}"))
}

/// `at + d`, saturating.
fn after(at: Timestamp, d: Duration) -> Timestamp {
    let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    Timestamp::from_millis(at.millis().saturating_add(ms))
}

fn check_new(job: &NewJob) -> Result<()> {
    if job.max_attempts == 0 {
        return Err(StoreError::Other(format!(
            "job of kind {:?} needs max_attempts of at least 1",
            job.kind
        )));
    }
    if job.kind.is_empty() || job.kind.len() > 64 {
        return Err(StoreError::Other(format!(
            "job kind {:?} must be 1 to 64 characters long",
            job.kind
        )));
    }
    Ok(())
}

async fn fetch_job(conn: &mut SqliteConnection, id: &JobId) -> Result<Option<Job>> {
    let sql = format!("SELECT {JOB_COLS} FROM jobs WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    row.as_ref().map(job_from_row).transpose()
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
    row.map(|row| {
        let state: String = get(&row, "state")?;
        Ok((
            JobId::from_stored(get(&row, "id")?),
            JobState::parse(&state).ok_or_else(|| corrupt("job state", &state))?,
        ))
    })
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
        check_new(job)?;
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
        Err(StoreError::Conflict(format!(
            "job {:?} could not be enqueued: its dedup key kept changing hands; try again",
            job.kind
        )))
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
            let id = JobId::from_stored(get(&row, "id")?);
            let state: String = get(&row, "state")?;
            let attempts = get_u64(&row, "attempts")?;
            let expired = state == JobState::Running.as_str();
            if expired && attempts >= get_u64(&row, "max_attempts")? {
                let plural = if attempts == 1 { "" } else { "s" };
                sqlx::query(
                    "UPDATE jobs SET state = 'dead', lease_token = NULL, lease_expires_at = NULL, \
                     finished_at = $2, updated_at = $2, last_error = $3 WHERE id = $1",
                )
                .bind(id.as_str())
                .bind(at_ms)
                .bind(format!(
                    "lease expired (worker lost) after {attempts} attempt{plural}"
                ))
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
                continue;
            }
            let token = LeaseToken::generate();
            let lost = expired.then(|| format!("lease expired (worker lost) on attempt {attempts}"));
            let sql = format!(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $2, \
                 lease_token = $3, lease_expires_at = $4, updated_at = $5, \
                 last_error = coalesce($6, last_error) WHERE id = $1 RETURNING {JOB_COLS}"
            );
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id.as_str())
                .bind(worker)
                .bind(token.as_str())
                .bind(after(at, lease_for).millis())
                .bind(at_ms)
                .bind(lost)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
            let job = job_from_row(&row)?;
            tx.commit().await.map_err(db_err)?;
            return Ok(Some(Lease { job, token }));
        }
    }

    async fn heartbeat(&self, job: &JobId, token: &LeaseToken, until: Timestamp) -> Result<bool> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        let done = sqlx::query(
            "UPDATE jobs SET lease_expires_at = $3 WHERE id = $1 AND lease_token = $2 AND state = 'running'",
        )
        .bind(job.as_str())
        .bind(token.as_str())
        .bind(until.millis())
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
        if done.rows_affected() == 0 {
            known(&mut conn, job).await?;
            return Ok(false);
        }
        Ok(true)
    }

    async fn complete_job(&self, job: &JobId, token: &LeaseToken, at: Timestamp) -> Result<bool> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        let done = sqlx::query(
            "UPDATE jobs SET state = 'succeeded', lease_token = NULL, lease_expires_at = NULL, \
             finished_at = $3, updated_at = $3 WHERE id = $1 AND lease_token = $2 AND state = 'running'",
        )
        .bind(job.as_str())
        .bind(token.as_str())
        .bind(at.millis())
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
        if done.rows_affected() == 0 {
            known(&mut conn, job).await?;
            return Ok(false);
        }
        Ok(true)
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
        let row = sqlx::query(
            "UPDATE jobs SET \
             state = CASE WHEN $4 IS NULL OR attempts >= max_attempts THEN 'dead' ELSE 'queued' END, \
             run_after = CASE WHEN $4 IS NULL OR attempts >= max_attempts THEN run_after ELSE $4 END, \
             finished_at = CASE WHEN $4 IS NULL OR attempts >= max_attempts THEN $5 ELSE NULL END, \
             last_error = $3, lease_token = NULL, lease_expires_at = NULL, updated_at = $5 \
             WHERE id = $1 AND lease_token = $2 AND state = 'running' RETURNING state",
        )
        .bind(job.as_str())
        .bind(token.as_str())
        .bind(error)
        .bind(retry_at.map(Timestamp::millis))
        .bind(at.millis())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
        let Some(row) = row else {
            known(&mut conn, job).await?;
            return Ok(FailOutcome::LeaseLost);
        };
        let state: String = get(&row, "state")?;
        Ok(if state == JobState::Dead.as_str() {
            FailOutcome::Dead
        } else {
            FailOutcome::Retrying
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
        if !matches!(current.state, JobState::Dead | JobState::Cancelled) {
            return Err(StoreError::Conflict(format!(
                "job {job} is {}: only dead or cancelled jobs can be retried",
                current.state
            )));
        }
        if let Some(key) = &current.dedup_key
            && let Some((other, state)) = active_with_key(&mut tx, key).await?
        {
            return Err(StoreError::Conflict(format!(
                "job {job} cannot be retried: job {other} with the same dedup key {key:?} is {state}"
            )));
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
        let retried = job_from_row(&row)?;
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
            q.push(" AND state IN (");
            let mut list = q.separated(", ");
            for s in &filter.states {
                list.push_bind(s.as_str());
            }
            q.push(")");
        }
        if !filter.kinds.is_empty() {
            q.push(" AND kind IN (");
            let mut list = q.separated(", ");
            for k in &filter.kinds {
                list.push_bind(k.clone());
            }
            q.push(")");
        }
        if let Some(connector) = &filter.connector {
            q.push(" AND connector_id = ")
                .push_bind(connector.as_str().to_owned());
        }
        q.push(" ORDER BY created_at DESC, id DESC LIMIT ")
            .push_bind(filter.limit.map_or(-1, i64::from));
        let rows = q.build().fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter().map(job_from_row).collect()
    }

    async fn job_counts(&self) -> Result<Vec<(String, JobState, u64)>> {
        let rows = sqlx::query("SELECT kind, state, count(*) AS n FROM jobs GROUP BY kind, state")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let mut out = rows
            .iter()
            .map(|row| {
                let state: String = get(row, "state")?;
                Ok((
                    get(row, "kind")?,
                    JobState::parse(&state).ok_or_else(|| corrupt("job state", &state))?,
                    get_u64(row, "n")?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        out.sort();
        Ok(out)
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
