//! Discovery runs: complete, incremental, resumable, and honest under faults.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use palisade_ado_sim::{Estate, Sim};
use palisade_domain::{Deployment, ResourceKind};
use palisade_engine::DiscoverOptions;
use palisade_store::{DiscoveryStatus, ResourceFilter};

use crate::harness::{Ctx, DEMO_PAT};

crate::stories!(discovery:
    discovers_the_estate_and_a_rerun_changes_nothing,
    removed_resources_are_marked_not_deleted,
    interrupted_run_resumes_without_duplicates,
    outage_mid_run_then_recovery,
    hostile_answers_never_lose_data,
    server_collection_negotiates_its_version,
);

/// Repositories of `org` in the fixture (hidden wiki repos included).
fn fixture_repos(estate: &Estate, org: &str) -> usize {
    estate
        .orgs
        .iter()
        .filter(|o| o.name == org)
        .flat_map(|o| &o.projects)
        .map(|p| p.repos.len())
        .sum()
}

async fn keys(ctx: &Ctx, include_removed: bool) -> BTreeSet<String> {
    ctx.store
        .list_resources(&ResourceFilter {
            include_removed,
            ..ResourceFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.key.as_str().to_owned())
        .collect()
}

async fn repo_count(ctx: &Ctx) -> u64 {
    ctx.store
        .resource_counts(None)
        .await
        .unwrap()
        .get(&ResourceKind::Repository)
        .copied()
        .unwrap_or(0)
}

async fn discovers_the_estate_and_a_rerun_changes_nothing(ctx: &Ctx) {
    ctx.engine
        .create_connector(ctx.pat_input("ado-contoso", "contoso", DEMO_PAT))
        .await
        .unwrap();
    let first = ctx
        .engine
        .discover("ado-contoso", &DiscoverOptions::default())
        .await
        .unwrap();
    assert_eq!(
        first.run.status,
        DiscoveryStatus::Finished,
        "{:?}",
        first.run.errors
    );
    let estate = palisade_ado_sim::contoso().unwrap();
    assert_eq!(repo_count(ctx).await, fixture_repos(&estate, "contoso") as u64);
    let counts = ctx.store.resource_counts(None).await.unwrap();
    for kind in [
        ResourceKind::Organization,
        ResourceKind::Project,
        ResourceKind::ProjectSettings,
        ResourceKind::Pipeline,
        ResourceKind::BranchPolicy,
        ResourceKind::ServiceConnection,
        ResourceKind::VariableGroup,
        ResourceKind::SecureFile,
        ResourceKind::Environment,
        ResourceKind::AgentPool,
        ResourceKind::PipelinePermission,
    ] {
        assert!(
            counts.get(&kind).copied().unwrap_or(0) > 0,
            "no {kind} discovered: {counts:?}"
        );
    }
    let before = keys(ctx, true).await;
    let stored = ctx
        .store
        .list_resources(&ResourceFilter::default())
        .await
        .unwrap();
    let second = ctx
        .engine
        .discover("ado-contoso", &DiscoverOptions::default())
        .await
        .unwrap();
    assert_eq!(second.run.status, DiscoveryStatus::Finished);
    assert!(!second.resumed);
    assert_eq!(keys(ctx, true).await, before, "same resources, no duplicates");
    let again = ctx
        .store
        .list_resources(&ResourceFilter::default())
        .await
        .unwrap();
    for (a, b) in stored.iter().zip(&again) {
        assert_eq!(a.first_seen_at, b.first_seen_at, "first seen kept for {}", a.key);
        assert!(b.last_seen_at >= a.last_seen_at);
    }
    // Secret values never reach the inventory.
    let json = serde_json::to_string(&again).unwrap();
    assert!(
        !json.contains("sim-secret"),
        "a fixture secret leaked into the inventory"
    );
    let runs = ctx
        .store
        .list_discovery_runs(&second.run.connector, 10)
        .await
        .unwrap();
    assert_eq!(runs.len(), 2);
    assert!(runs[0].requests > 0);
}

async fn removed_resources_are_marked_not_deleted(ctx: &Ctx) {
    ctx.engine
        .create_connector(ctx.pat_input("ado-contoso", "contoso", DEMO_PAT))
        .await
        .unwrap();
    ctx.engine
        .discover("ado-contoso", &DiscoverOptions::default())
        .await
        .unwrap();
    let total = repo_count(ctx).await;

    // The same organization, one repository fewer: served by a second simulator.
    let mut estate = palisade_ado_sim::contoso().unwrap();
    let web = estate.orgs[0]
        .projects
        .iter_mut()
        .find(|p| p.name == "Web")
        .unwrap();
    let dropped = web.repos.iter().position(|r| r.name == "web-api").unwrap();
    web.repos.remove(dropped);
    let sim2 = palisade_ado_sim::start(Sim::new(estate)).await.unwrap();
    let mut input = ctx.pat_input("ado-contoso", "contoso", DEMO_PAT);
    input.config.deployment = Deployment::Cloud {
        api_url: sim2.base_url.clone(),
        profile_url: sim2.base_url.clone(),
        login_url: sim2.base_url.clone(),
    };
    ctx.engine.update_connector("ado-contoso", input).await.unwrap();
    let run = ctx
        .engine
        .discover("ado-contoso", &DiscoverOptions::default())
        .await
        .unwrap();
    assert_eq!(run.run.status, DiscoveryStatus::Finished, "{:?}", run.run.errors);
    assert_eq!(repo_count(ctx).await, total - 1);
    let all = ctx
        .store
        .list_resources(&ResourceFilter {
            kinds: vec![ResourceKind::Repository],
            include_removed: true,
            ..ResourceFilter::default()
        })
        .await
        .unwrap();
    let gone = all.iter().find(|r| r.name == "web-api").unwrap();
    assert!(gone.removed_at.is_some(), "kept, marked removed");
    sim2.shutdown().await;
}

async fn interrupted_run_resumes_without_duplicates(ctx: &Ctx) {
    ctx.engine
        .create_connector(ctx.pat_input("ado-contoso", "contoso", DEMO_PAT))
        .await
        .unwrap();
    let mut knobs = ctx.sim.state.knobs();
    knobs.latency_ms = 40;
    ctx.sim.state.set_knobs(knobs.clone());
    // Kill the run as soon as a first project is recorded (as kill -9 would).
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let tx = std::sync::Mutex::new(Some(tx));
    let options = DiscoverOptions {
        project_concurrency: Some(1),
        progress: Some(Arc::new(move |_, p| {
            if p.projects_done >= 1
                && let Some(tx) = tx.lock().unwrap().take()
            {
                let _ = tx.send(());
            }
        })),
    };
    let engine = ctx.engine.clone();
    let task = tokio::spawn(async move { engine.discover("ado-contoso", &options).await });
    rx.await.unwrap();
    task.abort();
    let _ = task.await;
    let partial = keys(ctx, true).await;
    assert!(!partial.is_empty(), "the first listings were recorded");

    knobs.latency_ms = 0;
    ctx.sim.state.set_knobs(knobs);
    let resumed = ctx
        .engine
        .discover("ado-contoso", &DiscoverOptions::default())
        .await
        .unwrap();
    assert!(resumed.resumed, "the unfinished run is taken up");
    let skipped: u64 = resumed.orgs.iter().map(|o| o.listings_skipped).sum();
    assert!(skipped > 0, "recorded listings are not fetched again");
    assert_eq!(
        resumed.run.status,
        DiscoveryStatus::Finished,
        "{:?}",
        resumed.run.errors
    );
    let estate = palisade_ado_sim::contoso().unwrap();
    assert_eq!(repo_count(ctx).await, fixture_repos(&estate, "contoso") as u64);
    let after = keys(ctx, true).await;
    assert!(partial.is_subset(&after));
    // A fresh run finds exactly what the resumed one has: nothing lost, nothing doubled.
    ctx.engine
        .discover("ado-contoso", &DiscoverOptions::default())
        .await
        .unwrap();
    assert_eq!(keys(ctx, true).await, after);
}

async fn outage_mid_run_then_recovery(ctx: &Ctx) {
    ctx.engine
        .create_connector(ctx.pat_input("ado-contoso", "contoso", DEMO_PAT))
        .await
        .unwrap();
    let state = ctx.sim.state.clone();
    let tripped = Arc::new(AtomicBool::new(false));
    let t = Arc::clone(&tripped);
    let options = DiscoverOptions {
        project_concurrency: Some(1),
        progress: Some(Arc::new(move |_, p| {
            if p.projects_done >= 1 && !t.swap(true, Ordering::SeqCst) {
                let mut k = state.knobs();
                k.down = true;
                state.set_knobs(k);
            }
        })),
    };
    let run = ctx.engine.discover("ado-contoso", &options).await.unwrap();
    assert!(tripped.load(Ordering::SeqCst));
    assert_ne!(run.run.status, DiscoveryStatus::Finished);
    assert!(!run.run.errors.is_empty());
    let mut k = ctx.sim.state.knobs();
    k.down = false;
    ctx.sim.state.set_knobs(k);
    let run = ctx
        .engine
        .discover("ado-contoso", &DiscoverOptions::default())
        .await
        .unwrap();
    assert_eq!(run.run.status, DiscoveryStatus::Finished, "{:?}", run.run.errors);
    let estate = palisade_ado_sim::contoso().unwrap();
    assert_eq!(repo_count(ctx).await, fixture_repos(&estate, "contoso") as u64);
}

async fn hostile_answers_never_lose_data(ctx: &Ctx) {
    ctx.engine
        .create_connector(ctx.pat_input("ado-contoso", "contoso", DEMO_PAT))
        .await
        .unwrap();
    ctx.engine
        .discover("ado-contoso", &DiscoverOptions::default())
        .await
        .unwrap();
    let complete = keys(ctx, false).await;
    let mut k = ctx.sim.state.knobs();
    k.malformed_rate = 0.3;
    k.error_rate = 0.2;
    ctx.sim.state.set_knobs(k.clone());
    let run = ctx
        .engine
        .discover("ado-contoso", &DiscoverOptions::default())
        .await
        .unwrap();
    assert_ne!(run.run.status, DiscoveryStatus::Failed, "{:?}", run.run.errors);
    // Failed listings never mark anything removed.
    assert_eq!(keys(ctx, false).await, complete);
    k.malformed_rate = 0.0;
    k.error_rate = 0.0;
    ctx.sim.state.set_knobs(k);
    let run = ctx
        .engine
        .discover("ado-contoso", &DiscoverOptions::default())
        .await
        .unwrap();
    assert_eq!(run.run.status, DiscoveryStatus::Finished);
    assert_eq!(keys(ctx, false).await, complete);
}

async fn server_collection_negotiates_its_version(ctx: &Ctx) {
    ctx.engine
        .create_connector(ctx.server_input("ado-fabrikam", "fabrikam", DEMO_PAT))
        .await
        .unwrap();
    let run = ctx
        .engine
        .discover("ado-fabrikam", &DiscoverOptions::default())
        .await
        .unwrap();
    assert_ne!(run.run.status, DiscoveryStatus::Failed, "{:?}", run.run.errors);
    let estate = palisade_ado_sim::contoso().unwrap();
    assert_eq!(repo_count(ctx).await, fixture_repos(&estate, "fabrikam") as u64);
}
