use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Severity;

/// What a finding is about. Defender's overview counts these four; every
/// kind shares one finding model (rule, severity, location, fingerprint,
/// triage) so the store, reports and the console treat them alike.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum FindingKind {
    /// A credential in the code or its history.
    #[default]
    Secret,
    /// A dependency version with a known advisory.
    Dependency,
    /// An infrastructure-as-code or pipeline misconfiguration.
    Iac,
    /// A code flaw found by a structural rule (SAST).
    Code,
}

impl FindingKind {
    pub const ALL: [FindingKind; 4] = [Self::Secret, Self::Dependency, Self::Iac, Self::Code];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Secret => "secret",
            Self::Dependency => "dependency",
            Self::Iac => "iac",
            Self::Code => "code",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A finding kind name that is not one of [`FindingKind::ALL`].
#[derive(Debug, thiserror::Error)]
#[error("unknown finding kind {0:?}: expected one of secret, dependency, iac, code")]
pub struct UnknownFindingKind(String);

impl FromStr for FindingKind {
    type Err = UnknownFindingKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "secret" | "secrets" => Ok(Self::Secret),
            "dependency" | "dependencies" | "sca" => Ok(Self::Dependency),
            "iac" => Ok(Self::Iac),
            "code" | "sast" => Ok(Self::Code),
            _ => Err(UnknownFindingKind(s.chars().take(40).collect())),
        }
    }
}

/// A rule compiled into palisade (IaC and pipeline checks): its documentation
/// and the examples its own test runs through the real engine.
///
/// Ids are stable once released (triage refers to them) and must be valid
/// [`crate::RuleId`]s; a test in each rule crate checks it.
#[derive(Debug)]
pub struct StaticRule {
    /// e.g. `iac.azurerm.storage-account-https-only`.
    pub id: &'static str,
    /// One line, read as a problem: "Storage account accepts plain HTTP".
    pub name: &'static str,
    pub severity: Severity,
    /// The file family the rule reads, e.g. `terraform`, `kubernetes`.
    pub framework: &'static str,
    /// Equivalent Checkov check ids, where one exists (`CKV_AZURE_3`).
    pub checkov: &'static [&'static str],
    /// Why it matters: what an attacker gains.
    pub description: &'static str,
    /// How to fix it.
    pub remediation: &'static str,
    pub references: &'static [&'static str],
    /// File name the examples are scanned as (it selects the parser), e.g. `main.tf`.
    pub example_path: &'static str,
    /// Each must produce at least one match of this rule.
    pub positive: &'static [&'static str],
    /// None may produce a match of this rule.
    pub negative: &'static [&'static str],
}

/// One place a [`StaticRule`] matched in a file.
#[derive(Clone, Debug)]
pub struct RuleMatch {
    pub rule: &'static StaticRule,
    /// 1-based line of the offending attribute, or of its block when the
    /// problem is a missing attribute.
    pub line: u32,
    /// 1-based column (bytes), 1 when unknown.
    pub column: u32,
    /// What is misconfigured, stable across edits that do not touch it:
    /// `azurerm_storage_account.logs`, `Deployment/web/container nginx`,
    /// `job build/step 3`. Part of the finding's fingerprint.
    pub subject: String,
}
