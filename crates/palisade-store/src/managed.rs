//! Managed scans as the store keeps them: per-repository scan state, connector
//! scan settings, scan logs, pull-request comment state, service-hook
//! subscriptions and webhook deliveries.
//!
//! Managed repositories are keyed by organization and ADO repository id, not
//! by connector: revoking a connector archives its repositories (settings,
//! findings and triage kept), and a new connector for the same organization
//! takes them up again.

use palisade_domain::{ArchiveReason, ManagedState, OrgName, ScanSettings, ScanStatus, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{ConnectorId, JobId, Result, StoreError};

/// A repository known to managed scans.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ManagedRepo {
    pub org: OrgName,
    /// ADO repository id (GUID, lowercase).
    pub repo_id: String,
    /// The connector currently responsible; `None` once revoked.
    pub connector: Option<ConnectorId>,
    pub project: String,
    pub project_id: String,
    pub name: String,
    /// Git remote (HTTPS) to clone from.
    pub remote_url: String,
    pub web_url: String,
    /// `main` (without `refs/heads/`); `None` for an empty repository.
    pub default_branch: Option<String>,
    /// Size ADO reports, bytes.
    pub size: u64,
    /// Scan target of its findings, fixed when first enabled so a rename
    /// does not split the history.
    pub target: String,
    pub state: ManagedState,
    pub archive_reason: Option<ArchiveReason>,
    pub full_scans: bool,
    pub pr_scans: bool,
    /// Labels, sorted; enabled repositories carry `managed-scan`.
    pub labels: Vec<String>,
    /// Ref tips (commit ids) the last successful full scan read up to:
    /// the next scan reads only objects not reachable from them.
    pub scanned_tips: Vec<String>,
    /// Rules version `scanned_tips` were read with: other rules must read
    /// the whole history again.
    pub scanned_rules: Option<String>,
    pub last_scan_id: Option<String>,
    pub last_scan_at: Option<Timestamp>,
    pub last_status: Option<ScanStatus>,
    /// One line about the last failure, when the last scan failed.
    pub last_error: Option<String>,
    pub last_success_at: Option<Timestamp>,
    pub first_seen_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Filter for [`ManagedStore::list_managed_repos`]; empty fields match everything.
#[derive(Clone, Debug, Default)]
pub struct ManagedRepoFilter {
    pub connector: Option<ConnectorId>,
    pub org: Option<OrgName>,
    /// Project name, case-insensitive.
    pub project: Option<String>,
    pub states: Vec<ManagedState>,
    /// Only repositories with full scans on.
    pub full_scans: Option<bool>,
    /// Only repositories whose last scan was recorded before this (or never).
    pub last_scan_before: Option<Timestamp>,
    pub limit: Option<u32>,
}

/// One line of a scan's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    pub at: Timestamp,
    /// `info`, `warn` or `error`.
    pub level: String,
    /// Never holds a credential or a secret in clear.
    pub message: String,
}

/// A thread palisade opened on a pull request for one finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrThread {
    /// Finding id plus path and line: one thread per finding location.
    pub key: String,
    pub thread_id: i64,
    /// Closed by palisade because the finding went away.
    pub resolved: bool,
}

/// What palisade posted on a pull request, so updates edit rather than repeat.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrState {
    /// Thread holding the summary comment, edited in place.
    pub summary_thread: Option<i64>,
    pub summary_comment: Option<i64>,
    pub threads: Vec<PrThread>,
    /// Source commit of the last completed PR scan.
    pub last_head: Option<String>,
}

/// A service-hook subscription palisade created in ADO.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HookSubscription {
    /// Subscription id (GUID) in ADO.
    pub id: String,
    pub org: String,
    /// `git.pullrequest.created`, `git.pullrequest.updated`, `git.push`.
    pub event_type: String,
    /// Project id the subscription filters on.
    pub project_id: String,
    pub created_at: Timestamp,
}

/// Managed-scan statistics of one connector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScanStats {
    pub repos_enabled: u64,
    pub repos_offered: u64,
    pub repos_archived: u64,
    /// Enabled repositories with at least one successful scan.
    pub repos_scanned: u64,
    /// Managed scans finished since `since` and how many succeeded.
    pub scans_finished: u64,
    pub scans_succeeded: u64,
    pub bytes_scanned: u64,
    /// Most recent failed scans: (repo name, scan id, finished at, error).
    pub last_failures: Vec<(String, String, Timestamp, String)>,
}

#[async_trait::async_trait]
pub trait ManagedStore: Send + Sync {
    /// Inserts or replaces managed repositories (keyed by org and repo id),
    /// in one transaction.
    async fn upsert_managed_repos(&self, repos: &[ManagedRepo]) -> Result<()>;

    async fn get_managed_repo(&self, org: &OrgName, repo_id: &str) -> Result<ManagedRepo>;

    /// Ordered by org, project, name (case-insensitive).
    async fn list_managed_repos(&self, filter: &ManagedRepoFilter) -> Result<Vec<ManagedRepo>>;

    /// Records how a managed scan of a repository ended. `read` (only on
    /// success) replaces `scanned_tips` and `scanned_rules`; `error` is the
    /// one-line failure.
    #[allow(clippy::too_many_arguments)]
    async fn record_repo_scan(
        &self,
        org: &OrgName,
        repo_id: &str,
        scan_id: &str,
        status: ScanStatus,
        read: Option<ScannedUpTo<'_>>,
        error: Option<&str>,
        at: Timestamp,
    ) -> Result<()>;

    /// Scan settings of a connector (defaults until set).
    async fn scan_settings(&self, connector: &ConnectorId) -> Result<ScanSettings>;

    async fn set_scan_settings(
        &self,
        connector: &ConnectorId,
        settings: &ScanSettings,
        at: Timestamp,
    ) -> Result<()>;

    /// Appends lines to a scan's log.
    async fn append_scan_log(&self, scan_id: &str, lines: &[LogLine]) -> Result<()>;

    /// A scan's log, oldest first. [`crate::StoreError::NotFound`] for an unknown scan.
    async fn scan_log(&self, scan_id: &str) -> Result<Vec<LogLine>>;

    /// Managed scans of a repository (by its scan target), newest first.
    async fn repo_scans(&self, target: &str, limit: u32) -> Result<Vec<palisade_domain::ScanSummary>>;

    /// Marks `running` scans started by `job` as interrupted (their worker
    /// died); returns how many.
    async fn interrupt_job_scans(&self, job: &str, at: Timestamp) -> Result<u64>;

    async fn pr_state(&self, org: &OrgName, repo_id: &str, pr: i64) -> Result<PrState>;

    async fn set_pr_state(
        &self,
        org: &OrgName,
        repo_id: &str,
        pr: i64,
        state: &PrState,
        at: Timestamp,
    ) -> Result<()>;

    /// Makes `job` the one job reporting on the pull request (its row created,
    /// with the default state, if missing): `true` when it now holds the
    /// claim, `false` when another job does. A holder counts only while its
    /// job is `running` with a lease not expired at `at`, so a dead worker's
    /// claim lapses with its lease and nothing is ever released. Atomic
    /// against concurrent claimers: at most one wins.
    /// [`set_pr_state`](Self::set_pr_state) leaves the claim alone.
    async fn claim_pr(
        &self,
        org: &OrgName,
        repo_id: &str,
        pr: i64,
        job: &JobId,
        at: Timestamp,
    ) -> Result<bool>;

    /// Records a webhook delivery id: `true` the first time, `false` for a
    /// replay. Ids older than `forget_before` are pruned.
    async fn record_delivery(
        &self,
        delivery_id: &str,
        at: Timestamp,
        forget_before: Timestamp,
    ) -> Result<bool>;

    /// Forgets a delivery id, so ADO's retry of a delivery palisade could
    /// not act on is handled, not taken for a replay.
    async fn forget_delivery(&self, delivery_id: &str) -> Result<()>;

    /// The sealed shared secret service hooks authenticate with.
    async fn webhook_secret(&self, connector: &ConnectorId) -> Result<Option<Vec<u8>>>;

    async fn set_webhook_secret(
        &self,
        connector: &ConnectorId,
        sealed: Option<&[u8]>,
        at: Timestamp,
    ) -> Result<()>;

    /// Replaces the connector's recorded subscriptions.
    async fn set_subscriptions(&self, connector: &ConnectorId, subs: &[HookSubscription]) -> Result<()>;

    async fn subscriptions(&self, connector: &ConnectorId) -> Result<Vec<HookSubscription>>;

    /// Statistics of a connector's managed scans; `since` bounds the scan counts.
    async fn scan_stats(&self, connector: &ConnectorId, since: Timestamp) -> Result<ScanStats>;

    /// Revokes a connector in one transaction: its repositories archived
    /// (`Revoked`, connector cleared; settings, findings and triage kept), its
    /// queued and running jobs cancelled, its webhook secret, subscriptions
    /// and credential destroyed, then the connector with its inventory deleted.
    async fn revoke_connector(&self, connector: &ConnectorId, at: Timestamp) -> Result<()>;
}

// ---- shared by the backends ----

/// A managed repository that is not there.
#[doc(hidden)]
pub fn repo_not_found(org: &OrgName, repo_id: &str) -> StoreError {
    StoreError::NotFound(format!("managed repository {repo_id} of organization {org}"))
}

/// A scan that is not there.
#[doc(hidden)]
pub fn scan_not_found(scan_id: &str) -> StoreError {
    StoreError::NotFound(format!("scan {scan_id}"))
}

/// Refuses log lines whose level is not `info`, `warn` or `error`.
#[doc(hidden)]
pub fn check_log_lines(lines: &[LogLine]) -> Result<()> {
    const LEVELS: [&str; 3] = ["info", "warn", "error"];
    match lines.iter().find(|l| !LEVELS.contains(&l.level.as_str())) {
        Some(bad) => Err(StoreError::Other(format!(
            "log level {:?} is not one of info, warn, error",
            bad.level
        ))),
        None => Ok(()),
    }
}

/// How far a successful full scan read a repository.
#[derive(Clone, Copy, Debug)]
pub struct ScannedUpTo<'a> {
    /// Ref tips (commit ids) everything reachable from which was read.
    pub tips: &'a [String],
    /// Version of the rules it was read with.
    pub rules_version: &'a str,
}

/// What [`ManagedStore::record_repo_scan`] keeps of a scan that ended with
/// `status`: how far it read only on success (it then replaces
/// `scanned_tips` and `scanned_rules` and moves `last_success_at`), the
/// error only on failure.
#[doc(hidden)]
pub fn scan_outcome<'a>(
    status: ScanStatus,
    read: Option<ScannedUpTo<'a>>,
    error: Option<&'a str>,
) -> (Option<ScannedUpTo<'a>>, Option<&'a str>) {
    if matches!(status, ScanStatus::Completed | ScanStatus::CompletedWithErrors) {
        (read, None)
    } else {
        (None, error)
    }
}
