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

use palisade_domain::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{ConnectorId, Result, StoreError};

/// Id of a job: a UUIDv7.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(String);

impl JobId {
    pub fn generate() -> Self {
        Self(uuid::Uuid::now_v7().to_string())
    }

    pub fn parse(s: &str) -> Option<Self> {
        uuid::Uuid::parse_str(s.trim()).ok().map(|u| Self(u.to_string()))
    }

    pub fn from_stored(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JobId({})", self.0)
    }
}

impl std::str::FromStr for JobId {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s).ok_or_else(|| StoreError::NotFound(format!("job {s:?} (not a valid id)")))
    }
}

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
        lease_for: std::time::Duration,
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
