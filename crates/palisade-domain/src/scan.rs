use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// What kind of input a scan read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    /// Files of a folder (a working tree or any directory).
    Folder,
    /// Every blob reachable from all refs of a git repository, plus its working tree.
    GitHistory,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Folder => "folder",
            Self::GitHistory => "git-history",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "folder" => Some(Self::Folder),
            "git-history" => Some(Self::GitHistory),
            _ => None,
        }
    }
}

/// How a scan ended.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema, utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ScanStatus {
    /// Started and not finished; a scan left in this state by a killed process
    /// is marked `interrupted` when the store is next opened.
    Running,
    Completed,
    /// Finished, but some inputs could not be read (see `errors`).
    CompletedWithErrors,
    Failed,
    Interrupted,
}

impl ScanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Completed => "completed",
            Self::CompletedWithErrors => "completed-with-errors",
            Self::Failed => "failed",
            Self::Interrupted => "interrupted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Running,
            Self::Completed,
            Self::CompletedWithErrors,
            Self::Failed,
            Self::Interrupted,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// One input the scan could not read. The scan goes on without it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScanError {
    /// The path, blob or object the error is about.
    pub subject: String,
    /// One line, safe to show: never contains file content.
    pub message: String,
}

/// Counters and metadata of one scan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScanSummary {
    /// `UUIDv7` of the scan.
    pub id: String,
    /// Canonical path of what was scanned.
    pub target: String,
    pub kind: TargetKind,
    /// `HEAD` commit of the target when it is a git repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    pub status: ScanStatus,
    pub started_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Timestamp>,
    pub duration_ms: u64,
    /// Files (or history blob sightings) enumerated.
    pub files: u64,
    /// Bytes of distinct content scanned.
    pub bytes: u64,
    /// Distinct blobs scanned.
    pub blobs: u64,
    /// Files skipped as binary.
    pub skipped_binary: u64,
    /// Files skipped for being over the size limit.
    pub skipped_too_large: u64,
    /// Version of the rule set: a hash of the rules' definitions.
    pub rules_version: String,
    pub rules_count: u32,
    /// Findings reported (after suppression).
    pub findings: u64,
    /// Matches silenced by inline comments, the allowlist or the baseline.
    pub suppressed: u64,
    pub errors: Vec<ScanError>,
    /// Where a managed scan came from (connector, repository, trigger, job).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<crate::ScanContext>,
}

impl ScanSummary {
    /// A scan that has just started: status running, counters at zero.
    pub fn started(
        id: String,
        target: String,
        kind: TargetKind,
        rules_version: String,
        rules_count: u32,
        started_at: Timestamp,
        context: Option<crate::ScanContext>,
    ) -> Self {
        Self {
            id,
            target,
            kind,
            commit: None,
            status: ScanStatus::Running,
            started_at,
            finished_at: None,
            duration_ms: 0,
            files: 0,
            bytes: 0,
            blobs: 0,
            skipped_binary: 0,
            skipped_too_large: 0,
            rules_version,
            rules_count,
            findings: 0,
            suppressed: 0,
            errors: Vec::new(),
            context,
        }
    }
}
