//! The job queue in `PostgreSQL`, shared by many worker processes.
//!
//! [`JobQueue::lease_job`] picks and takes a job in one statement: the due
//! job is locked with `FOR UPDATE SKIP LOCKED`, so concurrent workers each
//! get a different job and never wait on each other. Enqueue relies on the
//! partial unique index on active dedup keys (`ON CONFLICT DO NOTHING`, then
//! the winner is looked up). The fencing writes (heartbeat, complete, fail)
//! are single statements guarded by id, lease token and state.

use std::time::Duration;

use async_trait::async_trait;
use palisade_domain::Timestamp;
use palisade_store::{
    CancelSelector, ConnectorId, FailOutcome, Job, JobFilter, JobId, JobQueue, JobState, Lease, LeaseToken,
    NewJob, Result, StoreError,
};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::types::Json;
use sqlx::{Postgres, QueryBuilder};

use crate::inventory::raced;
use crate::{PostgresStore, corrupt, db_err, get, get_opt_ts, get_ts, get_u32, get_u64};

const JOB_COLS: &str = "id, kind, payload, dedup_key, priority, state, attempts, max_attempts, run_after, \
     lease_owner, lease_expires_at, last_error, connector_id, created_at, updated_at, finished_at";

/// How often enqueue retries when the job holding its dedup key finishes
/// between the failed insert and the look-up.
const ENQUEUE_TRIES: usize = 5;

fn job_from_row(row: &PgRow) -> Result<Job> {
    let state: String = get(row, "state")?;
    let payload: Json<serde_json::Value> = get(row, "payload")?;
    Ok(Job {
        id: JobId::from_stored(get(row, "id")?),
        kind: get(row, "kind")?,
        payload: payload.0,
        dedup_key: get(row, "dedup_key")?,
        priority: get(row, "priority")?,
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

fn job_not_found(id: &JobId) -> StoreError {
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

async fn fetch_job(conn: &mut PgConnection, id: &JobId, lock: bool) -> Result<Option<Job>> {
    let sql = format!(
        "SELECT {JOB_COLS} FROM jobs WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    row.as_ref().map(job_from_row).transpose()
}

/// The queued or running job holding `dedup_key`, if any.
async fn active_with_key(conn: &mut PgConnection, dedup_key: &str) -> Result<Option<(JobId, JobState)>> {
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
async fn known(conn: &mut PgConnection, id: &JobId) -> Result<()> {
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
    conn: &mut PgConnection,
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
impl JobQueue for PostgresStore {
    async fn enqueue(&self, job: &NewJob, at: Timestamp) -> Result<(JobId, bool)> {
        check_new(job)?;
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        for _ in 0..ENQUEUE_TRIES {
            let id = JobId::generate();
            let inserted = sqlx::query(
                "INSERT INTO jobs (id, kind, payload, dedup_key, priority, state, attempts, max_attempts, \
                 run_after, connector_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $7, $8, $9, $9) \
                 ON CONFLICT (dedup_key) WHERE dedup_key IS NOT NULL AND state IN ('queued', 'running') \
                 DO NOTHING RETURNING id",
            )
            .bind(id.as_str())
            .bind(&job.kind)
            .bind(Json(&job.payload))
            .bind(job.dedup_key.as_deref())
            .bind(job.priority)
            .bind(i64::from(job.max_attempts))
            .bind(job.run_after.millis())
            .bind(job.connector.as_ref().map(ConnectorId::as_str))
            .bind(at.millis())
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err)?;
            if inserted.is_some() {
                return Ok((id, true));
            }
            if let Some(key) = &job.dedup_key
                && let Some((existing, _)) = active_with_key(&mut conn, key).await?
            {
                return Ok((existing, false));
            }
            // The job holding the key finished in between: try again.
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
        let kinds: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        // The due job is locked (others skip it) and taken in one statement.
        // A job whose expired lease was its last attempt goes dead instead;
        // then the next due job is tried.
        let sql = format!(
            "WITH next AS ( \
                 SELECT id AS next_id FROM jobs \
                 WHERE ((state = 'queued' AND run_after <= $1) \
                        OR (state = 'running' AND lease_expires_at < $1)) \
                 AND (cardinality($2::text[]) = 0 OR kind = ANY($2::text[])) \
                 ORDER BY priority DESC, run_after, created_at, id \
                 LIMIT 1 FOR UPDATE SKIP LOCKED) \
             UPDATE jobs j SET \
                 state = CASE WHEN j.state = 'running' AND j.attempts >= j.max_attempts \
                     THEN 'dead' ELSE 'running' END, \
                 attempts = CASE WHEN j.state = 'running' AND j.attempts >= j.max_attempts \
                     THEN j.attempts ELSE j.attempts + 1 END, \
                 lease_owner = CASE WHEN j.state = 'running' AND j.attempts >= j.max_attempts \
                     THEN j.lease_owner ELSE $3 END, \
                 lease_token = CASE WHEN j.state = 'running' AND j.attempts >= j.max_attempts \
                     THEN NULL ELSE $4 END, \
                 lease_expires_at = CASE WHEN j.state = 'running' AND j.attempts >= j.max_attempts \
                     THEN NULL ELSE $5 END, \
                 finished_at = CASE WHEN j.state = 'running' AND j.attempts >= j.max_attempts \
                     THEN $1 ELSE NULL END, \
                 last_error = CASE \
                     WHEN j.state = 'running' AND j.attempts >= j.max_attempts \
                         THEN 'lease expired (worker lost) after ' || j.attempts \
                             || CASE WHEN j.attempts = 1 THEN ' attempt' ELSE ' attempts' END \
                     WHEN j.state = 'running' \
                         THEN 'lease expired (worker lost) on attempt ' || j.attempts \
                     ELSE j.last_error END, \
                 updated_at = $1 \
             FROM next WHERE j.id = next.next_id \
             RETURNING {JOB_COLS}"
        );
        loop {
            let token = LeaseToken::generate();
            let row = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(at.millis())
                .bind(&kinds)
                .bind(worker)
                .bind(token.as_str())
                .bind(after(at, lease_for).millis())
                .fetch_optional(&mut *conn)
                .await
                .map_err(db_err)?;
            let Some(row) = row else {
                return Ok(None);
            };
            let job = job_from_row(&row)?;
            if job.state == JobState::Running {
                return Ok(Some(Lease { job, token }));
            }
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
             state = CASE WHEN $4::bigint IS NULL OR attempts >= max_attempts THEN 'dead' ELSE 'queued' END, \
             run_after = CASE WHEN $4::bigint IS NULL OR attempts >= max_attempts THEN run_after ELSE $4 END, \
             finished_at = CASE WHEN $4::bigint IS NULL OR attempts >= max_attempts THEN $5 ELSE NULL END, \
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
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        match which {
            CancelSelector::Ids(ids) => {
                let ids: Vec<String> = ids.iter().map(|id| id.as_str().to_owned()).collect();
                let done = sqlx::query(
                    "UPDATE jobs SET state = 'cancelled', finished_at = $2, updated_at = $2, \
                     lease_token = NULL, lease_expires_at = NULL \
                     WHERE id = ANY($1) AND state IN ('queued', 'running')",
                )
                .bind(&ids)
                .bind(at.millis())
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
                Ok(done.rows_affected())
            }
            CancelSelector::Connector(connector) => cancel_connector_jobs(&mut conn, connector, at).await,
        }
    }

    async fn retry_job(&self, job: &JobId, at: Timestamp) -> Result<Job> {
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        let current = fetch_job(&mut tx, job, true)
            .await?
            .ok_or_else(|| job_not_found(job))?;
        if !matches!(current.state, JobState::Dead | JobState::Cancelled) {
            return Err(StoreError::Conflict(format!(
                "job {job} is {}: only dead or cancelled jobs can be retried",
                current.state
            )));
        }
        let taken = |other: &JobId, state: JobState, key: &str| {
            StoreError::Conflict(format!(
                "job {job} cannot be retried: job {other} with the same dedup key {key:?} is {state}"
            ))
        };
        if let Some(key) = &current.dedup_key
            && let Some((other, state)) = active_with_key(&mut tx, key).await?
        {
            return Err(taken(&other, state, key));
        }
        let sql = format!(
            "UPDATE jobs SET state = 'queued', attempts = 0, run_after = $2, finished_at = NULL, \
             updated_at = $2 WHERE id = $1 RETURNING {JOB_COLS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(job.as_str())
            .bind(at.millis())
            .fetch_one(&mut *tx)
            .await;
        let row = match row {
            Ok(row) => row,
            // A job with the same key was enqueued since the check.
            Err(e) if raced(&e) => {
                return Err(StoreError::Conflict(format!(
                    "job {job} cannot be retried: another job with the same dedup key was just enqueued"
                )));
            }
            Err(e) => return Err(db_err(e)),
        };
        let retried = job_from_row(&row)?;
        tx.commit().await.map_err(db_err)?;
        Ok(retried)
    }

    async fn get_job(&self, job: &JobId) -> Result<Job> {
        let mut conn = self.pool.acquire().await.map_err(db_err)?;
        fetch_job(&mut conn, job, false)
            .await?
            .ok_or_else(|| job_not_found(job))
    }

    async fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<Job>> {
        let mut q = QueryBuilder::<Postgres>::new(format!("SELECT {JOB_COLS} FROM jobs WHERE 1 = 1"));
        if !filter.states.is_empty() {
            q.push(" AND state IN (");
            let mut list = q.separated(", ");
            for s in &filter.states {
                list.push_bind(s.as_str());
            }
            q.push(")");
        }
        if !filter.kinds.is_empty() {
            q.push(" AND kind = ANY(")
                .push_bind(filter.kinds.clone())
                .push(")");
        }
        if let Some(connector) = &filter.connector {
            q.push(" AND connector_id = ")
                .push_bind(connector.as_str().to_owned());
        }
        q.push(" ORDER BY created_at DESC, id DESC");
        if let Some(limit) = filter.limit {
            q.push(" LIMIT ").push_bind(i64::from(limit));
        }
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
