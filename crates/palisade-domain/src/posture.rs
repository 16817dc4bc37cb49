//! Posture vocabulary shared by the checks, the store and the CLI.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ResourceKey;

/// The verdict of a posture check on one resource.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum PostureStatus {
    Pass,
    Fail,
    /// The check does not apply (no fork builds, not a production environment, ...).
    NotApplicable,
    /// The data the check needs could not be read or was not collected.
    Unknown,
}

impl PostureStatus {
    pub const ALL: [PostureStatus; 4] = [Self::Pass, Self::Fail, Self::NotApplicable, Self::Unknown];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::NotApplicable => "not-applicable",
            Self::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Result<Self, UnknownPostureStatus> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownPostureStatus(s.to_owned()))
    }
}

impl fmt::Display for PostureStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPostureStatus(pub String);

impl fmt::Display for UnknownPostureStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown posture status {:?} (pass, fail, not-applicable, unknown)",
            self.0
        )
    }
}

impl std::error::Error for UnknownPostureStatus {}

/// What an exemption covers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum ExemptionTarget {
    /// One resource, by key.
    Resource(ResourceKey),
    /// Everything in an organization (`{org id}`) or a project
    /// (`{org id}/{project id}`), lowercase.
    Scope(String),
}

impl ExemptionTarget {
    /// Whether it covers a result on `resource` counted in `scope_key`
    /// (`{org id}` or `{org id}/{project id}`).
    pub fn covers(&self, resource: &ResourceKey, scope_key: &str) -> bool {
        match self {
            Self::Resource(k) => k == resource,
            Self::Scope(s) => {
                scope_key == s
                    || scope_key
                        .strip_prefix(s.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            }
        }
    }

    pub fn kind_str(&self) -> &'static str {
        match self {
            Self::Resource(_) => "resource",
            Self::Scope(_) => "scope",
        }
    }

    pub fn value(&self) -> &str {
        match self {
            Self::Resource(k) => k.as_str(),
            Self::Scope(s) => s,
        }
    }

    /// Rebuilds a target read back from storage.
    pub fn from_stored(kind: &str, value: String) -> Option<Self> {
        match kind {
            "resource" => Some(Self::Resource(ResourceKey::from_stored(value))),
            "scope" => Some(Self::Scope(value)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_cover_their_projects_only() {
        let key = ResourceKey::from_stored("org/repository/r1".into());
        let org = ExemptionTarget::Scope("org".into());
        assert!(org.covers(&key, "org"));
        assert!(org.covers(&key, "org/p1"));
        assert!(!org.covers(&key, "org2/p1"));
        let project = ExemptionTarget::Scope("org/p1".into());
        assert!(project.covers(&key, "org/p1"));
        assert!(!project.covers(&key, "org/p10"));
        assert!(!project.covers(&key, "org"));
        assert!(ExemptionTarget::Resource(key.clone()).covers(&key, "org/p1"));
    }

    #[test]
    fn statuses_round_trip() {
        for s in PostureStatus::ALL {
            assert_eq!(PostureStatus::parse(s.as_str()), Ok(s));
        }
        assert!(PostureStatus::parse("passed").is_err());
    }
}

/// What palisade's own scans found in a repository, for the checks that
/// want findings resolved (Defender's "... findings resolved" recommendations).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoFindings {
    /// When the last successful full scan finished; `None`: never scanned.
    pub scanned_at: Option<crate::Timestamp>,
    /// Open findings by kind.
    pub open: std::collections::BTreeMap<crate::FindingKind, u64>,
}
