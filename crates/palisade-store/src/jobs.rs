//! The durable job queue: at-least-once delivery with leases.
//!
//! A worker takes a job with [`JobQueue::lease_job`], which hands out a fresh
//! [`LeaseToken`] and counts an attempt. While it works it renews the lease
//! with [`JobQueue::heartbeat`]; a worker killed mid-job stops renewing, the
//! lease expires and the next `lease_job` hands the job to someone else.
//! Every later call with the old token is refused (`false`), so a worker that
//! comes back from a long pause cannot overwrite the new owner's outcome.
//!
//! Jobs are idempotent by `dedup_key`: while a job with a key is queued or
//! running, enqueueing another with the same key returns the existing one.
//! On PostgreSQL many worker processes share the queue (`FOR UPDATE SKIP
//! LOCKED`); SQLite serializes writers and serves one machine.

use std::fmt;
use std::time::Duration;

use palisade_domain::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{ConnectorId, Result, StoreError};

uuid_id!(
    /// Id of a job: a UUIDv7.
    JobId,
    "job"
);

/// Proof of one lease of one job: a random value, new for every attempt.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct LeaseToken(String);

impl LeaseToken {
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    pub fn from_stored(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for LeaseToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LeaseToken(..)")
    }
}

/// Where a job stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobState {
    /// Waiting for `run_after` and a free worker (also after a failed attempt
    /// that will be retried).
    Queued,
    /// Leased by a worker until `lease_expires_at`.
    Running,
    Succeeded,
    /// Failed `max_attempts` times or failed for good: kept for inspection
    /// and manual retry.
    Dead,
    Cancelled,
}

impl JobState {
    pub const ALL: [JobState; 5] = [
        Self::Queued,
        Self::Running,
        Self::Succeeded,
        Self::Dead,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Dead => "dead",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Queued or running.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Priorities used by palisade (higher runs first).
pub mod priority {
    /// Diff-aware pull-request scans: someone is waiting on them.
    pub const PR_SCAN: i32 = 100;
    /// Service-hook subscription changes and repository sync.
    pub const CONTROL: i32 = 50;
    /// A full scan a user asked for.
    pub const MANUAL_SCAN: i32 = 20;
    /// Scheduled and batch full scans.
    pub const FULL_SCAN: i32 = 10;
}

/// A job to enqueue.
#[derive(Clone, Debug)]
pub struct NewJob {
    /// What the job does (`full-scan`, `pr-scan`, ...): workers lease by kind.
    pub kind: String,
    /// Arguments, read by the handler of `kind`. Never holds a credential.
    pub payload: serde_json::Value,
    /// While a job with this key is queued or running, enqueueing another
    /// returns it instead.
    pub dedup_key: Option<String>,
    pub priority: i32,
    /// Attempts before the job goes dead (at least 1).
    pub max_attempts: u32,
    /// Not leased before this time.
    pub run_after: Timestamp,
    /// The connector the job acts for: its jobs are cancelled when it is revoked.
    pub connector: Option<ConnectorId>,
}

impl NewJob {
    /// Refuses what no store enqueues: fewer than one attempt, or a kind that
    /// is empty or longer than 64 characters.
    pub fn check(&self) -> Result<()> {
        if self.max_attempts == 0 {
            return Err(StoreError::Other(format!(
                "job of kind {:?} needs max_attempts of at least 1",
                self.kind
            )));
        }
        if self.kind.is_empty() || self.kind.len() > 64 {
            return Err(StoreError::Other(format!(
                "job kind {:?} must be 1 to 64 characters long",
                self.kind
            )));
        }
        Ok(())
    }
}

/// A job as the store keeps it.
#[derive(Clone, Debug, Serialize)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub payload: serde_json::Value,
    pub dedup_key: Option<String>,
    pub priority: i32,
    pub state: JobState,
    /// Attempts started so far (leases handed out).
    pub attempts: u32,
    pub max_attempts: u32,
    pub run_after: Timestamp,
    /// Worker holding the lease (state `running`), or the last one that did.
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<Timestamp>,
    /// One line from the last failed attempt.
    pub last_error: Option<String>,
    pub connector: Option<ConnectorId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub finished_at: Option<Timestamp>,
}

/// A job handed to a worker, with the token that proves the lease.
#[derive(Clone, Debug)]
pub struct Lease {
    pub job: Job,
    pub token: LeaseToken,
}

/// What [`JobQueue::fail_job`] did with the job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOutcome {
    /// Queued again for `run_after`.
    Retrying,
    /// Out of attempts (or not retryable): dead.
    Dead,
    /// The token no longer held the lease: nothing changed.
    LeaseLost,
}

/// Filter for [`JobQueue::list_jobs`]; empty fields match everything.
#[derive(Clone, Debug, Default)]
pub struct JobFilter {
    pub states: Vec<JobState>,
    pub kinds: Vec<String>,
    pub connector: Option<ConnectorId>,
    /// Newest first.
    pub limit: Option<u32>,
}

/// Which jobs [`JobQueue::cancel_jobs`] cancels (queued and running only).
#[derive(Clone, Debug)]
pub enum CancelSelector {
    Ids(Vec<JobId>),
    Connector(ConnectorId),
}

#[async_trait::async_trait]
pub trait JobQueue: Send + Sync {
    /// Enqueues a job, or returns the queued/running job with the same
    /// `dedup_key` (`false`: not created).
    async fn enqueue(&self, job: &NewJob, at: Timestamp) -> Result<(JobId, bool)>;

    /// Leases the next due job of one of `kinds` (all kinds when empty):
    /// highest priority, then earliest `run_after`, then oldest. A `running`
    /// job whose lease expired before `at` is due again; if that expired
    /// attempt was its last, it goes dead instead (`last_error` says the
    /// lease expired). The leased job is `running`, owned by `worker` until
    /// `at + lease_for`, with `attempts` counted up. Safe against concurrent
    /// callers: a job is never leased twice at once.
    async fn lease_job(
        &self,
        worker: &str,
        kinds: &[&str],
        lease_for: Duration,
        at: Timestamp,
    ) -> Result<Option<Lease>>;

    /// Extends the lease to `until`. `false` when `token` no longer holds the
    /// lease (it expired and the job was leased again, or it was cancelled):
    /// the worker must stop and not report.
    async fn heartbeat(&self, job: &JobId, token: &LeaseToken, until: Timestamp) -> Result<bool>;

    /// Marks the job succeeded. `false` (and no change) when the lease was lost.
    async fn complete_job(&self, job: &JobId, token: &LeaseToken, at: Timestamp) -> Result<bool>;

    /// Records a failed attempt: queued again at `retry_at`, or dead when
    /// `retry_at` is `None` or no attempts are left.
    async fn fail_job(
        &self,
        job: &JobId,
        token: &LeaseToken,
        error: &str,
        retry_at: Option<Timestamp>,
        at: Timestamp,
    ) -> Result<FailOutcome>;

    /// Cancels queued and running jobs; running ones lose their lease (their
    /// next heartbeat says so). Returns how many were cancelled.
    async fn cancel_jobs(&self, which: &CancelSelector, at: Timestamp) -> Result<u64>;

    /// Queues a dead or cancelled job again with fresh attempts.
    /// [`StoreError::Conflict`] when it is not dead or cancelled.
    async fn retry_job(&self, job: &JobId, at: Timestamp) -> Result<Job>;

    async fn get_job(&self, job: &JobId) -> Result<Job>;

    async fn list_jobs(&self, filter: &JobFilter) -> Result<Vec<Job>>;

    /// Jobs per (kind, state).
    async fn job_counts(&self) -> Result<Vec<(String, JobState, u64)>>;

    /// Deletes finished (succeeded, cancelled) jobs that finished before `before`.
    async fn prune_jobs(&self, before: Timestamp) -> Result<u64>;
}

// ---- shared by the backends ----

/// A job that is not there.
#[doc(hidden)]
pub fn job_not_found(id: &JobId) -> StoreError {
    StoreError::NotFound(format!("job {id}"))
}

/// How often enqueue tries when the job holding its dedup key finishes
/// between the failed insert and the look-up.
#[doc(hidden)]
pub const ENQUEUE_TRIES: usize = 5;

/// Enqueue gave up after [`ENQUEUE_TRIES`].
#[doc(hidden)]
pub fn enqueue_gave_up(job: &NewJob) -> StoreError {
    StoreError::Conflict(format!(
        "job {:?} could not be enqueued: its dedup key kept changing hands; try again",
        job.kind
    ))
}

/// When a lease handed out at `at` for `lease_for` ends (saturating).
#[doc(hidden)]
pub fn lease_end(at: Timestamp, lease_for: Duration) -> Timestamp {
    let ms = i64::try_from(lease_for.as_millis()).unwrap_or(i64::MAX);
    Timestamp::from_millis(at.millis().saturating_add(ms))
}

/// What [`JobQueue::lease_job`] does with the due job it picked.
#[doc(hidden)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DueJob {
    /// Lease it. `lost` is set when the job was `running` under a lease that
    /// expired: it replaces `last_error`.
    Lease { lost: Option<String> },
    /// Its expired lease was its last attempt: it goes dead with this
    /// `last_error`, and the next due job is tried.
    Dead { last_error: String },
}

impl DueJob {
    /// Decides for a due job: `queued`, or `running` with its lease expired.
    pub fn decide(state: JobState, attempts: u32, max_attempts: u32) -> Self {
        if state != JobState::Running {
            return Self::Lease { lost: None };
        }
        if attempts >= max_attempts {
            let plural = if attempts == 1 { "" } else { "s" };
            return Self::Dead {
                last_error: format!("lease expired (worker lost) after {attempts} attempt{plural}"),
            };
        }
        Self::Lease {
            lost: Some(format!("lease expired (worker lost) on attempt {attempts}")),
        }
    }
}

/// What a failed attempt leads to ([`JobQueue::fail_job`]).
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AfterFailure {
    /// `queued` or `dead`.
    pub state: JobState,
    /// The new `run_after` of a retried job (`None`: unchanged).
    pub run_after: Option<Timestamp>,
    /// Set when the job goes dead.
    pub finished_at: Option<Timestamp>,
    /// [`FailOutcome::Retrying`] or [`FailOutcome::Dead`].
    pub outcome: FailOutcome,
}

impl AfterFailure {
    /// Retried at `retry_at`, or dead at `at` when the failure is not
    /// retryable (`retry_at` is `None`) or no attempts are left.
    pub fn decide(attempts: u32, max_attempts: u32, retry_at: Option<Timestamp>, at: Timestamp) -> Self {
        match retry_at {
            Some(retry_at) if attempts < max_attempts => Self {
                state: JobState::Queued,
                run_after: Some(retry_at),
                finished_at: None,
                outcome: FailOutcome::Retrying,
            },
            _ => Self {
                state: JobState::Dead,
                run_after: None,
                finished_at: Some(at),
                outcome: FailOutcome::Dead,
            },
        }
    }
}

/// Refuses to retry a job that is not dead or cancelled.
#[doc(hidden)]
pub fn check_retry(job: &Job) -> Result<()> {
    if matches!(job.state, JobState::Dead | JobState::Cancelled) {
        return Ok(());
    }
    Err(StoreError::Conflict(format!(
        "job {} is {}: only dead or cancelled jobs can be retried",
        job.id, job.state
    )))
}

/// A retry refused because `other`, active, holds the job's dedup key.
#[doc(hidden)]
pub fn retry_blocked(job: &JobId, other: &JobId, state: JobState, key: &str) -> StoreError {
    StoreError::Conflict(format!(
        "job {job} cannot be retried: job {other} with the same dedup key {key:?} is {state}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> Timestamp {
        Timestamp::from_millis(ms)
    }

    #[test]
    fn expired_leases_are_taken_over_until_the_last_attempt() {
        assert_eq!(
            DueJob::decide(JobState::Queued, 3, 3),
            DueJob::Lease { lost: None }
        );
        assert_eq!(
            DueJob::decide(JobState::Running, 1, 3),
            DueJob::Lease {
                lost: Some("lease expired (worker lost) on attempt 1".into())
            }
        );
        assert_eq!(
            DueJob::decide(JobState::Running, 1, 1),
            DueJob::Dead {
                last_error: "lease expired (worker lost) after 1 attempt".into()
            }
        );
        assert_eq!(
            DueJob::decide(JobState::Running, 2, 2),
            DueJob::Dead {
                last_error: "lease expired (worker lost) after 2 attempts".into()
            }
        );
    }

    #[test]
    fn failures_retry_while_attempts_are_left() {
        let retry = AfterFailure::decide(1, 3, Some(at(50)), at(10));
        assert_eq!(
            (retry.state, retry.run_after, retry.finished_at),
            (JobState::Queued, Some(at(50)), None)
        );
        assert_eq!(retry.outcome, FailOutcome::Retrying);
        for dead in [
            AfterFailure::decide(3, 3, Some(at(50)), at(10)),
            AfterFailure::decide(1, 3, None, at(10)),
        ] {
            assert_eq!(
                (dead.state, dead.run_after, dead.finished_at),
                (JobState::Dead, None, Some(at(10)))
            );
            assert_eq!(dead.outcome, FailOutcome::Dead);
        }
    }

    #[test]
    fn lease_end_saturates() {
        assert_eq!(lease_end(at(1_000), Duration::from_mins(1)), at(61_000));
        assert_eq!(lease_end(at(1), Duration::MAX), at(i64::MAX));
    }
}
