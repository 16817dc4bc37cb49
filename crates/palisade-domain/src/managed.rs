//! Managed scans: which repositories palisade scans on its own, how, and why
//! a scan ran. Pure data; the engine decides, the store keeps.

use serde::{Deserialize, Serialize};

use crate::Severity;

/// The label every repository enabled for managed scans carries.
pub const MANAGED_SCAN_LABEL: &str = "managed-scan";

/// Where a managed repository stands.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema, utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ManagedState {
    /// Discovered and not enabled yet: shown to users as a candidate.
    Offered,
    /// Scanned by managed scans (full and/or pull-request scans).
    Enabled,
    /// Turned off by a user; findings kept.
    Disabled,
    /// Gone from the estate (removed or disabled in ADO, or its connector
    /// revoked); findings kept; restored when seen again.
    Archived,
}

impl ManagedState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offered => "offered",
            Self::Enabled => "enabled",
            Self::Disabled => "disabled",
            Self::Archived => "archived",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Offered, Self::Enabled, Self::Disabled, Self::Archived]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// Why a repository was archived (decides whether it comes back on its own).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ArchiveReason {
    /// Discovery no longer lists it.
    Removed,
    /// ADO reports it disabled.
    DisabledInAdo,
    /// Its connector was revoked or deleted.
    Revoked,
}

impl ArchiveReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Removed => "removed",
            Self::DisabledInAdo => "disabled-in-ado",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Removed, Self::DisabledInAdo, Self::Revoked]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// What started a scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ScanTrigger {
    /// `palisade scan` on a local path.
    Cli,
    /// A user asked for a managed scan now.
    Manual,
    /// The full-scan schedule.
    Schedule,
    /// Scanning was just enabled for the repository.
    Enable,
    /// A pushed commit (service hook).
    Push,
    /// A pull request created or updated (service hook).
    PullRequest,
}

impl ScanTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cli => "cli",
            Self::Manual => "manual",
            Self::Schedule => "schedule",
            Self::Enable => "enable",
            Self::Push => "push",
            Self::PullRequest => "pull-request",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Cli,
            Self::Manual,
            Self::Schedule,
            Self::Enable,
            Self::Push,
            Self::PullRequest,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// Where a managed scan came from; absent for `palisade scan` of a local path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScanContext {
    /// Connector id (UUID) the scan ran for.
    pub connector: String,
    /// Organization name.
    pub org: String,
    /// ADO repository id (GUID).
    pub repo_id: String,
    /// `project/repo` as ADO names it at scan time.
    pub repo_name: String,
    /// Branch scanned (`main`), or the pull request's source branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    pub trigger: ScanTrigger,
    /// The job that ran the scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    /// Pull request id, for diff-aware scans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<i64>,
    /// Incremental scans read only blobs new since the previous scan.
    #[serde(default)]
    pub incremental: bool,
}

/// Managed-scan settings of a connector. Stored as JSON; every field has a
/// default so older rows read fine, and fields a newer version dropped are
/// ignored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ScanSettings {
    /// Enable scanning of repositories discovery finds later, instead of
    /// only offering them.
    pub auto_enable_new_repos: bool,
    /// Hours between scheduled full scans of each enabled repository (0: off).
    pub full_scan_interval_hours: u32,
    /// Hours between scheduled discoveries, which offer new repositories and
    /// archive vanished ones (0: only when run by hand).
    pub discovery_interval_hours: u32,
    /// Full scans queued at once per connector: the next batch is queued
    /// when this one is done.
    pub batch_size: u32,
    /// Service hooks deliver pull-request and push events.
    pub webhooks: bool,
    /// palisade's address as ADO reaches it (`https://palisade.example.com`);
    /// subscriptions deliver to `{webhook_url}/hooks/ado/{connector id}`.
    pub webhook_url: Option<String>,
    /// Post comments (summary and per-finding threads) on pull requests.
    pub pr_comments: bool,
    /// Projects (by name, case-insensitive) where comments are off.
    pub pr_comments_off_projects: Vec<String>,
    /// At most this many finding threads per pull request.
    pub pr_max_threads: u32,
    /// The PR status fails when a finding on changed lines is at least this severe.
    pub pr_fail_severity: Severity,
}

impl Default for ScanSettings {
    fn default() -> Self {
        Self {
            auto_enable_new_repos: false,
            full_scan_interval_hours: 24,
            discovery_interval_hours: 24,
            batch_size: 50,
            webhooks: true,
            webhook_url: None,
            pr_comments: true,
            pr_comments_off_projects: Vec::new(),
            pr_max_threads: 20,
            pr_fail_severity: Severity::High,
        }
    }
}

impl ScanSettings {
    /// Whether pull requests of `project` get comments.
    pub fn comments_in(&self, project: &str) -> bool {
        self.pr_comments
            && !self
                .pr_comments_off_projects
                .iter()
                .any(|p| p.eq_ignore_ascii_case(project))
    }

    /// Rejects settings that cannot work, with a message naming the field.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=1000).contains(&self.batch_size) {
            return Err(format!(
                "batch size must be between 1 and 1000, got {}",
                self.batch_size
            ));
        }
        if self.discovery_interval_hours > 24 * 366 {
            return Err(format!(
                "discovery interval must be at most {} hours, got {}",
                24 * 366,
                self.discovery_interval_hours
            ));
        }
        if self.full_scan_interval_hours > 24 * 366 {
            return Err(format!(
                "full scan interval must be at most {} hours, got {}",
                24 * 366,
                self.full_scan_interval_hours
            ));
        }
        if let Some(url) = &self.webhook_url {
            let ok = (url.starts_with("https://") || url.starts_with("http://"))
                && !url.contains(['?', '#', ' '])
                && !url
                    .split("://")
                    .nth(1)
                    .unwrap_or("")
                    .split('/')
                    .next()
                    .unwrap_or("")
                    .contains('@');
            if !ok {
                return Err(format!(
                    "webhook URL must be an http(s) URL without user info, query or fragment, got {url:?}"
                ));
            }
        }
        if !(1..=200).contains(&self.pr_max_threads) {
            return Err(format!(
                "PR thread cap must be between 1 and 200, got {}",
                self.pr_max_threads
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_round_trip() {
        for s in [
            ManagedState::Offered,
            ManagedState::Enabled,
            ManagedState::Disabled,
            ManagedState::Archived,
        ] {
            assert_eq!(ManagedState::parse(s.as_str()), Some(s));
        }
        for t in [ScanTrigger::Cli, ScanTrigger::Push, ScanTrigger::PullRequest] {
            assert_eq!(ScanTrigger::parse(t.as_str()), Some(t));
        }
        assert_eq!(ArchiveReason::parse("revoked"), Some(ArchiveReason::Revoked));
        assert_eq!(ManagedState::parse("on"), None);
    }

    #[test]
    fn settings_default_and_validate() {
        let s = ScanSettings::default();
        assert!(s.validate().is_ok());
        let parsed: ScanSettings = serde_json::from_str("{}").expect("defaults fill in");
        assert_eq!(parsed, s);
        let bad = ScanSettings {
            batch_size: 0,
            ..s.clone()
        };
        assert!(bad.validate().unwrap_err().contains("batch size"));
        let old: ScanSettings =
            serde_json::from_str(r#"{"concurrency":3,"batch_size":7}"#).expect("old rows read");
        assert_eq!(old.batch_size, 7);
        let off = ScanSettings {
            pr_comments_off_projects: vec!["Payments".into()],
            ..s
        };
        assert!(!off.comments_in("payments"));
        assert!(off.comments_in("web"));
    }
}
