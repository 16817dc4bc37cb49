//! Jobs palisade runs in the background, and the worker that runs them.
//!
//! A [`JobSpec`] is what a job does; it is stored as the job's payload (no
//! credential ever goes in). [`Engine::run_worker`] leases jobs from the
//! store's queue, renews each lease while the job runs, and reports the
//! outcome with the lease token, so a worker that lost its lease (killed,
//! paused, cut off) can never overwrite the outcome of the one that took
//! over. Handlers are idempotent: a job re-run after a crash writes the same
//! findings again, never duplicates.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use palisade_domain::{ScanTrigger, Timestamp};
use palisade_store::{
    ConnectorId, FailOutcome, Job, JobId, JobState, Lease, LeaseToken, ManagedRepo, NewJob, priority,
};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::{Engine, EngineError, now};

/// What a job does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum JobSpec {
    /// Scan a repository's history: only objects new since the last
    /// successful scan, or everything with `from_scratch`.
    FullScan {
        org: String,
        repo_id: String,
        trigger: ScanTrigger,
        #[serde(default)]
        from_scratch: bool,
    },
    /// Diff-aware scan of a pull request; comments and status posted back.
    PrScan {
        org: String,
        repo_id: String,
        pull_request: i64,
        /// Source commit the event announced (dedup per update).
        #[serde(default)]
        source_commit: Option<String>,
    },
    /// Create or delete the connector's service-hook subscriptions so they
    /// match its settings and repositories.
    Subscriptions { connector: String },
    /// Run discovery for a connector (then sync its managed repositories).
    Discover { connector: String },
}

impl JobSpec {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::FullScan { .. } => "full-scan",
            Self::PrScan { .. } => "pr-scan",
            Self::Subscriptions { .. } => "subscriptions",
            Self::Discover { .. } => "discover",
        }
    }

    /// Two specs with the same key are the same work while one is pending.
    fn dedup_key(&self) -> String {
        match self {
            Self::FullScan {
                org,
                repo_id,
                from_scratch,
                ..
            } => format!(
                "full-scan:{}:{repo_id}{}",
                org.to_ascii_lowercase(),
                if *from_scratch { ":from-scratch" } else { "" }
            ),
            Self::PrScan {
                org,
                repo_id,
                pull_request,
                source_commit,
            } => format!(
                "pr-scan:{}:{repo_id}:{pull_request}:{}",
                org.to_ascii_lowercase(),
                source_commit.as_deref().unwrap_or("-")
            ),
            Self::Subscriptions { connector } => format!("subscriptions:{connector}"),
            Self::Discover { connector } => format!("discover:{connector}"),
        }
    }

    fn priority(&self) -> i32 {
        match self {
            Self::PrScan { .. } => priority::PR_SCAN,
            Self::Subscriptions { .. } | Self::Discover { .. } => priority::CONTROL,
            Self::FullScan {
                trigger: ScanTrigger::Manual | ScanTrigger::Push,
                ..
            } => priority::MANUAL_SCAN,
            Self::FullScan { .. } => priority::FULL_SCAN,
        }
    }

    fn max_attempts(&self) -> u32 {
        match self {
            // A scan waiting for another scan of its PR to report spends
            // attempts too (about 15 minutes of backoff in all).
            Self::PrScan { .. } => 6,
            _ => 5,
        }
    }
}

/// How a handler failed.
#[derive(Debug)]
pub(crate) struct JobError {
    /// One line, safe to store and show.
    pub message: String,
    /// Worth trying again later (network, throttling, database restarting).
    pub retry: bool,
}

impl JobError {
    pub(crate) fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retry: false,
        }
    }

    pub(crate) fn transient(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retry: true,
        }
    }
}

impl From<EngineError> for JobError {
    fn from(e: EngineError) -> Self {
        use palisade_ado::AdoError;
        use palisade_store::StoreError;
        let retry = match &e {
            EngineError::Ado(a) => matches!(
                a,
                AdoError::Throttled { .. }
                    | AdoError::Server { .. }
                    | AdoError::Network { .. }
                    | AdoError::MalformedResponse { .. }
            ),
            EngineError::Store(s) => matches!(s, StoreError::Unavailable(_) | StoreError::Other(_)),
            _ => false,
        };
        Self {
            message: e.to_string(),
            retry,
        }
    }
}

impl From<palisade_store::StoreError> for JobError {
    fn from(e: palisade_store::StoreError) -> Self {
        EngineError::from(e).into()
    }
}

/// A running job's view of its lease.
#[derive(Clone, Debug)]
pub(crate) struct JobCtx {
    pub job: Job,
    token: LeaseToken,
    lease_for: Duration,
    lost: Arc<AtomicBool>,
    /// The worker's scan slots: git and the scanner run under one.
    scan_slots: Arc<tokio::sync::Semaphore>,
}

impl JobCtx {
    /// Another worker owns the job now.
    pub(crate) fn lease_lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }

    /// Waits for a scan slot. Jobs hold one only while they run git or the
    /// scanner, so a job waiting on Azure DevOps does not keep a core idle.
    pub(crate) async fn scan_slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>, JobError> {
        self.scan_slots
            .acquire()
            .await
            .map_err(|_| JobError::transient("the worker is stopping"))
    }

    /// Renews the lease now; an error when it was lost, so a handler checks
    /// this right before writing its results.
    pub(crate) async fn confirm_lease(&self, engine: &Engine) -> Result<(), JobError> {
        let until = later(now(), self.lease_for);
        match engine.store.heartbeat(&self.job.id, &self.token, until).await {
            Ok(true) => Ok(()),
            Ok(false) => {
                self.lost.store(true, Ordering::Relaxed);
                Err(JobError::permanent(
                    "lease lost: another worker took the job over",
                ))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// Worker settings.
#[derive(Clone, Debug)]
pub struct WorkerOptions {
    /// Name recorded as lease owner (host and pid by default).
    pub name: String,
    /// Jobs running git or the scanner at once in this process.
    pub slots: usize,
    /// Jobs leased at once (0: four per slot). Those past `slots` wait on
    /// Azure DevOps (a ref check, comments, statuses) or for a slot.
    pub max_leases: usize,
    /// How long a lease lasts without a heartbeat (heartbeats every third of it).
    pub lease: Duration,
    /// Sleep between polls when the queue is empty.
    pub idle_poll: Duration,
    /// First retry delay; doubles per attempt, capped at 30 minutes.
    pub retry_base: Duration,
    /// Stop once no job is due and no worker holds one (batch mode).
    pub until_idle: bool,
    /// Job kinds to take; empty: all.
    pub kinds: Vec<String>,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            name: default_worker_name(),
            slots: 2,
            max_leases: 0,
            lease: Duration::from_mins(1),
            idle_poll: Duration::from_millis(500),
            retry_base: Duration::from_secs(30),
            until_idle: false,
            kinds: Vec::new(),
        }
    }
}

/// `host:pid`, unique enough among workers.
pub fn default_worker_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{host}:{}", std::process::id())
}

/// What a worker did before it stopped.
#[derive(Clone, Debug, Default, Serialize)]
pub struct WorkerReport {
    pub succeeded: u64,
    pub retried: u64,
    pub dead: u64,
    pub lease_lost: u64,
}

fn later(t: Timestamp, d: Duration) -> Timestamp {
    Timestamp::from_millis(
        t.millis()
            .saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
    )
}

/// Exponential backoff with ±20% jitter, capped at 30 minutes.
fn backoff(base: Duration, attempts: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempts.saturating_sub(1).min(16));
    let capped = exp.min(Duration::from_mins(30));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let jitter = 0.8 + f64::from(nanos % 1000) / 2500.0;
    capped.mul_f64(jitter)
}

impl Engine {
    /// Queues a job (or finds the same one pending). `connector` ties it to
    /// a connector so revoking it cancels the job.
    pub async fn queue_job_for(
        &self,
        spec: JobSpec,
        connector: Option<ConnectorId>,
        run_after: Option<Timestamp>,
    ) -> Result<(JobId, bool), EngineError> {
        let at = now();
        let job = NewJob {
            kind: spec.kind().to_owned(),
            payload: serde_json::to_value(&spec).map_err(|e| EngineError::Invalid(e.to_string()))?,
            dedup_key: Some(spec.dedup_key()),
            priority: spec.priority(),
            max_attempts: spec.max_attempts(),
            run_after: run_after.unwrap_or(at),
            connector,
        };
        Ok(self.store.enqueue(&job, at).await?)
    }

    pub(crate) async fn queue_job(&self, spec: JobSpec) -> Result<(JobId, bool), EngineError> {
        let connector = match &spec {
            JobSpec::Subscriptions { connector } | JobSpec::Discover { connector } => {
                ConnectorId::parse(connector)
            }
            _ => None,
        };
        self.queue_job_for(spec, connector, None).await
    }

    /// Queues a full scan of a managed repository.
    pub async fn queue_full_scan(
        &self,
        repo: &ManagedRepo,
        trigger: ScanTrigger,
        from_scratch: bool,
    ) -> Result<(JobId, bool), EngineError> {
        self.queue_job_for(
            JobSpec::FullScan {
                org: repo.org.to_string(),
                repo_id: repo.repo_id.clone(),
                trigger,
                from_scratch,
            },
            repo.connector.clone(),
            None,
        )
        .await
    }

    /// Leases and runs jobs until `stop` turns true (or, with `until_idle`,
    /// until nothing is left). Database outages are waited out: the worker
    /// keeps polling with backoff and its jobs' leases simply expire.
    pub async fn run_worker(
        &self,
        opts: &WorkerOptions,
        mut stop: watch::Receiver<bool>,
    ) -> Result<WorkerReport, EngineError> {
        let scan_slots = Arc::new(tokio::sync::Semaphore::new(opts.slots.max(1)));
        let held = if opts.max_leases == 0 {
            opts.slots.max(1).saturating_mul(4)
        } else {
            opts.max_leases.max(opts.slots.max(1))
        };
        let slots = Arc::new(tokio::sync::Semaphore::new(held));
        let report = Arc::new(std::sync::Mutex::new(WorkerReport::default()));
        let kinds: Vec<&str> = opts.kinds.iter().map(String::as_str).collect();
        let mut tasks = tokio::task::JoinSet::new();
        let mut db_backoff = Duration::from_millis(200);
        loop {
            if *stop.borrow() {
                break;
            }
            while tasks.try_join_next().is_some() {}
            let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
                break;
            };
            let leased = self.store.lease_job(&opts.name, &kinds, opts.lease, now()).await;
            match leased {
                Ok(Some(lease)) => {
                    db_backoff = Duration::from_millis(200);
                    let (engine, opts2, report) = (self.clone(), opts.clone(), Arc::clone(&report));
                    let scan_slots = Arc::clone(&scan_slots);
                    tasks.spawn(async move {
                        let outcome = engine.execute(lease, &opts2, scan_slots).await;
                        let mut r = report.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                        match outcome {
                            Outcome::Succeeded => r.succeeded += 1,
                            Outcome::Retrying => r.retried += 1,
                            Outcome::Dead => r.dead += 1,
                            Outcome::LeaseLost => r.lease_lost += 1,
                        }
                        drop(permit);
                    });
                }
                Ok(None) => {
                    drop(permit);
                    if opts.until_idle && tasks.is_empty() && !self.jobs_running_elsewhere().await {
                        break;
                    }
                    if opts.until_idle && !tasks.is_empty() {
                        // A running job may queue follow-ups: wait for one to end.
                        tokio::select! {
                            _ = tasks.join_next() => {}
                            _ = stop.changed() => {}
                        }
                    } else {
                        tokio::select! {
                            () = tokio::time::sleep(opts.idle_poll) => {}
                            _ = stop.changed() => {}
                        }
                    }
                }
                Err(e) => {
                    drop(permit);
                    tracing::warn!(error = %e, retry_in_ms = db_backoff.as_millis() as u64, "cannot lease jobs; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(db_backoff) => {}
                        _ = stop.changed() => {}
                    }
                    db_backoff = (db_backoff * 2).min(Duration::from_secs(10));
                }
            }
        }
        while tasks.join_next().await.is_some() {}
        let r = report
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        Ok(r)
    }

    /// Whether some worker holds a job (its lease may expire and the job
    /// come back): a draining worker waits for those. Errors count as yes.
    async fn jobs_running_elsewhere(&self) -> bool {
        match self.store.job_counts().await {
            Ok(counts) => counts
                .iter()
                .any(|(_, state, n)| *state == JobState::Running && *n > 0),
            Err(_) => true,
        }
    }

    /// Runs one leased job with a heartbeat, then reports its outcome.
    async fn execute(
        &self,
        lease: Lease,
        opts: &WorkerOptions,
        scan_slots: Arc<tokio::sync::Semaphore>,
    ) -> Outcome {
        let Lease { job, token } = lease;
        let lost = Arc::new(AtomicBool::new(false));
        let ctx = JobCtx {
            job: job.clone(),
            token: token.clone(),
            lease_for: opts.lease,
            lost: Arc::clone(&lost),
            scan_slots,
        };
        // Aborted when this future ends or is dropped (a worker task
        // cancelled mid-job): a heartbeat left running would hold the lease
        // for ever and the job would never run again.
        let beat = AbortOnDrop({
            let (engine, ctx) = (self.clone(), ctx.clone());
            let every = (opts.lease / 3).max(Duration::from_millis(100));
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    match ctx.confirm_lease(&engine).await {
                        Ok(()) => {}
                        Err(e) if e.retry => {
                            tracing::warn!(job = %ctx.job.id, error = %e.message, "heartbeat failed");
                        }
                        Err(_) => return,
                    }
                }
            })
        });
        let run = self.handle(&ctx);
        tokio::pin!(run);
        let result = loop {
            tokio::select! {
                r = &mut run => break r,
                () = tokio::time::sleep(Duration::from_millis(250)) => {
                    if lost.load(Ordering::Relaxed) {
                        break Err(JobError::permanent("lease lost"));
                    }
                }
            }
        };
        drop(beat);
        if lost.load(Ordering::Relaxed) {
            tracing::warn!(job = %job.id, kind = %job.kind, "lease lost; another worker owns the job now");
            return Outcome::LeaseLost;
        }
        self.report_outcome(&job, &token, result, opts).await
    }

    /// Reports with retries: a database restart must not turn a finished
    /// job into a re-run (it would only cost time: handlers are idempotent).
    async fn report_outcome(
        &self,
        job: &Job,
        token: &LeaseToken,
        result: Result<(), JobError>,
        opts: &WorkerOptions,
    ) -> Outcome {
        let deadline = std::time::Instant::now() + opts.lease;
        let mut wait = Duration::from_millis(100);
        loop {
            let reported = match &result {
                Ok(()) => self.store.complete_job(&job.id, token, now()).await.map(|ok| {
                    if ok {
                        Outcome::Succeeded
                    } else {
                        Outcome::LeaseLost
                    }
                }),
                Err(e) => {
                    let retry_at = e
                        .retry
                        .then(|| later(now(), backoff(opts.retry_base, job.attempts)));
                    if !e.retry || job.attempts >= job.max_attempts {
                        tracing::error!(job = %job.id, kind = %job.kind, error = %e.message, "job failed");
                    } else {
                        tracing::warn!(job = %job.id, kind = %job.kind, error = %e.message, "job failed; will retry");
                    }
                    self.store
                        .fail_job(&job.id, token, &e.message, retry_at, now())
                        .await
                        .map(|o| match o {
                            FailOutcome::Retrying => Outcome::Retrying,
                            FailOutcome::Dead => Outcome::Dead,
                            FailOutcome::LeaseLost => Outcome::LeaseLost,
                        })
                }
            };
            match reported {
                Ok(o) => return o,
                Err(e) if std::time::Instant::now() < deadline => {
                    tracing::warn!(job = %job.id, error = %e, "cannot report the job's outcome; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
                Err(e) => {
                    tracing::error!(job = %job.id, error = %e, "cannot report the job's outcome; its lease will expire and it will run again");
                    return Outcome::LeaseLost;
                }
            }
        }
    }

    async fn handle(&self, ctx: &JobCtx) -> Result<(), JobError> {
        let spec: JobSpec = serde_json::from_value(ctx.job.payload.clone())
            .map_err(|e| JobError::permanent(format!("unreadable job payload: {e}")))?;
        if ctx.job.attempts > 1 {
            // A previous attempt died mid-scan: its scan rows end as interrupted.
            self.store.interrupt_job_scans(ctx.job.id.as_str(), now()).await?;
        }
        match spec {
            JobSpec::FullScan {
                org,
                repo_id,
                trigger,
                from_scratch,
            } => self.full_scan(ctx, &org, &repo_id, trigger, from_scratch).await,
            JobSpec::PrScan {
                org,
                repo_id,
                pull_request,
                ..
            } => self.pr_scan(ctx, &org, &repo_id, pull_request).await,
            JobSpec::Subscriptions { connector } => self.sync_subscriptions(&connector).await,
            JobSpec::Discover { connector } => {
                match self
                    .discover(&connector, &crate::DiscoverOptions::default())
                    .await
                {
                    // A connector revoked since has nothing to discover.
                    Ok(_) | Err(EngineError::Store(palisade_store::StoreError::NotFound(_))) => Ok(()),
                    Err(e) => Err(e.into()),
                }
            }
        }
    }
}

/// A task aborted when its handle is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Succeeded,
    Retrying,
    Dead,
    LeaseLost,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_round_trip_and_dedup() {
        let spec = JobSpec::FullScan {
            org: "Contoso".into(),
            repo_id: "abc".into(),
            trigger: ScanTrigger::Schedule,
            from_scratch: false,
        };
        let v = serde_json::to_value(&spec).expect("json");
        assert_eq!(v["kind"], "full-scan");
        assert_eq!(serde_json::from_value::<JobSpec>(v).expect("back"), spec);
        assert_eq!(spec.dedup_key(), "full-scan:contoso:abc");
        let pr = JobSpec::PrScan {
            org: "c".into(),
            repo_id: "r".into(),
            pull_request: 7,
            source_commit: Some("ab".into()),
        };
        assert!(pr.priority() > spec.priority());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_secs(30);
        assert!(backoff(base, 1) <= Duration::from_secs(36));
        assert!(backoff(base, 3) >= Duration::from_secs(96));
        assert!(backoff(base, 40) <= Duration::from_mins(36));
    }
}
