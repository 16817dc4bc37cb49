//! Rows of the job queue and of managed scans as every backend reads and
//! writes them; for the backend crates, not part of the store's API.
//!
//! A backend implements [`StoredRow`] on its driver's row (column access, the
//! way its driver decodes a JSON column, and its wording of an unreadable
//! value); what is built from the columns is written here once. The column
//! lists ([`JOB_COLS`], [`REPO_COLS`]) are what the readers here expect.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use palisade_domain::{
    ArchiveReason, FindingKind, ManagedState, OrgName, ScanSettings, ScanStatus, Severity, Timestamp,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{
    AfterFailure, ConnectorId, Coverage, CoverageStatus, DayCounts, DueJob, FindingOverview,
    HookSubscription, Job, JobId, JobState, LogLine, ManagedRepo, PrState, RepoGroupRow, RepoInventoryRow,
    Result, ScanStats, SeverityCounts, StoreError,
};

/// One row a backend read, column by column.
pub trait StoredRow {
    /// A text column.
    fn text(&self, col: &str) -> Result<String>;

    fn opt_text(&self, col: &str) -> Result<Option<String>>;

    /// A 64-bit integer column.
    fn int(&self, col: &str) -> Result<i64>;

    fn opt_int(&self, col: &str) -> Result<Option<i64>>;

    /// An integer column that holds an `i32`.
    fn int32(&self, col: &str) -> Result<i32>;

    fn flag(&self, col: &str) -> Result<bool>;

    /// A JSON column, decoded.
    fn json<T: DeserializeOwned>(&self, col: &str) -> Result<T>;

    /// A JSON column that may be NULL, decoded.
    fn opt_json<T: DeserializeOwned>(&self, col: &str) -> Result<Option<T>>;

    /// The error for a value of the row that is not what the store wrote.
    fn corrupt(&self, what: &str, detail: &dyn fmt::Display) -> StoreError;

    /// A count or size (a non-negative 64-bit integer).
    fn u64(&self, col: &str) -> Result<u64> {
        let v = self.int(col)?;
        u64::try_from(v).map_err(|_| self.corrupt(col, &v))
    }

    fn u32(&self, col: &str) -> Result<u32> {
        let v = self.int(col)?;
        u32::try_from(v).map_err(|_| self.corrupt(col, &v))
    }

    /// Epoch milliseconds.
    fn ts(&self, col: &str) -> Result<Timestamp> {
        self.int(col).map(Timestamp::from_millis)
    }

    fn opt_ts(&self, col: &str) -> Result<Option<Timestamp>> {
        self.opt_int(col).map(|v| v.map(Timestamp::from_millis))
    }
}

/// A text column holding a name `FromStr` parses.
fn parsed<R: StoredRow, T: FromStr>(row: &R, col: &str, what: &str) -> Result<T>
where
    T::Err: fmt::Display,
{
    let name = row.text(col)?;
    name.parse().map_err(|e: T::Err| row.corrupt(what, &e))
}

/// A text column holding one of the names `parse` knows.
fn named<R: StoredRow, T>(row: &R, col: &str, what: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    let name = row.text(col)?;
    parse(&name).ok_or_else(|| row.corrupt(what, &name))
}

fn opt_named<R: StoredRow, T>(
    row: &R,
    col: &str,
    what: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>> {
    row.opt_text(col)?
        .map(|name| parse(&name).ok_or_else(|| row.corrupt(what, &name)))
        .transpose()
}

// ---- jobs ----

/// The columns [`job`] reads.
pub const JOB_COLS: &str = "id, kind, payload, dedup_key, priority, state, attempts, max_attempts, run_after, \
     lease_owner, lease_expires_at, last_error, connector_id, created_at, updated_at, finished_at";

/// A row of `jobs` ([`JOB_COLS`]).
pub fn job(row: &impl StoredRow) -> Result<Job> {
    Ok(Job {
        id: JobId::from_stored(row.text("id")?),
        kind: row.text("kind")?,
        payload: row.json("payload")?,
        dedup_key: row.opt_text("dedup_key")?,
        priority: row.int32("priority")?,
        state: job_state(row)?,
        attempts: row.u32("attempts")?,
        max_attempts: row.u32("max_attempts")?,
        run_after: row.ts("run_after")?,
        lease_owner: row.opt_text("lease_owner")?,
        lease_expires_at: row.opt_ts("lease_expires_at")?,
        last_error: row.opt_text("last_error")?,
        connector: row.opt_text("connector_id")?.map(ConnectorId::from_stored),
        created_at: row.ts("created_at")?,
        updated_at: row.ts("updated_at")?,
        finished_at: row.opt_ts("finished_at")?,
    })
}

/// The `state` column of a job.
pub fn job_state(row: &impl StoredRow) -> Result<JobState> {
    named(row, "state", "job state", JobState::parse)
}

/// `id` and `state` of a job.
pub fn job_id_and_state(row: &impl StoredRow) -> Result<(JobId, JobState)> {
    Ok((JobId::from_stored(row.text("id")?), job_state(row)?))
}

/// The job `lease_job` found due (`id, state, attempts, max_attempts`) and
/// what to do with it.
pub fn due_job(row: &impl StoredRow) -> Result<(JobId, DueJob)> {
    let (id, state) = job_id_and_state(row)?;
    Ok((
        id,
        DueJob::decide(state, row.u32("attempts")?, row.u32("max_attempts")?),
    ))
}

/// What a failed attempt of a leased job (`attempts, max_attempts`) leads to.
pub fn after_failure(
    row: &impl StoredRow,
    retry_at: Option<Timestamp>,
    at: Timestamp,
) -> Result<AfterFailure> {
    Ok(AfterFailure::decide(
        row.u32("attempts")?,
        row.u32("max_attempts")?,
        retry_at,
        at,
    ))
}

/// Rows of `kind, state, n` (jobs per kind and state), sorted.
pub fn job_counts<R: StoredRow>(rows: impl IntoIterator<Item = R>) -> Result<Vec<(String, JobState, u64)>> {
    let mut counts = rows
        .into_iter()
        .map(|row| Ok((row.text("kind")?, job_state(&row)?, row.u64("n")?)))
        .collect::<Result<Vec<_>>>()?;
    counts.sort();
    Ok(counts)
}

// ---- managed scans ----

/// The columns [`managed_repo`] reads.
pub const REPO_COLS: &str = "org_name, repo_id, connector_id, project, project_id, name, remote_url, web_url, \
     default_branch, size, target, state, archive_reason, full_scans, pr_scans, labels, scanned_tips, \
     scanned_rules, last_scan_id, last_scan_at, last_status, last_error, last_success_at, first_seen_at, updated_at";

/// A row of `managed_repos` ([`REPO_COLS`]).
pub fn managed_repo(row: &impl StoredRow) -> Result<ManagedRepo> {
    let org = row.text("org_name")?;
    Ok(ManagedRepo {
        org: OrgName::parse(&org).map_err(|e| row.corrupt("organization", &e))?,
        repo_id: row.text("repo_id")?,
        connector: row.opt_text("connector_id")?.map(ConnectorId::from_stored),
        project: row.text("project")?,
        project_id: row.text("project_id")?,
        name: row.text("name")?,
        remote_url: row.text("remote_url")?,
        web_url: row.text("web_url")?,
        default_branch: row.opt_text("default_branch")?,
        size: row.u64("size")?,
        target: row.text("target")?,
        state: named(row, "state", "managed state", ManagedState::parse)?,
        archive_reason: opt_named(row, "archive_reason", "archive reason", ArchiveReason::parse)?,
        full_scans: row.flag("full_scans")?,
        pr_scans: row.flag("pr_scans")?,
        labels: row.json("labels")?,
        scanned_tips: row.json("scanned_tips")?,
        scanned_rules: row.opt_text("scanned_rules")?,
        last_scan_id: row.opt_text("last_scan_id")?,
        last_scan_at: row.opt_ts("last_scan_at")?,
        last_status: opt_named(row, "last_status", "scan status", ScanStatus::parse)?,
        last_error: row.opt_text("last_error")?,
        last_success_at: row.opt_ts("last_success_at")?,
        first_seen_at: row.ts("first_seen_at")?,
        updated_at: row.ts("updated_at")?,
    })
}

/// A managed repository as one JSON object of a batch write: the columns of
/// `managed_repos`, keys lowercased.
#[derive(Debug, Serialize)]
pub struct ManagedRepoRow<'a> {
    pub org_key: String,
    pub org_name: &'a str,
    pub repo_id: String,
    pub connector_id: Option<&'a str>,
    pub project: &'a str,
    pub project_id: &'a str,
    pub name: &'a str,
    pub remote_url: &'a str,
    pub web_url: &'a str,
    pub default_branch: Option<&'a str>,
    pub size: i64,
    pub target: &'a str,
    pub state: &'static str,
    pub archive_reason: Option<&'static str>,
    pub full_scans: bool,
    pub pr_scans: bool,
    pub labels: &'a [String],
    pub scanned_tips: &'a [String],
    pub scanned_rules: Option<&'a str>,
    pub last_scan_id: Option<&'a str>,
    pub last_scan_at: Option<i64>,
    pub last_status: Option<&'static str>,
    pub last_error: Option<&'a str>,
    pub last_success_at: Option<i64>,
    pub first_seen_at: i64,
    pub updated_at: i64,
}

impl<'a> ManagedRepoRow<'a> {
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
            size: i64::try_from(r.size).map_err(|_| {
                StoreError::Other(format!("repository size {} is too large to store", r.size))
            })?,
            target: &r.target,
            state: r.state.as_str(),
            archive_reason: r.archive_reason.map(ArchiveReason::as_str),
            full_scans: r.full_scans,
            pr_scans: r.pr_scans,
            labels: &r.labels,
            scanned_tips: &r.scanned_tips,
            scanned_rules: r.scanned_rules.as_deref(),
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

/// The rows [`ManagedStore::upsert_managed_repos`](crate::ManagedStore::upsert_managed_repos)
/// writes, one per key in key order: the last of repeated keys wins, as if
/// written one after the other (one statement cannot write a row twice).
pub fn managed_repo_rows(repos: &[ManagedRepo]) -> Result<Vec<ManagedRepoRow<'_>>> {
    let mut rows: BTreeMap<(String, String), ManagedRepoRow<'_>> = BTreeMap::new();
    for r in repos {
        let row = ManagedRepoRow::new(r)?;
        rows.insert((row.org_key.clone(), row.repo_id.clone()), row);
    }
    Ok(rows.into_values().collect())
}

/// The `settings` column of `connector_managed` (defaults until set; NULL
/// also when the connector has no row there yet).
pub fn scan_settings(row: &impl StoredRow) -> Result<ScanSettings> {
    Ok(row.opt_json("settings")?.unwrap_or_default())
}

/// The `state` column of `pr_states`; nothing stored yet is the default.
pub fn pr_state(row: Option<impl StoredRow>) -> Result<PrState> {
    row.map_or_else(|| Ok(PrState::default()), |row| row.json("state"))
}

/// A row of `at, level, message` of `scan_logs`.
pub fn log_line(row: &impl StoredRow) -> Result<LogLine> {
    Ok(LogLine {
        at: row.ts("at")?,
        level: row.text("level")?,
        message: row.text("message")?,
    })
}

/// A row of `id, org, event_type, project_id, created_at` of `hook_subscriptions`.
pub fn hook_subscription(row: &impl StoredRow) -> Result<HookSubscription> {
    Ok(HookSubscription {
        id: row.text("id")?,
        org: row.text("org")?,
        event_type: row.text("event_type")?,
        project_id: row.text("project_id")?,
        created_at: row.ts("created_at")?,
    })
}

/// Statistics from the three queries of
/// [`ManagedStore::scan_stats`](crate::ManagedStore::scan_stats): `repos`
/// (`enabled, offered, archived, scanned`), `scans` (`finished, succeeded,
/// bytes`) and the recent `failures` (`repo_name, id, finished_at, error`).
pub fn scan_stats<R: StoredRow>(
    repos: &R,
    scans: &R,
    failures: impl IntoIterator<Item = R>,
) -> Result<ScanStats> {
    Ok(ScanStats {
        repos_enabled: repos.u64("enabled")?,
        repos_offered: repos.u64("offered")?,
        repos_archived: repos.u64("archived")?,
        repos_scanned: repos.u64("scanned")?,
        scans_finished: scans.u64("finished")?,
        scans_succeeded: scans.u64("succeeded")?,
        bytes_scanned: scans.u64("bytes")?,
        last_failures: failures
            .into_iter()
            .map(|row| {
                Ok((
                    row.text("repo_name")?,
                    row.text("id")?,
                    row.ts("finished_at")?,
                    row.text("error")?,
                ))
            })
            .collect::<Result<_>>()?,
    })
}

// ---- overview ----

/// The columns `critical, high, medium, low, info, total`.
pub fn severity_counts(row: &impl StoredRow) -> Result<SeverityCounts> {
    Ok(SeverityCounts {
        critical: row.u64("critical")?,
        high: row.u64("high")?,
        medium: row.u64("medium")?,
        low: row.u64("low")?,
        info: row.u64("info")?,
        total: row.u64("total")?,
    })
}

/// Rows of `kind, severity, n` (open findings per kind and severity) and the
/// number of repositories with any.
pub fn finding_overview<R: StoredRow>(
    rows: impl IntoIterator<Item = R>,
    repos_with_open: u64,
) -> Result<FindingOverview> {
    let mut overview = FindingOverview {
        by_kind: FindingKind::ALL
            .into_iter()
            .map(|k| (k, SeverityCounts::default()))
            .collect(),
        total: SeverityCounts::default(),
        repos_with_open,
    };
    for row in rows {
        let kind: FindingKind = parsed(&row, "kind", "finding kind")?;
        let severity: Severity = parsed(&row, "severity", "severity")?;
        let n = row.u64("n")?;
        overview.by_kind.entry(kind).or_default().add(severity, n);
        overview.total.add(severity, n);
    }
    Ok(overview)
}

/// Rows of `day, severity, n` (`severity` NULL for a day whose snapshot
/// counted nothing in scope), in day order.
pub fn day_counts<R: StoredRow>(rows: impl IntoIterator<Item = R>) -> Result<Vec<DayCounts>> {
    let mut days: Vec<DayCounts> = Vec::new();
    for row in rows {
        let day = row.text("day")?;
        if days.last().is_none_or(|d| d.day != day) {
            days.push(DayCounts {
                day,
                open: SeverityCounts::default(),
            });
        }
        if let Some(severity) = row.opt_text("severity")? {
            let severity: Severity = severity.parse().map_err(|e| row.corrupt("severity", &e))?;
            let n = row.u64("n")?;
            if let Some(d) = days.last_mut() {
                d.open.add(severity, n);
            }
        }
    }
    Ok(days)
}

/// Rows of `coverage, pr_annotations, n` (repositories per coverage status
/// and `on`/`off`).
pub fn coverage<R: StoredRow>(rows: impl IntoIterator<Item = R>) -> Result<Coverage> {
    let mut c = Coverage::default();
    for row in rows {
        let status = named(&row, "coverage", "coverage status", CoverageStatus::parse)?;
        let pr_on = row.text("pr_annotations")? == "on";
        let n = row.u64("n")?;
        c.repos += n;
        match status {
            CoverageStatus::On => c.on += n,
            CoverageStatus::Partial => c.partial += n,
            CoverageStatus::Off => c.off += n,
            CoverageStatus::NotApplicable => c.not_applicable += n,
        }
        if status != CoverageStatus::NotApplicable {
            if pr_on {
                c.pr_annotations_on += n;
            } else {
                c.pr_annotations_off += n;
            }
        }
    }
    Ok(c)
}

/// A row of [`crate::INVENTORY_COLS`] plus `coverage`.
pub fn repo_inventory_row(row: &impl StoredRow) -> Result<RepoInventoryRow> {
    let org = row.text("org_name")?;
    Ok(RepoInventoryRow {
        org: OrgName::parse(&org).map_err(|e| row.corrupt("organization", &e))?,
        project: row.text("project")?,
        name: row.text("name")?,
        repo_id: row.text("repo_id")?,
        target: row.text("target")?,
        connector: row.opt_text("connector_id")?.map(ConnectorId::from_stored),
        state: named(row, "state", "managed state", ManagedState::parse)?,
        full_scans: row.flag("full_scans")?,
        pr_scans: row.flag("pr_scans")?,
        coverage: named(row, "coverage", "coverage status", CoverageStatus::parse)?,
        last_scan_at: row.opt_ts("last_scan_at")?,
        last_success_at: row.opt_ts("last_success_at")?,
        last_status: opt_named(row, "last_status", "scan status", ScanStatus::parse)?,
        open: severity_counts(row)?,
    })
}

/// A row of [`crate::GROUP_COLS`].
pub fn repo_group_row(row: &impl StoredRow) -> Result<RepoGroupRow> {
    let org = row.text("org_name")?;
    Ok(RepoGroupRow {
        org: OrgName::parse(&org).map_err(|e| row.corrupt("organization", &e))?,
        project: row.text("project")?,
        repos: row.u64("repos")?,
        repos_with_open: row.u64("repos_with_open")?,
        open: severity_counts(row)?,
    })
}
