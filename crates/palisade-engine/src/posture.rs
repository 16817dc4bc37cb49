//! Posture evaluation: every check over a connector's inventory, results
//! recorded with their history, scores per organization and project.
//!
//! Runs after each discovery and on demand. Checks are pure and run on a
//! blocking thread; exemptions active at the evaluation's time count failures
//! out of the score (the listing applies them again at read time, so an
//! exemption that expires later stops applying without a new evaluation).

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use palisade_domain::{FindingKind, ManagedState, RepoFindings, Timestamp};
use palisade_posture::{CheckResult, Inventory, Score};
use palisade_store::{
    ConnectorRecord, Exemption, ManagedRepoFilter, PostureChanges, PostureEvaluation, PostureResultRow,
    ResourceFilter, ScoreRow, new_posture_id,
};
use serde::Serialize;

use crate::{Engine, EngineError};

/// What one evaluation did.
#[derive(Clone, Debug, Serialize)]
pub struct PostureReport {
    pub evaluation: PostureEvaluation,
    pub changes: PostureChanges,
    /// Scores by scope key (`{org id}`, `{org id}/{project id}`).
    pub scores: BTreeMap<String, Score>,
    /// Resources read from the inventory.
    pub resources: u64,
    /// Time to read the inventory from the store.
    pub load_ms: u64,
    /// Time to run every check.
    pub evaluate_ms: u64,
    /// Time to record results, history and scores.
    pub record_ms: u64,
}

/// Whether an active exemption covers a result at `at`.
pub fn exempted(exemptions: &[Exemption], r: &CheckResult, at: Timestamp) -> bool {
    exemptions
        .iter()
        .any(|e| e.covers(r.check, &r.resource, &r.scope_key(), at))
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Engine {
    /// Evaluates every check over the connector's current inventory.
    /// `trigger`: `discovery` or `manual`.
    pub async fn evaluate_posture(
        &self,
        connector: &ConnectorRecord,
        trigger: &str,
    ) -> Result<PostureReport, EngineError> {
        let started = Instant::now();
        let resources = self
            .store
            .list_resources(&ResourceFilter {
                connector: Some(connector.id.clone()),
                ..ResourceFilter::default()
            })
            .await?;
        let count = resources.len() as u64;
        let load_ms = ms(started.elapsed());

        let findings = self.repo_findings(connector).await?;
        let at = crate::now();
        let exemptions = self.store.list_exemptions(false, at).await?;
        let started = Instant::now();
        let (results, scores) = tokio::task::spawn_blocking(move || {
            let inventory =
                Inventory::new(resources.into_iter().map(|r| (r.key, r.resource))).with_findings(findings);
            let results = palisade_posture::evaluate(&inventory);
            let scores = palisade_posture::score(&results, |r| exempted(&exemptions, r, at));
            (results, scores)
        })
        .await
        .map_err(|e| EngineError::Invalid(format!("posture evaluation stopped: {e}")))?;
        let evaluate_ms = ms(started.elapsed());

        let started = Instant::now();
        let evaluation = PostureEvaluation {
            id: new_posture_id(),
            connector: connector.id.clone(),
            at,
            trigger: trigger.to_owned(),
            checks: palisade_posture::all().len() as u64,
            results: results.len() as u64,
        };
        let rows: Vec<PostureResultRow> = results.into_iter().map(row).collect();
        let score_rows: Vec<ScoreRow> = scores
            .iter()
            .map(|(scope, s)| ScoreRow {
                scope_key: scope.clone(),
                passed_weight: s.passed_weight,
                applicable_weight: s.applicable_weight,
                passed: s.passed,
                failed: s.failed,
                unknown: s.unknown,
                exempt: s.exempt,
            })
            .collect();
        let changes = self.store.record_posture(&evaluation, &rows, &score_rows).await?;
        Ok(PostureReport {
            evaluation,
            changes,
            scores,
            resources: count,
            load_ms,
            evaluate_ms,
            record_ms: ms(started.elapsed()),
        })
    }
}

impl Engine {
    /// Open findings by kind of each repository palisade scans (full scans
    /// on), for the "findings resolved" checks.
    async fn repo_findings(
        &self,
        connector: &ConnectorRecord,
    ) -> Result<Vec<(String, RepoFindings)>, EngineError> {
        let repos = self
            .store
            .list_managed_repos(&ManagedRepoFilter {
                connector: Some(connector.id.clone()),
                full_scans: Some(true),
                states: vec![ManagedState::Enabled],
                ..ManagedRepoFilter::default()
            })
            .await?;
        let targets: Vec<String> = repos.iter().map(|r| r.target.clone()).collect();
        let mut open: HashMap<String, BTreeMap<FindingKind, u64>> = HashMap::new();
        for (target, kind, n) in self.store.open_findings_by_target(&targets).await? {
            *open.entry(target).or_default().entry(kind).or_default() += n;
        }
        Ok(repos
            .into_iter()
            .map(|r| {
                let findings = RepoFindings {
                    scanned_at: r.last_success_at,
                    open: open.remove(&r.target).unwrap_or_default(),
                };
                (r.repo_id, findings)
            })
            .collect())
    }
}

fn row(r: CheckResult) -> PostureResultRow {
    PostureResultRow {
        check_id: r.check.to_owned(),
        severity: r.severity,
        resource: r.resource,
        resource_kind: r.resource_kind,
        resource_name: r.resource_name,
        org_id: r.org_id,
        project_id: r.project_id,
        status: r.status,
        reason: r.reason,
    }
}
