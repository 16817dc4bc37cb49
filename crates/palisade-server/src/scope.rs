//! What the API and the console both derive from a user's grants and the
//! store: the connectors an action reaches, and the failing posture results
//! of those connectors.

use std::collections::BTreeSet;

use palisade_auth::{Action, Reach};
use palisade_domain::{Grant, PostureStatus};
use palisade_store::{ConnectorId, PostureFilter, SeverityCounts, Store, StoreError};
use serde::Serialize;
use utoipa::ToSchema;

/// Posture results read for the summary, at most.
const POSTURE_CAP: u32 = 100_000;

/// Where `grants` allow `action`: `Ok(None)` for every connector,
/// `Ok(Some(set))` for those (grants naming no valid connector reach
/// nothing), `Err(action)` when nowhere.
pub(crate) fn connectors(grants: &[Grant], action: Action) -> Result<Option<BTreeSet<ConnectorId>>, Action> {
    match palisade_auth::reach(grants, action) {
        Reach::Nowhere => Err(action),
        Reach::All => Ok(None),
        Reach::Connectors(ids) => Ok(Some(ids.iter().filter_map(|id| ConnectorId::parse(id)).collect())),
    }
}

/// Failing posture results of the caller's connectors.
#[derive(Debug, Default, Serialize, ToSchema)]
pub(crate) struct PostureFailing {
    /// Failing results (check and resource) per severity of the check.
    pub failing: SeverityCounts,
    /// Distinct checks failing somewhere.
    pub checks: u64,
    /// Distinct resources failing a check.
    pub resources: u64,
}

pub(crate) async fn posture_failing(
    store: &dyn Store,
    connectors: Option<&BTreeSet<ConnectorId>>,
) -> Result<PostureFailing, StoreError> {
    let mut out = PostureFailing::default();
    if connectors.is_some_and(BTreeSet::is_empty) {
        return Ok(out);
    }
    let failing = store
        .posture_results(&PostureFilter {
            connectors: connectors
                .map(|c| c.iter().cloned().collect())
                .unwrap_or_default(),
            statuses: vec![PostureStatus::Fail],
            limit: POSTURE_CAP,
            ..PostureFilter::default()
        })
        .await?;
    let mut checks = BTreeSet::new();
    let mut resources = BTreeSet::new();
    for r in &failing {
        out.failing.add(r.row.severity, 1);
        checks.insert(r.row.check_id.as_str());
        resources.insert(r.row.resource.as_str());
    }
    out.checks = checks.len() as u64;
    out.resources = resources.len() as u64;
    Ok(out)
}
