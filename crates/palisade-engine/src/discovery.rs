//! One discovery run of a connector: its organizations, each walked by
//! `palisade-discovery`, each complete listing written to the store in one
//! transaction. A run left `running` by a killed process is resumed: listings
//! it recorded are skipped, so nothing is fetched or written twice.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use palisade_ado::RateStats;
use palisade_discovery::{
    DiscoverError, DiscoveryOptions, DiscoverySink, Listing, Progress, SinkError, discover,
};
use palisade_domain::{Deployment, OrgName, OrgSelection, Scope};
use palisade_store::{
    ConnectorId, DiscoveryOutcome, DiscoveryRunId, DiscoveryRunSummary, DiscoveryStatus, Store, listing_key,
};
use serde::Serialize;

use crate::connectors::member_orgs;
use crate::{Engine, EngineError, now};

/// Called as projects complete: organization and progress.
pub type ProgressFn = Arc<dyn Fn(&OrgName, Progress) + Send + Sync>;

/// How a run goes.
#[derive(Clone, Default)]
pub struct DiscoverOptions {
    /// Projects walked at once per organization.
    pub project_concurrency: Option<usize>,
    /// Called as projects complete (organization name, progress).
    pub progress: Option<ProgressFn>,
}

impl std::fmt::Debug for DiscoverOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscoverOptions")
            .field("project_concurrency", &self.project_concurrency)
            .finish_non_exhaustive()
    }
}

/// What one organization gave.
#[derive(Clone, Debug, Serialize)]
pub struct OrgReport {
    pub org: String,
    pub counts: BTreeMap<String, u64>,
    pub listings_done: u64,
    /// Listings already recorded by the interrupted run this one resumed.
    pub listings_skipped: u64,
    pub errors: Vec<String>,
}

/// The whole run.
#[derive(Clone, Debug, Serialize)]
pub struct DiscoveryRunReport {
    pub run: DiscoveryRunSummary,
    pub resumed: bool,
    pub orgs: Vec<OrgReport>,
    pub elapsed_ms: u64,
    /// What syncing managed repositories with the new inventory changed.
    pub repos: crate::SyncReport,
    /// The posture evaluation that followed, or why it could not run.
    pub posture: Result<crate::PostureReport, String>,
}

struct StoreSink {
    store: Arc<dyn Store>,
    run: DiscoveryRunId,
    connector: ConnectorId,
    resumed: bool,
}

#[async_trait]
impl DiscoverySink for StoreSink {
    async fn listing_done(
        &self,
        listing: &Listing,
        resources: Vec<palisade_domain::Resource>,
    ) -> Result<(), SinkError> {
        let org_id = match &listing.scope {
            Scope::Organization { org_id } | Scope::Project { org_id, .. } => org_id.clone(),
        };
        self.store
            .record_listing(
                &self.run,
                &self.connector,
                &listing.scope,
                &listing.kinds,
                &resources,
                &org_id,
                now(),
            )
            .await
            .map(drop)
            .map_err(|e| SinkError(e.to_string()))
    }

    async fn already_done(&self, listing: &Listing) -> bool {
        if !self.resumed {
            return false;
        }
        // A store error here means "not known done": fetching again is safe.
        self.store
            .listing_done(&self.run, &listing_key(&listing.scope, &listing.kinds))
            .await
            .unwrap_or(false)
    }
}

impl Engine {
    /// Runs (or resumes) discovery for one connector.
    pub async fn discover(
        &self,
        name_or_id: &str,
        options: &DiscoverOptions,
    ) -> Result<DiscoveryRunReport, EngineError> {
        let started = Instant::now();
        let record = self.store.get_connector(name_or_id).await?;
        let run = self.store.begin_discovery(&record.id, now()).await?;
        let base = match self.client(&record, &record.config.organization).await {
            Ok(c) => c,
            Err(e) => {
                self.fail_run(&run.id, &e.to_string(), RateStats::default())
                    .await?;
                return Err(e);
            }
        };
        let mut errors: Vec<String> = Vec::new();
        let mut orgs: Vec<OrgName> = match &record.config.orgs {
            OrgSelection::Chosen(list) | OrgSelection::AllExisting(list) => list.clone(),
            OrgSelection::AllExistingAndFuture => match &record.config.deployment {
                Deployment::Cloud { .. } => match member_orgs(&base).await {
                    Ok(list) => list,
                    Err(e) if e.is_auth_failure() => {
                        let msg = format!("cannot list the identity's organizations: {e}");
                        self.fail_run(&run.id, &msg, base.stats()).await?;
                        return Err(EngineError::Ado(e));
                    }
                    Err(e) => {
                        errors.push(format!("cannot list the identity's organizations (new ones are not picked up this time): {e}"));
                        Vec::new()
                    }
                },
                Deployment::Server { .. } => Vec::new(),
            },
        };
        orgs.insert(0, record.config.organization.clone());
        orgs.sort_by_key(OrgName::key);
        orgs.dedup_by_key(|o| o.key());

        let sink = StoreSink {
            store: Arc::clone(&self.store),
            run: run.id.clone(),
            connector: record.id.clone(),
            resumed: run.resumed,
        };
        let mut reports = Vec::new();
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        let mut auth_failure: Option<EngineError> = None;
        let mut any_ok = false;
        for org in &orgs {
            if !self.store.claim_org(&record.id, org, now()).await? {
                errors.push(format!(
                    "{org}: skipped, another connector covers this organization"
                ));
                continue;
            }
            let client = match base.for_org(org.clone()) {
                Ok(c) => c,
                Err(e) => {
                    errors.push(format!("{org}: {e}"));
                    continue;
                }
            };
            let mut dopts = DiscoveryOptions::default();
            if let Some(n) = options.project_concurrency {
                dopts.project_concurrency = n;
            }
            if let Some(p) = &options.progress {
                let p = Arc::clone(p);
                let org = org.clone();
                dopts.progress = Some(Arc::new(move |pr| p(&org, pr)));
            }
            match discover(&client, org, &dopts, &sink).await {
                Ok(r) => {
                    any_ok = true;
                    let mut oc = BTreeMap::new();
                    for (k, n) in &r.counts {
                        *counts.entry(k.as_str().to_owned()).or_default() += n;
                        oc.insert(k.as_str().to_owned(), *n);
                    }
                    let errs: Vec<String> = r
                        .errors
                        .iter()
                        .map(|e| {
                            let what = e.kind.map_or_else(String::new, |k| format!(" {k}"));
                            format!("{org} {}{what}: {}", e.scope.key(), e.message)
                        })
                        .collect();
                    errors.extend(errs.iter().cloned());
                    reports.push(OrgReport {
                        org: org.to_string(),
                        counts: oc,
                        listings_done: r.listings_done,
                        listings_skipped: r.listings_skipped,
                        errors: errs,
                    });
                }
                Err(DiscoverError::Auth(e)) => {
                    errors.push(format!("{org}: {e}"));
                    auth_failure = Some(EngineError::Ado(e));
                    break;
                }
                Err(e) => errors.push(format!("{org}: {e}")),
            }
        }
        let rate = base.stats();
        let status = if auth_failure.is_some() || !any_ok {
            DiscoveryStatus::Failed
        } else if errors.is_empty() {
            DiscoveryStatus::Finished
        } else {
            DiscoveryStatus::Partial
        };
        let summary = self
            .store
            .finish_discovery(&run.id, &outcome(status, counts, errors, &rate), now())
            .await?;
        if let Some(e) = auth_failure {
            return Err(e);
        }
        // New repositories are offered (or enabled), vanished ones archived.
        let repos = self.sync_repos(&record).await?;
        // A posture failure is reported, not a failed discovery: the
        // inventory is stored and `palisade posture run` can evaluate later.
        let posture = self.evaluate_posture(&record, "discovery").await.map_err(|e| {
            tracing::warn!(error = %e, "posture evaluation after discovery failed");
            e.to_string()
        });
        Ok(DiscoveryRunReport {
            run: summary,
            resumed: run.resumed,
            orgs: reports,
            elapsed_ms: duration_ms(started.elapsed()),
            repos,
            posture,
        })
    }

    async fn fail_run(&self, run: &DiscoveryRunId, error: &str, stats: RateStats) -> Result<(), EngineError> {
        self.store
            .finish_discovery(
                run,
                &outcome(
                    DiscoveryStatus::Failed,
                    BTreeMap::new(),
                    vec![error.to_owned()],
                    &stats,
                ),
                now(),
            )
            .await?;
        Ok(())
    }
}

fn outcome(
    status: DiscoveryStatus,
    counts: BTreeMap<String, u64>,
    errors: Vec<String>,
    rate: &RateStats,
) -> DiscoveryOutcome {
    DiscoveryOutcome {
        status,
        counts,
        errors,
        requests: rate.requests,
        throttled: rate.throttled_429,
        rate_json: serde_json::json!({
            "requests": rate.requests,
            "retries": rate.retries,
            "throttled_429": rate.throttled_429,
            "delayed": rate.delayed,
            "waited_ms": rate.waited_ms,
            "limit": rate.last_limit,
            "remaining": rate.last_remaining,
        }),
    }
}

fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
