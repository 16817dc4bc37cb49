//! Renders scan results for people and tools.
//!
//! - [`table`]: the human view, coloured on a terminal.
//! - [`json`]: the versioned JSON document ([`ScanReport`], schema in
//!   `docs/schema/scan-report.v1.json`, generated from these types).
//! - [`sarif`]: SARIF 2.1.0 for code-scanning UIs.
//! - [`sarif_import`]: the other way: other tools' SARIF as palisade findings.
//!
//! Every renderer takes a [`ScanReport`]; none of them sees a secret in clear
//! unless the caller put it in [`Finding::secret`] (`--show-secrets`).

pub mod json;
pub mod posture_sarif;
pub mod sarif;
pub mod sarif_import;
pub mod table;

use palisade_domain::{Confidence, Finding, RuleId, ScanSummary, Severity, TriageState};
use serde::{Deserialize, Serialize};

/// Version of the JSON report format. Bumped on any incompatible change.
pub const SCHEMA_VERSION: &str = "1";

/// Everything one scan reported: the document `--format json` prints.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScanReport {
    /// Version of this document's format ([`SCHEMA_VERSION`]). Incompatible changes bump it.
    #[schemars(extend("const" = SCHEMA_VERSION))]
    pub schema_version: String,
    /// The program that wrote the report.
    pub tool: Tool,
    /// What was scanned, how long it took, and what could not be read.
    pub scan: ScanSummary,
    /// Findings ordered by severity (highest first), then rule id, then first location.
    pub findings: Vec<ReportedFinding>,
    /// Metadata of every rule that has a finding in this report.
    pub rules: Vec<RuleInfo>,
}

/// The program that wrote a report.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Tool {
    /// Always `palisade`.
    pub name: String,
    /// Version of the program, e.g. `0.1.0`.
    pub version: String,
}

/// A finding with the store's view of it.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReportedFinding {
    #[serde(flatten)]
    pub finding: Finding,
    /// Triage state from the store (`open` when no store is used).
    pub state: TriageState,
    /// First time any scan recorded in the store saw this finding.
    pub new: bool,
}

/// What a reader needs to know about a rule.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RuleInfo {
    /// Stable rule id, e.g. `github.pat`.
    pub id: RuleId,
    /// Human name, e.g. `GitHub personal access token`.
    pub name: String,
    pub severity: Severity,
    pub confidence: Confidence,
    /// What the rule finds and what an attacker could do with it.
    pub description: String,
    /// What to do about a finding: revoke, rotate, move to a secret store.
    pub remediation: String,
    /// Links to vendor documentation, first one most relevant.
    pub references: Vec<String>,
}
