//! Posture as the store keeps it: the current result of every check on every
//! resource, the transitions of each (when a control started failing, when
//! it was fixed), scores per organization and project for trends, and
//! exemptions with their audit trail.

use async_trait::async_trait;
use palisade_domain::{
    ExemptionTarget, FindingKind, PostureStatus, ResourceKey, ResourceKind, Severity, Timestamp,
};
use serde::Serialize;

use crate::{ConnectorId, Result};

/// One evaluation of every check over a connector's inventory.
#[derive(Clone, Debug, Serialize)]
pub struct PostureEvaluation {
    /// UUIDv7.
    pub id: String,
    pub connector: ConnectorId,
    pub at: Timestamp,
    /// `discovery` (after a discovery run) or `manual` (`palisade posture run`).
    pub trigger: String,
    /// Checks run.
    pub checks: u64,
    /// Results produced.
    pub results: u64,
}

/// A check's verdict on a resource, as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PostureResultRow {
    pub check_id: String,
    pub severity: Severity,
    pub resource: ResourceKey,
    pub resource_kind: ResourceKind,
    pub resource_name: String,
    pub org_id: String,
    pub project_id: Option<String>,
    pub status: PostureStatus,
    pub reason: String,
}

impl PostureResultRow {
    /// `{org id}` or `{org id}/{project id}`, lowercase.
    pub fn scope_key(&self) -> String {
        palisade_domain::scope_key(&self.org_id, self.project_id.as_deref())
    }
}

/// A recorded result with its timeline.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct StoredPostureResult {
    #[serde(flatten)]
    pub row: PostureResultRow,
    pub connector: ConnectorId,
    /// Since when the result has had its status.
    pub status_since: Timestamp,
    /// When the result first appeared.
    pub first_seen_at: Timestamp,
}

/// One change of a result's status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PostureTransition {
    pub at: Timestamp,
    /// `None`: the resource is gone (no longer in the inventory).
    pub status: Option<PostureStatus>,
    pub reason: String,
    pub evaluation: String,
}

/// The score of one organization (`{org id}`) or project (`{org id}/{project id}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScoreRow {
    pub scope_key: String,
    pub passed_weight: u64,
    pub applicable_weight: u64,
    pub passed: u64,
    pub failed: u64,
    pub unknown: u64,
    pub exempt: u64,
}

/// A score as recorded by an evaluation.
#[derive(Clone, Debug, Serialize)]
pub struct StoredScore {
    pub evaluation: String,
    pub at: Timestamp,
    #[serde(flatten)]
    pub score: ScoreRow,
}

/// What an evaluation changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PostureChanges {
    /// Results that appeared.
    pub added: u64,
    /// Results whose status changed.
    pub changed: u64,
    /// Results that are now failing and were not before (new ones included).
    pub newly_failing: u64,
    /// Results that failed before and pass now.
    pub fixed: u64,
    /// Results of resources no longer in the inventory.
    pub removed: u64,
    pub unchanged: u64,
}

/// Which results to read.
#[derive(Clone, Debug, Default)]
pub struct PostureFilter {
    /// Connectors (any of); empty: all.
    pub connectors: Vec<ConnectorId>,
    /// Check ids (any of); empty: all.
    pub checks: Vec<String>,
    /// Statuses (any of); empty: all.
    pub statuses: Vec<PostureStatus>,
    /// Severities (any of); empty: all.
    pub severities: Vec<Severity>,
    pub org_id: Option<String>,
    pub project_id: Option<String>,
    pub resource: Option<ResourceKey>,
    /// At most this many (0: no limit).
    pub limit: u32,
    /// Results skipped first, in the listing order (with a `limit` only).
    pub offset: u32,
}

/// An exemption to create.
#[derive(Clone, Debug)]
pub struct NewExemption {
    pub check_id: String,
    pub target: ExemptionTarget,
    pub reason: String,
    pub author: String,
    /// `None`: until revoked.
    pub expires_at: Option<Timestamp>,
}

/// An exemption: a check's failures on a resource or scope accepted, with
/// a reason, by someone, until a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Exemption {
    /// UUIDv7.
    pub id: String,
    pub check_id: String,
    pub target: ExemptionTarget,
    pub reason: String,
    pub author: String,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    pub revoked_by: Option<String>,
}

impl Exemption {
    /// In force at `at`: not revoked and not expired. Expired exemptions stop
    /// applying on their own; nothing has to run for that.
    pub fn is_active(&self, at: Timestamp) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > at)
    }

    /// Whether it covers `check` on `resource` counted in `scope_key` at `at`.
    pub fn covers(&self, check: &str, resource: &ResourceKey, scope_key: &str, at: Timestamp) -> bool {
        self.is_active(at)
            && self.check_id.eq_ignore_ascii_case(check)
            && self.target.covers(resource, scope_key)
    }
}

/// One entry of the exemption audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExemptionAudit {
    pub exemption: String,
    /// `created` or `revoked`.
    pub action: String,
    pub actor: String,
    pub at: Timestamp,
    /// The reason given for the action.
    pub reason: String,
}

#[async_trait]
pub trait PostureStore: Send + Sync {
    /// Records an evaluation: results replace the connector's current ones in
    /// one transaction, a status change (or a result that appears or goes)
    /// adds a transition, scores are kept for trends.
    async fn record_posture(
        &self,
        evaluation: &PostureEvaluation,
        results: &[PostureResultRow],
        scores: &[ScoreRow],
    ) -> Result<PostureChanges>;

    async fn posture_results(&self, filter: &PostureFilter) -> Result<Vec<StoredPostureResult>>;

    /// Transitions of one result, oldest first.
    async fn posture_history(&self, check_id: &str, resource: &ResourceKey)
    -> Result<Vec<PostureTransition>>;

    /// Evaluations, newest first.
    async fn posture_evaluations(
        &self,
        connector: Option<&ConnectorId>,
        limit: u32,
    ) -> Result<Vec<PostureEvaluation>>;

    /// Scores of a scope (or of every scope), newest first, at most `limit` per scope.
    async fn posture_scores(&self, scope_key: Option<&str>, limit: u32) -> Result<Vec<StoredScore>>;

    /// Creates an exemption and audits it.
    async fn create_exemption(&self, exemption: &NewExemption, at: Timestamp) -> Result<Exemption>;

    /// Revokes an exemption and audits it. Revoking a revoked one is a conflict.
    async fn revoke_exemption(&self, id: &str, actor: &str, reason: &str, at: Timestamp)
    -> Result<Exemption>;

    /// Exemptions, newest first; with `all` false only those active at `at`.
    async fn list_exemptions(&self, all: bool, at: Timestamp) -> Result<Vec<Exemption>>;

    /// The audit trail, oldest first; of one exemption or of all.
    async fn exemption_audit(&self, exemption: Option<&str>) -> Result<Vec<ExemptionAudit>>;

    /// Open findings per scan target and kind, for the targets given: what
    /// the "findings resolved" checks read.
    async fn open_findings_by_target(&self, targets: &[String]) -> Result<Vec<(String, FindingKind, u64)>>;
}

/// What `record_posture` must write, worked out once for both backends from
/// the stored `(status, reason)` of the connector's results and the new ones.
#[derive(Debug, Default)]
pub struct PosturePlan<'a> {
    /// Results to insert (new), each also a transition.
    pub insert: Vec<&'a PostureResultRow>,
    /// Results whose status changed: update with a new `status_since`, and a transition.
    pub status_changed: Vec<&'a PostureResultRow>,
    /// Same status, other reason, severity or name: update in place, no transition.
    pub refreshed: Vec<&'a PostureResultRow>,
    /// `(check id, resource key)` of results no longer produced: delete, and a transition.
    pub remove: Vec<(String, String)>,
    pub changes: PostureChanges,
}

/// A stored result as `plan_posture` compares it: the status, and a digest
/// of what else may change in place (reason, severity, name), so a large
/// estate's results are compared without holding their text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredState {
    pub status: PostureStatus,
    pub digest: u64,
}

impl StoredState {
    pub fn new(status: PostureStatus, reason: &str, severity: Severity, resource_name: &str) -> Self {
        use std::hash::{Hash, Hasher};
        // Compared only within one process: any fixed-key hasher does.
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (reason, severity.as_str(), resource_name).hash(&mut h);
        Self {
            status,
            digest: h.finish(),
        }
    }

    fn of(r: &PostureResultRow) -> Self {
        Self::new(r.status, &r.reason, r.severity, &r.resource_name)
    }
}

pub fn plan_posture<S: std::hash::BuildHasher>(
    mut stored: std::collections::HashMap<(String, String), StoredState, S>,
    results: &[PostureResultRow],
) -> PosturePlan<'_> {
    let mut plan = PosturePlan::default();
    let mut seen = std::collections::HashSet::new();
    for r in results {
        if !seen.insert((r.check_id.as_str(), r.resource.as_str())) {
            continue;
        }
        let id = (r.check_id.clone(), r.resource.as_str().to_owned());
        match stored.remove(&id) {
            None => {
                plan.changes.added += 1;
                if r.status == PostureStatus::Fail {
                    plan.changes.newly_failing += 1;
                }
                plan.insert.push(r);
            }
            Some(old) if old.status != r.status => {
                plan.changes.changed += 1;
                if r.status == PostureStatus::Fail {
                    plan.changes.newly_failing += 1;
                }
                if old.status == PostureStatus::Fail && r.status == PostureStatus::Pass {
                    plan.changes.fixed += 1;
                }
                plan.status_changed.push(r);
            }
            Some(old) => {
                plan.changes.unchanged += 1;
                if old.digest != StoredState::of(r).digest {
                    plan.refreshed.push(r);
                }
            }
        }
    }
    plan.changes.removed = stored.len() as u64;
    let mut gone: Vec<_> = stored.into_keys().collect();
    gone.sort();
    plan.remove = gone;
    plan
}

/// A new id for an evaluation or an exemption (UUIDv7: sorts by time).
pub fn new_posture_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
