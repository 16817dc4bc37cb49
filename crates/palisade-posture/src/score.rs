//! The posture score: passed checks weighted by severity over the applicable.

use std::collections::BTreeMap;

use palisade_domain::Severity;
use serde::{Deserialize, Serialize};

use crate::{CheckResult, Status};

/// How much a check of this severity counts.
pub fn severity_weight(s: Severity) -> u64 {
    match s {
        Severity::Info => 0,
        Severity::Low => 1,
        Severity::Medium => 3,
        Severity::High => 6,
        Severity::Critical => 10,
    }
}

/// The score of one organization or project.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    /// Sum of the weights of passed results.
    pub passed_weight: u64,
    /// Sum of the weights of passed and failed results.
    pub applicable_weight: u64,
    pub passed: u64,
    pub failed: u64,
    /// Results the data was missing for: not in the score, shown beside it.
    pub unknown: u64,
    /// Failures an active exemption covers: out of the score.
    pub exempt: u64,
}

impl Score {
    /// 0–100, rounded down; `None` when nothing applicable was evaluated.
    pub fn percent(&self) -> Option<u8> {
        (self.applicable_weight > 0).then(|| (self.passed_weight * 100 / self.applicable_weight) as u8)
    }
}

/// Scores per organization (`{org id}`) and per project (`{org id}/{project id}`).
/// An organization's score counts its projects' results too.
pub fn score(results: &[CheckResult], exempt: impl Fn(&CheckResult) -> bool) -> BTreeMap<String, Score> {
    let mut out: BTreeMap<String, Score> = BTreeMap::new();
    for r in results {
        let mut scopes = vec![r.org_id.to_ascii_lowercase()];
        if r.project_id.is_some() {
            scopes.push(r.scope_key());
        }
        let is_exempt = r.status == Status::Fail && exempt(r);
        let w = severity_weight(r.severity);
        for s in scopes {
            let e = out.entry(s).or_default();
            match r.status {
                _ if is_exempt => e.exempt += 1,
                Status::Pass => {
                    e.passed += 1;
                    e.passed_weight += w;
                    e.applicable_weight += w;
                }
                Status::Fail => {
                    e.failed += 1;
                    e.applicable_weight += w;
                }
                Status::Unknown => e.unknown += 1,
                Status::NotApplicable => {}
            }
        }
    }
    out
}
