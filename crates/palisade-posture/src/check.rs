//! What a check is and what it says.

use std::fmt;

use palisade_domain::{ResourceKey, ResourceKind, Severity};
use serde::{Deserialize, Serialize};

use crate::inventory::Item;

/// One posture check: metadata plus a pure evaluation.
pub struct Check {
    /// Stable id, `ado.<area>.<name>`; results and exemptions refer to it.
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// The kind of resource results are about.
    pub target: ResourceKind,
    /// Why it matters: the attack it opens.
    pub rationale: &'static str,
    /// Steps to fix, in order.
    pub remediation: &'static [&'static str],
    /// Documentation links.
    pub references: &'static [&'static str],
    /// What the connector's identity needs for the check's data to be read.
    pub permissions: &'static str,
    /// The Defender for Cloud recommendation it implements, if any.
    pub defender: Option<&'static str>,
    /// `AzSK` ADO Scanner controls it covers.
    pub azsk: &'static [&'static str],
    pub evaluate: fn(&crate::Inventory, &mut Results),
}

impl fmt::Debug for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Check")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

pub use palisade_domain::{PostureStatus as Status, UnknownPostureStatus as UnknownStatus};

/// A status and the reason for it, in words a person can act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub status: Status,
    pub reason: String,
}

impl Outcome {
    pub fn pass(reason: impl Into<String>) -> Self {
        Self {
            status: Status::Pass,
            reason: reason.into(),
        }
    }
    pub fn fail(reason: impl Into<String>) -> Self {
        Self {
            status: Status::Fail,
            reason: reason.into(),
        }
    }
    pub fn not_applicable(reason: impl Into<String>) -> Self {
        Self {
            status: Status::NotApplicable,
            reason: reason.into(),
        }
    }
    pub fn unknown(reason: impl Into<String>) -> Self {
        Self {
            status: Status::Unknown,
            reason: reason.into(),
        }
    }
    /// Pass or fail by a condition that must hold.
    pub fn require(ok: bool, pass: impl Into<String>, fail: impl Into<String>) -> Self {
        if ok { Self::pass(pass) } else { Self::fail(fail) }
    }
}

/// One check's verdict on one resource.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub check: &'static str,
    pub severity: Severity,
    pub resource: ResourceKey,
    pub resource_kind: ResourceKind,
    pub resource_name: String,
    pub org_id: String,
    pub project_id: Option<String>,
    pub status: Status,
    pub reason: String,
}

impl CheckResult {
    /// `{org id}` or `{org id}/{project id}`: where the result counts in scores.
    pub fn scope_key(&self) -> String {
        palisade_domain::scope_key(&self.org_id, self.project_id.as_deref())
    }
}

/// Where checks put their results.
#[derive(Debug, Default)]
pub struct Results {
    current: Option<&'static Check>,
    out: Vec<CheckResult>,
}

impl Results {
    pub(crate) fn begin(&mut self, check: &'static Check) {
        self.current = Some(check);
    }

    /// Records the running check's outcome on a resource. One result per
    /// resource and check: a second one for the same resource replaces it.
    pub fn push<T>(&mut self, item: &Item<'_, T>, outcome: Outcome) {
        let check = self.current.expect("a check is running");
        let result = CheckResult {
            check: check.id,
            severity: check.severity,
            resource: item.key.clone(),
            resource_kind: item.kind,
            resource_name: item.name.clone(),
            org_id: item.org_id.to_owned(),
            project_id: item.project_id.map(str::to_owned),
            status: outcome.status,
            reason: outcome.reason,
        };
        self.out.push(result);
    }

    pub(crate) fn into_vec(mut self) -> Vec<CheckResult> {
        // Keep the last result per (check, resource).
        let mut seen = std::collections::HashSet::new();
        self.out.reverse();
        self.out.retain(|r| seen.insert((r.check, r.resource.clone())));
        self.out.reverse();
        self.out
    }
}
