use serde::{Deserialize, Serialize};

use crate::{BlobId, Confidence, FindingId, FindingKind, RuleId, SecretHash, Severity, Timestamp};

/// Where a commit came from, for the commit that introduced a blob.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, utoipa::ToSchema)]
pub struct CommitInfo {
    /// Full commit id.
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    pub date: Timestamp,
}

/// One place a finding was seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, utoipa::ToSchema)]
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

/// What a scan reports: one rule, one matched value (a secret, a vulnerable
/// package version, a misconfigured resource, a flawed expression), every
/// place it was seen. A secret itself is absent unless the user asked for it.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    pub id: FindingId,
    /// Secret unless said otherwise (reports written before kinds existed).
    #[serde(default)]
    pub kind: FindingKind,
    pub rule_id: RuleId,
    pub rule_name: String,
    pub severity: Severity,
    pub confidence: Confidence,
    /// What identifies the finding to a person without disclosing a secret:
    /// `ghp_********` for a secret, `lodash@4.17.20` for a dependency, the
    /// resource or function for IaC and code.
    pub preview: String,
    /// `sha256:` of the matched value (for secrets, the secret): the value
    /// `[allowlist] secrets` and baselines take.
    pub secret_hash: SecretHash,
    /// What the rule found, for kinds other than secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<FindingDetails>,
    /// The secret in clear: only with `--show-secrets`, never stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub locations: Vec<Location>,
}

/// What a finding says beyond its rule, per kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum FindingDetails {
    Dependency(DependencyDetails),
    /// IaC, pipeline and code rules, ours or imported from SARIF.
    Rule(RuleDetails),
}

/// A package version named by an advisory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema, utoipa::ToSchema)]
pub struct DependencyDetails {
    /// OSV ecosystem, e.g. `npm`, `PyPI`, `NuGet`, `Maven`, `Go`, `crates.io`.
    pub ecosystem: String,
    pub package: String,
    /// The installed (locked) version.
    pub version: String,
    /// OSV id of the advisory, e.g. `GHSA-jf85-cpcp-j695`.
    pub advisory: String,
    /// Other ids of the same advisory (CVE, GHSA, PYSEC, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// CVSS vector the severity was computed from, when the advisory gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The lowest version above the installed one that fixes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    /// Whether the manifest names the package itself (not a transitive one), when it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct: Option<bool>,
}

/// What a structural rule matched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, utoipa::ToSchema)]
pub struct RuleDetails {
    pub message: String,
    /// The resource, step or function the finding is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cwe: Vec<u32>,
    /// Equivalent Checkov ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checkov: Vec<String>,
    /// The tool that reported it, for imported results (`CodeQL`, `Semgrep`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
}
