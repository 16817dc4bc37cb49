use serde::{Deserialize, Serialize};

use crate::{BlobId, Confidence, FindingId, RuleId, SecretHash, Severity, Timestamp};

/// Where a commit came from, for the commit that introduced a blob.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CommitInfo {
    /// Full commit id.
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    pub date: Timestamp,
}

/// One place a secret was seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Location {
    /// Path relative to the scan root (or the repository root), `/`-separated.
    pub path: String,
    /// 1-based line of the start of the match.
    pub line: u32,
    /// 1-based column (in bytes) of the start of the secret.
    pub column: u32,
    pub blob_id: BlobId,
    /// The commit that introduced the blob, for history scans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<CommitInfo>,
}

/// What a scan reports: one rule, one secret, every place it was seen.
/// The secret itself is absent unless the user asked for it.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    pub id: FindingId,
    pub rule_id: RuleId,
    pub rule_name: String,
    pub severity: Severity,
    pub confidence: Confidence,
    /// Redacted preview, e.g. `ghp_********`.
    pub preview: String,
    /// `sha256:` of the secret, the value `[allowlist] secrets` and baselines take.
    pub secret_hash: SecretHash,
    /// The secret in clear: only with `--show-secrets`, never stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub locations: Vec<Location>,
}
