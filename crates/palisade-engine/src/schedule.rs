//! The scheduler: full scans in batches, on a schedule.
//!
//! Each pass tops up every connector's queue of full scans to its batch
//! size with the enabled repositories whose last scan is older than the
//! connector's interval (never-scanned first). The queue's dedup keys make a
//! pass idempotent, so several `palisade serve` processes may run it.

use std::time::Duration;

use palisade_domain::{ManagedState, ScanTrigger, Timestamp};
use palisade_store::{ConnectorRecord, JobFilter, JobState, ManagedRepoFilter};
use serde::Serialize;
use tokio::sync::watch;

use crate::jobs::WorkerOptions;
use crate::{Engine, EngineError, now};

/// Milliseconds between two housekeeping passes of the scheduler.
const HOUSEKEEPING_EVERY_MS: i64 = 10 * 60_000;

/// What a scheduler pass queued.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ScheduleReport {
    pub queued: u64,
    /// Repositories due but left for the next pass (batch full).
    pub waiting: u64,
}

/// What `run_batches` did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BatchReport {
    pub batches: u64,
    pub queued: u64,
    pub worker: crate::jobs::WorkerReport,
}

impl Engine {
    /// Full scans of the connector queued or running.
    async fn active_full_scans(
        &self,
        record: &ConnectorRecord,
    ) -> Result<Vec<palisade_store::Job>, EngineError> {
        Ok(self
            .store
            .list_jobs(&JobFilter {
                states: vec![JobState::Queued, JobState::Running],
                kinds: vec!["full-scan".to_owned()],
                connector: Some(record.id.clone()),
                limit: None,
            })
            .await?)
    }

    /// Queues due full scans of one connector, up to its batch size.
    /// `force`: every enabled repository is due (a user asked for a scan now).
    pub async fn schedule_connector(
        &self,
        record: &ConnectorRecord,
        force: bool,
        at: Timestamp,
    ) -> Result<ScheduleReport, EngineError> {
        let settings = self.store.scan_settings(&record.id).await?;
        let active = self.active_full_scans(record).await?.len() as u64;
        let room = u64::from(settings.batch_size).saturating_sub(active);
        let due_before = if force {
            at
        } else if settings.full_scan_interval_hours == 0 {
            // No schedule: only repositories never scanned are due.
            Timestamp::from_millis(i64::MIN)
        } else {
            Timestamp::from_millis(at.millis() - i64::from(settings.full_scan_interval_hours) * 3_600_000)
        };
        let mut due = self
            .store
            .list_managed_repos(&ManagedRepoFilter {
                connector: Some(record.id.clone()),
                states: vec![ManagedState::Enabled],
                full_scans: Some(true),
                last_scan_before: Some(due_before),
                ..ManagedRepoFilter::default()
            })
            .await?;
        // Never scanned first, then the longest waiting.
        due.sort_by_key(|r| r.last_scan_at.map_or(i64::MIN, Timestamp::millis));
        let mut report = ScheduleReport::default();
        for repo in &due {
            if report.queued >= room {
                report.waiting += 1;
                continue;
            }
            let trigger = if force {
                ScanTrigger::Manual
            } else if repo.last_scan_at.is_none() {
                ScanTrigger::Enable
            } else {
                ScanTrigger::Schedule
            };
            let (_, created) = self.queue_full_scan(repo, trigger, false).await?;
            if created {
                report.queued += 1;
            }
        }
        Ok(report)
    }

    /// Queues a discovery of the connector when its last one is older than
    /// the discovery interval (none is queued while one runs).
    async fn schedule_discovery(&self, record: &ConnectorRecord, at: Timestamp) -> Result<bool, EngineError> {
        let settings = self.store.scan_settings(&record.id).await?;
        if settings.discovery_interval_hours == 0 {
            return Ok(false);
        }
        let due_before = at.millis() - i64::from(settings.discovery_interval_hours) * 3_600_000;
        let due = match &record.last_discovery {
            None => true,
            Some(run) => match run.finished_at {
                Some(f) => f.millis() < due_before,
                // Running (or killed mid-run: the job re-runs and resumes it).
                None => false,
            },
        };
        if !due {
            return Ok(false);
        }
        let (_, created) = self
            .queue_job(crate::JobSpec::Discover {
                connector: record.id.to_string(),
            })
            .await?;
        Ok(created)
    }

    /// One scheduler pass over every connector, plus housekeeping.
    pub async fn schedule_tick(&self) -> Result<ScheduleReport, EngineError> {
        let at = now();
        let mut total = ScheduleReport::default();
        for record in self.store.list_connectors().await? {
            if let Err(e) = self.schedule_discovery(&record, at).await {
                tracing::warn!(connector = %record.config.name, error = %e, "scheduling discovery failed");
            }
            match self.schedule_connector(&record, false, at).await {
                Ok(r) => {
                    total.queued += r.queued;
                    total.waiting += r.waiting;
                }
                Err(e) => tracing::warn!(connector = %record.config.name, error = %e, "scheduling failed"),
            }
        }
        let week = Timestamp::from_millis(at.millis() - 7 * 24 * 3_600_000);
        self.store.prune_jobs(week).await?;
        self.housekeeping(at).await;
        Ok(total)
    }

    /// At most every ten minutes: today's snapshot of open findings (the
    /// console's trend) and the removal of ended console sessions. Failures
    /// are logged; the next pass tries again.
    async fn housekeeping(&self, at: Timestamp) {
        use std::sync::atomic::Ordering;
        let last = self.last_housekeeping.load(Ordering::Relaxed);
        if at.millis() - last < HOUSEKEEPING_EVERY_MS
            || self
                .last_housekeeping
                .compare_exchange(last, at.millis(), Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        if let Err(e) = self.store.snapshot_finding_counts(at).await {
            tracing::warn!(error = %e, "recording today's finding counts failed");
        }
        if let Err(e) = self.store.prune_sessions(at).await {
            tracing::warn!(error = %e, "removing ended sessions failed");
        }
    }

    /// Runs the scheduler every `every` until `stop`.
    pub async fn run_scheduler(&self, every: Duration, mut stop: watch::Receiver<bool>) {
        loop {
            match self.schedule_tick().await {
                Ok(r) if r.queued > 0 => {
                    tracing::info!(queued = r.queued, waiting = r.waiting, "full scans queued");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "scheduler pass failed"),
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                return;
            }
        }
    }

    /// Scans now, in batches, every enabled repository of `record` that
    /// `force` or the schedule says is due, with a worker in this process
    /// (or, with `slots` 0, leaving the jobs to other workers); returns when
    /// all are done. Failed scans waiting for a retry are not waited for.
    pub async fn run_batches(
        &self,
        record: &ConnectorRecord,
        force: bool,
        worker: &WorkerOptions,
    ) -> Result<BatchReport, EngineError> {
        let mut report = BatchReport::default();
        // A worker in this process runs the jobs while this loop keeps the
        // batch topped up; with no slots, other processes' workers do.
        let (stop, rx) = watch::channel(false);
        let mut local = None;
        let started = now();
        loop {
            // With `force`, repositories scanned during this call are not due again.
            let r = self
                .schedule_connector(record, force, if force { started } else { now() })
                .await?;
            let mut progressed = r.queued > 0;
            if r.queued > 0 {
                report.batches += 1;
                report.queued += r.queued;
            }
            if worker.slots > 0 && local.is_none() {
                let (engine, opts) = (self.clone(), worker.clone());
                let rx = rx.clone();
                local = Some(tokio::spawn(async move {
                    let opts = WorkerOptions {
                        until_idle: false,
                        ..opts
                    };
                    engine.run_worker(&opts, rx).await
                }));
            }
            // Wait while the batch runs; top it up as soon as it has room,
            // so workers never idle at a batch boundary.
            let batch = u64::from(self.store.scan_settings(&record.id).await?.batch_size);
            loop {
                let at = now();
                let active = self.active_full_scans(record).await?;
                let busy = active
                    .iter()
                    .any(|j| j.state == JobState::Running || j.run_after.millis() <= at.millis());
                if !busy {
                    break;
                }
                progressed = true;
                if r.waiting > 0 && (active.len() as u64) < batch {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            // Due repositories may wait behind a batch queued earlier (by
            // `repos enable` or the scheduler): go on while anything moves.
            if !progressed || (r.queued == 0 && r.waiting == 0) {
                break;
            }
        }
        let _ = stop.send(true);
        if let Some(task) = local {
            let w = task
                .await
                .map_err(|e| EngineError::Invalid(format!("the worker task failed: {e}")))??;
            report.worker = w;
        }
        Ok(report)
    }
}
