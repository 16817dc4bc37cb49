use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A person's verdict on a finding. It belongs to the finding id, so it
/// survives rescans and moved files.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema, utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum TriageState {
    Open,
    FalsePositive,
    AcceptedRisk,
    Fixed,
}

#[derive(Debug, thiserror::Error)]
#[error("unknown triage state {0:?}: expected open, false-positive, accepted-risk or fixed")]
pub struct UnknownTriageState(String);

impl TriageState {
    pub const ALL: [TriageState; 4] = [Self::Open, Self::FalsePositive, Self::AcceptedRisk, Self::Fixed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::FalsePositive => "false-positive",
            Self::AcceptedRisk => "accepted-risk",
            Self::Fixed => "fixed",
        }
    }

    /// States a user chose that a rescan must not overwrite.
    pub fn is_dismissed(self) -> bool {
        matches!(self, Self::FalsePositive | Self::AcceptedRisk)
    }
}

impl FromStr for TriageState {
    type Err = UnknownTriageState;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownTriageState(s.chars().take(64).collect()))
    }
}

impl fmt::Display for TriageState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
