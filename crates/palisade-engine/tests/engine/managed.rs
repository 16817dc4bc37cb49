//! Managed scans under bad input and faults: repositories that come and go,
//! refused credentials, clone timeouts, empty and oversized content, an
//! unusable clone cache, a database restart, a revoked connector and a
//! killed worker. Each story ends with a clear status on the repository or
//! the job, and nothing lost or doubled.
//!
//! The clone cache's disk-full classification (ENOSPC) is unit-tested in
//! `palisade-git`: a full disk cannot be produced here without mounting a
//! file system.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use palisade_ado_sim::{Estate, RunningSim, Sim};
use palisade_domain::PostureStatus;
use palisade_domain::{
    ArchiveReason, AuthConfig, ConnectorConfig, ConnectorName, Deployment, FindingKind, FingerprintKey,
    MANAGED_SCAN_LABEL, ManagedState, OrgName, OrgSelection, ScanContext, ScanStatus, ScanSummary,
    ScanTrigger, TargetKind, Timestamp, TriageState,
};
use palisade_engine::{
    ConnectorInput, DiscoverOptions, DiscoveryRunReport, Engine, NetOptions, RepoSelector, ScanKit,
    WorkerOptions, WorkerReport,
};
use palisade_store::{
    ConnectorRecord, DiscoveryStatus, FindingFilter, Job, JobFilter, JobId, JobState, ManagedRepo,
    ManagedRepoFilter, Store, Triage,
};
use palisade_store_postgres::PostgresStore;
use palisade_vault::{Credential, Vault};
use tokio::sync::watch;

use crate::front::Front;
use crate::harness::{Ctx, DEMO_PAT, EXPIRED_PAT};

crate::stories!(managed:
    sync_offers_new_repos_archives_vanished_and_restores,
    repo_deleted_between_discovery_and_scan_fails_alone,
    expired_credentials_mid_batch_fail_clearly,
    clone_timeouts_are_retried_then_succeed,
    empty_and_oversized_content,
    unwritable_clone_cache_fails_with_a_clear_status,
    revoke_then_reconnect_restores_repos_and_triage,
    killed_job_is_released_and_finished_once,
    rescans_read_only_what_is_new,
    branch_tip_is_scanned_for_dependencies_iac_and_code,
);

const CONNECTOR: &str = "ado-contoso";

/// The contoso repositories managed scans can scan (the hidden wiki is
/// never offered, `legacy-disabled` is disabled in ADO).
const SCANNABLE: [&str; 4] = [
    "Infra/terraform",
    "Web/empty-repo",
    "Web/web-api",
    "Web/web-frontend",
];

fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    Timestamp::from_millis(i64::try_from(ms).unwrap())
}

fn kit(cache: &Path) -> ScanKit {
    let rules = palisade_secrets::builtin().unwrap();
    let mut kit = ScanKit::new(rules, FingerprintKey::from_bytes([3; 32]), cache.to_path_buf()).unwrap();
    kit.threads = 1;
    kit
}

/// An engine of `store` that scans, with the harness's vault key (so it
/// opens the credentials `ctx.engine` sealed).
fn scanner(store: &Arc<dyn Store>, kit: ScanKit) -> Engine {
    Engine::new(Arc::clone(store), Vault::new([7; 32]), NetOptions::default()).with_scanner(kit)
}

fn cloud(url: &str) -> Deployment {
    Deployment::Cloud {
        api_url: url.to_owned(),
        profile_url: url.to_owned(),
        login_url: url.to_owned(),
    }
}

/// A PAT connector for contoso at `url` (the simulator, or a front to it).
fn pat_input(url: &str, pat: &str) -> ConnectorInput {
    ConnectorInput {
        config: ConnectorConfig {
            name: ConnectorName::parse(CONNECTOR).unwrap(),
            organization: OrgName::parse("contoso").unwrap(),
            deployment: cloud(url),
            auth: AuthConfig::Pat,
            orgs: OrgSelection::Chosen(Vec::new()),
        },
        credential: Some(Credential::pat(pat)),
        skip_test: false,
    }
}

/// Creates the connector for contoso at `url` and discovers it; service
/// hooks are turned off (these stories have no webhook receiver).
async fn connect(engine: &Engine, url: &str) -> ConnectorRecord {
    engine.create_connector(pat_input(url, DEMO_PAT)).await.unwrap();
    discover(engine).await;
    let store = engine.store();
    let record = store.get_connector(CONNECTOR).await.unwrap();
    let mut settings = store.scan_settings(&record.id).await.unwrap();
    settings.webhooks = false;
    engine.set_scan_settings(&record, &settings).await.unwrap();
    // The subscription job that setting queues has nothing to do.
    let r = drain(engine).await;
    assert_eq!((r.succeeded, r.dead), (1, 0), "{r:?}");
    record
}

async fn discover(engine: &Engine) -> DiscoveryRunReport {
    let run = engine
        .discover(CONNECTOR, &DiscoverOptions::default())
        .await
        .unwrap();
    assert_eq!(run.run.status, DiscoveryStatus::Finished, "{:?}", run.run.errors);
    run
}

/// Points the connector at another address (the credential goes along).
async fn point_at(engine: &Engine, url: &str, pat: &str, skip_test: bool) {
    let mut input = pat_input(url, pat);
    input.skip_test = skip_test;
    engine.update_connector(CONNECTOR, input).await.unwrap();
}

/// Full scans on for `repos` (`project/name`).
async fn enable(engine: &Engine, record: &ConnectorRecord, repos: &[&str]) -> u64 {
    engine
        .set_scanning(
            record,
            &RepoSelector::Repos(repos.iter().map(|r| (*r).to_owned()).collect()),
            true,
            false,
        )
        .await
        .unwrap()
        .scans_queued
}

fn worker() -> WorkerOptions {
    WorkerOptions {
        until_idle: true,
        retry_base: Duration::from_millis(50),
        lease: Duration::from_secs(10),
        idle_poll: Duration::from_millis(100),
        ..WorkerOptions::default()
    }
}

async fn run(engine: &Engine, opts: &WorkerOptions) -> WorkerReport {
    let (_tx, rx) = watch::channel(false);
    engine.run_worker(opts, rx).await.unwrap()
}

/// Runs every due job, then returns.
async fn drain(engine: &Engine) -> WorkerReport {
    run(engine, &worker()).await
}

/// Waits (at most a minute) until `check` holds.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_mins(1);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn repos(store: &Arc<dyn Store>) -> Vec<ManagedRepo> {
    store
        .list_managed_repos(&ManagedRepoFilter::default())
        .await
        .unwrap()
}

/// The managed repository `project/name`.
async fn repo(store: &Arc<dyn Store>, name: &str) -> ManagedRepo {
    repos(store)
        .await
        .into_iter()
        .find(|r| format!("{}/{}", r.project, r.name) == name)
        .unwrap_or_else(|| panic!("{name} is not a managed repository"))
}

/// `project/name -> (state, archive reason)` of every managed repository.
async fn states(store: &Arc<dyn Store>) -> BTreeMap<String, (ManagedState, Option<ArchiveReason>)> {
    repos(store)
        .await
        .into_iter()
        .map(|r| (format!("{}/{}", r.project, r.name), (r.state, r.archive_reason)))
        .collect()
}

/// Full-scan jobs of a repository, newest first.
async fn jobs_of(store: &Arc<dyn Store>, repo: &ManagedRepo) -> Vec<Job> {
    store
        .list_jobs(&JobFilter {
            kinds: vec!["full-scan".to_owned()],
            ..JobFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.payload["repo_id"] == repo.repo_id.as_str())
        .collect()
}

async fn only_job(store: &Arc<dyn Store>, repo: &ManagedRepo) -> Job {
    let jobs = jobs_of(store, repo).await;
    assert_eq!(jobs.len(), 1, "{jobs:#?}");
    jobs.into_iter().next().unwrap()
}

/// Sleeps until a job waiting for its retry is due.
async fn wait_due(store: &Arc<dyn Store>, job: &JobId) {
    let job = store.get_job(job).await.unwrap();
    assert_eq!(job.state, JobState::Queued, "{job:#?}");
    let wait = job.run_after.millis() - now().millis();
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait.unsigned_abs() + 10)).await;
    }
}

/// Findings of a scan target: `id -> (triage state, locations)`; a
/// location recorded twice fails the test.
async fn findings(store: &Arc<dyn Store>, target: &str) -> BTreeMap<String, (TriageState, Vec<String>)> {
    store
        .list_findings(&FindingFilter {
            target: Some(target.to_owned()),
            ..FindingFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|f| {
            let mut locations: Vec<String> = f
                .locations
                .iter()
                .map(|l| {
                    format!(
                        "{} {}:{}:{} {}",
                        l.target, l.location.path, l.location.line, l.location.column, l.location.blob_id
                    )
                })
                .collect();
            let n = locations.len();
            locations.sort();
            locations.dedup();
            assert_eq!(locations.len(), n, "a location of {} is recorded twice", f.id);
            (f.id.to_string(), (f.state, locations))
        })
        .collect()
}

/// The contoso fixture, edited.
fn contoso_with(edit: impl FnOnce(&mut Estate)) -> Estate {
    let mut estate = palisade_ado_sim::contoso().unwrap();
    edit(&mut estate);
    estate
}

fn project<'a>(estate: &'a mut Estate, name: &str) -> &'a mut palisade_ado_sim::fixture::Project {
    estate
        .orgs
        .iter_mut()
        .find(|o| o.name == "contoso")
        .unwrap()
        .projects
        .iter_mut()
        .find(|p| p.name == name)
        .unwrap()
}

async fn start_sim(estate: Estate) -> RunningSim {
    palisade_ado_sim::start(Sim::new(estate)).await.unwrap()
}

async fn sync_offers_new_repos_archives_vanished_and_restores(ctx: &Ctx) {
    let cache = tempfile::tempdir().unwrap();
    let engine = scanner(&ctx.store, kit(cache.path()));
    let record = connect(&engine, &ctx.sim.base_url).await;
    let found = states(&ctx.store).await;
    for name in SCANNABLE {
        assert_eq!(found[name], (ManagedState::Offered, None), "{name}: {found:?}");
    }
    assert_eq!(
        found["Web/legacy-disabled"],
        (ManagedState::Archived, Some(ArchiveReason::DisabledInAdo)),
        "{found:?}"
    );
    assert!(
        !found.contains_key("Web/Web.wiki"),
        "the hidden wiki repository is not offered: {found:?}"
    );
    // The Payments project's repositories (posture fixtures) are offered too.
    for name in ["Payments/payments-api", "Payments/payments-web"] {
        assert_eq!(found[name], (ManagedState::Offered, None), "{name}: {found:?}");
    }
    assert_eq!(found.len(), SCANNABLE.len() + 3, "{found:?}");

    assert_eq!(enable(&engine, &record, &["Infra/terraform"]).await, 1);
    let r = drain(&engine).await;
    assert_eq!((r.succeeded, r.retried, r.dead), (1, 0, 0), "{r:?}");
    let scanned = repo(&ctx.store, "Infra/terraform").await;
    assert_eq!(scanned.last_status, Some(ScanStatus::Completed));
    let kept = findings(&ctx.store, &scanned.target).await;
    assert!(kept.len() >= 2, "the terraform history holds secrets: {kept:?}");

    // The repository is deleted in ADO: the next discovery archives it.
    let without = start_sim(contoso_with(|e| {
        project(e, "Infra").repos.retain(|r| r.name != "terraform");
    }))
    .await;
    point_at(&engine, &without.base_url, DEMO_PAT, false).await;
    let run = discover(&engine).await;
    assert_eq!(
        (run.repos.archived, run.repos.restored),
        (1, 0),
        "{:?}",
        run.repos
    );
    let gone = repo(&ctx.store, "Infra/terraform").await;
    assert_eq!(
        (gone.state, gone.archive_reason),
        (ManagedState::Archived, Some(ArchiveReason::Removed))
    );
    assert_eq!(gone.target, scanned.target);
    assert!(gone.full_scans, "settings kept");
    assert_eq!(findings(&ctx.store, &gone.target).await, kept, "findings kept");
    let due = engine.schedule_connector(&record, true, now()).await.unwrap();
    assert_eq!(due.queued, 0, "an archived repository is not scanned");

    // It comes back: restored with its settings, target and scan state.
    point_at(&engine, &ctx.sim.base_url, DEMO_PAT, false).await;
    let run = discover(&engine).await;
    assert_eq!(
        (run.repos.archived, run.repos.restored),
        (0, 1),
        "{:?}",
        run.repos
    );
    let back = repo(&ctx.store, "Infra/terraform").await;
    assert_eq!((back.state, back.archive_reason), (ManagedState::Enabled, None));
    assert_eq!(back.target, scanned.target);
    assert!(back.full_scans && back.labels.iter().any(|l| l == MANAGED_SCAN_LABEL));
    assert_eq!(back.scanned_tips, scanned.scanned_tips);
    assert_eq!(back.last_status, Some(ScanStatus::Completed));
    without.shutdown().await;

    // With auto-enable on, a repository that appears is enabled and queued;
    // one ADO disables is archived.
    let mut settings = ctx.store.scan_settings(&record.id).await.unwrap();
    settings.auto_enable_new_repos = true;
    engine.set_scan_settings(&record, &settings).await.unwrap();
    let changed = start_sim(contoso_with(|e| {
        let web = project(e, "Web");
        let mut new = web.repos.iter().find(|r| r.name == "web-api").unwrap().clone();
        "web-new".clone_into(&mut new.name);
        new.id = Some(palisade_ado_sim::fixture::stable_id(&["test", "web-new"]));
        web.repos.push(new);
        web.repos
            .iter_mut()
            .find(|r| r.name == "web-api")
            .unwrap()
            .is_disabled = true;
    }))
    .await;
    point_at(&engine, &changed.base_url, DEMO_PAT, false).await;
    let run = discover(&engine).await;
    assert_eq!(
        (run.repos.enabled, run.repos.offered, run.repos.archived),
        (1, 0, 1),
        "{:?}",
        run.repos
    );
    let new = repo(&ctx.store, "Web/web-new").await;
    assert_eq!(new.state, ManagedState::Enabled);
    assert!(new.full_scans && new.labels.iter().any(|l| l == MANAGED_SCAN_LABEL));
    let job = only_job(&ctx.store, &new).await;
    assert_eq!(job.state, JobState::Queued);
    assert_eq!(job.payload["trigger"], "enable");
    let disabled = repo(&ctx.store, "Web/web-api").await;
    assert_eq!(
        (disabled.state, disabled.archive_reason),
        (ManagedState::Archived, Some(ArchiveReason::DisabledInAdo))
    );
    let r = drain(&engine).await;
    assert_eq!((r.succeeded, r.dead), (1, 0), "{r:?}");
    let new = repo(&ctx.store, "Web/web-new").await;
    assert_eq!(new.last_status, Some(ScanStatus::Completed));
    changed.shutdown().await;
}

async fn repo_deleted_between_discovery_and_scan_fails_alone(ctx: &Ctx) {
    // The connector talks to a fixed address; the simulator behind it is
    // replaced by one where Web/web-api was deleted.
    let front = Front::start(ctx.sim.addr).await;
    let cache = tempfile::tempdir().unwrap();
    let engine = scanner(&ctx.store, kit(cache.path()));
    let record = connect(&engine, &front.url()).await;
    assert_eq!(
        enable(&engine, &record, &["Web/web-api", "Web/web-frontend"]).await,
        2
    );
    let without = start_sim(contoso_with(|e| {
        project(e, "Web").repos.retain(|r| r.name != "web-api");
    }))
    .await;
    front.switch(without.addr);

    let r = drain(&engine).await;
    assert_eq!((r.succeeded, r.retried, r.dead), (1, 0, 1), "{r:?}");
    let api = repo(&ctx.store, "Web/web-api").await;
    let job = only_job(&ctx.store, &api).await;
    assert_eq!(
        (job.state, job.attempts),
        (JobState::Dead, 1),
        "not retried: {job:#?}"
    );
    let error = job.last_error.unwrap();
    assert!(error.contains("no longer exists"), "{error}");
    assert_eq!(api.last_status, Some(ScanStatus::Failed));
    assert_eq!(api.last_error.as_deref(), Some(error.as_str()));
    assert!(api.last_success_at.is_none() && api.scanned_tips.is_empty());
    let scans = ctx.store.repo_scans(&api.target, 10).await.unwrap();
    assert_eq!(scans.len(), 1);
    assert_eq!(scans[0].status, ScanStatus::Failed);
    let log = ctx.store.scan_log(&scans[0].id).await.unwrap();
    assert!(
        log.iter()
            .any(|l| l.level == "error" && l.message.contains("no longer exists")),
        "{log:?}"
    );

    let web = repo(&ctx.store, "Web/web-frontend").await;
    assert_eq!(web.last_status, Some(ScanStatus::Completed));
    assert_eq!(only_job(&ctx.store, &web).await.state, JobState::Succeeded);
    assert!(!findings(&ctx.store, &web.target).await.is_empty());

    // The next discovery agrees: archived as removed, nothing else touched.
    let run = discover(&engine).await;
    assert_eq!(run.repos.archived, 1, "{:?}", run.repos);
    let api = repo(&ctx.store, "Web/web-api").await;
    assert_eq!(api.archive_reason, Some(ArchiveReason::Removed));
    drop(front);
    without.shutdown().await;
}

async fn expired_credentials_mid_batch_fail_clearly(ctx: &Ctx) {
    let cache = tempfile::tempdir().unwrap();
    let engine = scanner(&ctx.store, kit(cache.path()));
    let record = connect(&engine, &ctx.sim.base_url).await;
    assert_eq!(enable(&engine, &record, &SCANNABLE).await, 4);
    let all = repos(&ctx.store).await;

    // One worker slot: the credential expires as soon as the first scan is
    // done, with the rest of the batch still queued.
    let (_tx, rx) = watch::channel(false);
    let opts = WorkerOptions { slots: 1, ..worker() };
    let task = {
        let engine = engine.clone();
        tokio::spawn(async move { engine.run_worker(&opts, rx).await.unwrap() })
    };
    let store = Arc::clone(&ctx.store);
    eventually("a first scan", || {
        let store = Arc::clone(&store);
        async move {
            !store
                .list_jobs(&JobFilter {
                    states: vec![JobState::Succeeded],
                    kinds: vec!["full-scan".to_owned()],
                    ..JobFilter::default()
                })
                .await
                .unwrap()
                .is_empty()
        }
    })
    .await;
    point_at(&engine, &ctx.sim.base_url, EXPIRED_PAT, true).await;
    let r = task.await.unwrap();
    assert_eq!(r.retried, 0, "refused credentials are not retried: {r:?}");
    assert!(r.dead >= 1 && r.succeeded >= 1, "{r:?}");
    assert_eq!(r.succeeded + r.dead, 4, "{r:?}");

    let mut dead = Vec::new();
    for repo in all.iter().filter(|r| r.full_scans) {
        let job = only_job(&ctx.store, repo).await;
        let row = self::repo(&ctx.store, &format!("{}/{}", repo.project, repo.name)).await;
        match job.state {
            JobState::Succeeded => assert_eq!(row.last_status, Some(ScanStatus::Completed)),
            JobState::Dead => {
                assert_eq!(job.attempts, 1, "{job:#?}");
                let error = job.last_error.clone().unwrap();
                assert!(error.contains("update the connector's credential"), "{error}");
                assert!(!error.contains(EXPIRED_PAT));
                assert_eq!(row.last_status, Some(ScanStatus::Failed));
                assert_eq!(row.last_error.as_deref(), Some(error.as_str()));
                dead.push(job.id);
            }
            other => panic!("{} ended {other}: {job:#?}", repo.name),
        }
    }

    // A new credential, the dead jobs retried by hand: all done.
    point_at(&engine, &ctx.sim.base_url, DEMO_PAT, false).await;
    for id in &dead {
        ctx.store.retry_job(id, now()).await.unwrap();
    }
    let r = drain(&engine).await;
    assert_eq!((r.succeeded, r.dead), (dead.len() as u64, 0), "{r:?}");
    for repo in repos(&ctx.store).await.iter().filter(|r| r.full_scans) {
        assert_eq!(repo.last_status, Some(ScanStatus::Completed), "{repo:#?}");
        assert_eq!(repo.last_error, None);
    }
}

async fn clone_timeouts_are_retried_then_succeed(ctx: &Ctx) {
    let cache = tempfile::tempdir().unwrap();
    let mut hasty = kit(cache.path());
    hasty.git_timeout = Duration::from_millis(1);
    let hasty = scanner(&ctx.store, hasty);
    let healthy = scanner(&ctx.store, kit(cache.path()));
    let record = connect(&healthy, &ctx.sim.base_url).await;
    assert_eq!(enable(&healthy, &record, &["Web/web-api"]).await, 1);

    let r = run(
        &hasty,
        &WorkerOptions {
            retry_base: Duration::from_millis(400),
            ..worker()
        },
    )
    .await;
    assert_eq!((r.succeeded, r.retried, r.dead), (0, 1, 0), "{r:?}");
    let api = repo(&ctx.store, "Web/web-api").await;
    let job = only_job(&ctx.store, &api).await;
    assert_eq!((job.state, job.attempts), (JobState::Queued, 1), "{job:#?}");
    assert!(job.last_error.unwrap().contains("timed out"));
    assert_eq!(api.last_status, Some(ScanStatus::Failed));
    assert!(api.last_error.unwrap().contains("timed out"));

    wait_due(&ctx.store, &job.id).await;
    let r = drain(&healthy).await;
    assert_eq!((r.succeeded, r.dead), (1, 0), "{r:?}");
    let job = ctx.store.get_job(&job.id).await.unwrap();
    assert_eq!((job.state, job.attempts), (JobState::Succeeded, 2));
    let api = repo(&ctx.store, "Web/web-api").await;
    assert_eq!(
        (api.last_status, api.last_error),
        (Some(ScanStatus::Completed), None)
    );
    let scans: Vec<ScanStatus> = ctx
        .store
        .repo_scans(&api.target, 10)
        .await
        .unwrap()
        .iter()
        .map(|s| s.status)
        .collect();
    assert_eq!(scans, [ScanStatus::Completed, ScanStatus::Failed]);
}

async fn empty_and_oversized_content(ctx: &Ctx) {
    let cache = tempfile::tempdir().unwrap();
    let mut small = kit(cache.path());
    // Bigger than README.md and src/login.html, smaller than the rest.
    small.max_file_size = 64;
    let engine = scanner(&ctx.store, small);
    let record = connect(&engine, &ctx.sim.base_url).await;
    assert_eq!(
        enable(&engine, &record, &["Web/empty-repo", "Web/web-frontend"]).await,
        2
    );
    let r = drain(&engine).await;
    assert_eq!((r.succeeded, r.retried, r.dead), (2, 0, 0), "{r:?}");

    let empty = repo(&ctx.store, "Web/empty-repo").await;
    assert_eq!(
        (empty.last_status, empty.last_error),
        (Some(ScanStatus::Completed), None)
    );
    assert!(empty.scanned_tips.is_empty());
    let scan = &ctx.store.repo_scans(&empty.target, 10).await.unwrap()[0];
    assert_eq!(
        (scan.status, scan.blobs, scan.findings),
        (ScanStatus::Completed, 0, 0)
    );
    let log = ctx.store.scan_log(&scan.id).await.unwrap();
    assert!(
        log.iter().any(|l| l.message.contains("the repository is empty")),
        "{log:?}"
    );

    let web = repo(&ctx.store, "Web/web-frontend").await;
    assert_eq!(web.last_status, Some(ScanStatus::Completed));
    let scan = &ctx.store.repo_scans(&web.target, 10).await.unwrap()[0];
    assert_eq!(scan.status, ScanStatus::Completed);
    assert!(scan.skipped_too_large > 0, "{scan:#?}");
    assert!(scan.files > 0, "small files are still read: {scan:#?}");
}

/// The newest scan of `repo` and its log.
async fn latest_scan(store: &Arc<dyn Store>, repo: &ManagedRepo) -> (ScanSummary, String) {
    let scan = store.repo_scans(&repo.target, 1).await.unwrap().remove(0);
    let log = store.scan_log(&scan.id).await.unwrap();
    let text = log
        .iter()
        .map(|l| l.message.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    (scan, text)
}

async fn rescan(engine: &Engine, name: &str) -> (ScanSummary, String) {
    let r = repo(engine.store(), name).await;
    engine
        .queue_full_scan(&r, ScanTrigger::Manual, false)
        .await
        .unwrap();
    let w = drain(engine).await;
    assert_eq!((w.succeeded, w.dead), (1, 0), "{w:?}");
    latest_scan(engine.store(), &r).await
}

async fn rescans_read_only_what_is_new(ctx: &Ctx) {
    let cache = tempfile::tempdir().unwrap();
    let engine = scanner(&ctx.store, kit(cache.path()));
    let record = connect(&engine, &ctx.sim.base_url).await;
    enable(&engine, &record, &["Web/web-frontend"]).await;
    drain(&engine).await;
    let web = repo(&ctx.store, "Web/web-frontend").await;
    let (first, log) = latest_scan(&ctx.store, &web).await;
    assert!(log.contains("reading the whole history"), "{log}");
    assert!(first.blobs > 0, "{first:#?}");
    assert_eq!(
        web.scanned_rules.as_deref(),
        Some(palisade_secrets::builtin().unwrap().version())
    );

    // Nothing moved: the refs API says so, and git is not asked.
    let (same, log) = rescan(&engine, "Web/web-frontend").await;
    assert_eq!(
        (same.status, same.blobs, same.findings),
        (ScanStatus::Completed, 0, 0),
        "{log}"
    );
    assert!(log.contains("no new commits"), "{log}");
    assert_eq!(same.commit, first.commit, "the default branch tip is recorded");

    // A new commit: only its objects are read, and its secret is found.
    let mut files = BTreeMap::new();
    files.insert(
        "config/new.env".to_owned(),
        format!(
            "aws_access_key_id = {}\naws_secret_access_key = {}\n",
            concat!("AKIA", "Q3EGRJ7RWHPM4N2T"),
            concat!("wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYzq8Rt3aLvN")
        ),
    );
    ctx.sim
        .state
        .commit(
            "contoso",
            "Web",
            "web-frontend",
            &palisade_ado_sim::SimCommit {
                branch: "main".into(),
                from_branch: Some("main".into()),
                message: "Add a config".into(),
                files,
                ..palisade_ado_sim::SimCommit::default()
            },
        )
        .await
        .unwrap();
    let (new, log) = rescan(&engine, "Web/web-frontend").await;
    assert!(log.contains("reading objects new since"), "{log}");
    assert!(
        new.blobs >= 1 && new.blobs < first.blobs,
        "{new:#?} after {first:#?}"
    );
    assert!(new.findings >= 1, "{new:#?}");
    assert_ne!(new.commit, first.commit);
    let (again, log) = rescan(&engine, "Web/web-frontend").await;
    assert_eq!(again.blobs, 0, "{log}");
    assert!(log.contains("no new commits"), "{log}");

    // Other rules: everything is read again with them.
    let fewer: Vec<(String, String)> = palisade_secrets::BUILTIN_FILES
        .iter()
        .filter(|(n, _)| *n != "generic.yml")
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect();
    let rules = palisade_secrets::RuleSet::from_yaml(&fewer).unwrap();
    let version = rules.version().to_owned();
    let mut other = ScanKit::new(
        rules,
        FingerprintKey::from_bytes([3; 32]),
        cache.path().to_path_buf(),
    )
    .unwrap();
    other.threads = 1;
    let engine = scanner(&ctx.store, other);
    let (all, log) = rescan(&engine, "Web/web-frontend").await;
    assert!(log.contains("the rules changed since the last scan"), "{log}");
    assert!(all.blobs > new.blobs, "{all:#?}");
    let web = repo(&ctx.store, "Web/web-frontend").await;
    assert_eq!(web.scanned_rules.as_deref(), Some(version.as_str()));
}

/// Makes the clone cache unwritable until dropped: mode 0500, or, for a
/// user file modes do not stop (root), a file where the folder was.
struct Unwritable {
    root: PathBuf,
    moved: Option<PathBuf>,
}

impl Unwritable {
    fn new(root: &Path) -> Self {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o500)).unwrap();
        let probe = root.join("probe");
        let mut moved = None;
        if std::fs::write(&probe, b"").is_ok() {
            std::fs::remove_file(&probe).unwrap();
            std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o700)).unwrap();
            let away = root.with_extension("away");
            std::fs::rename(root, &away).unwrap();
            std::fs::write(root, b"not a folder").unwrap();
            moved = Some(away);
        }
        Self {
            root: root.to_path_buf(),
            moved,
        }
    }
}

impl Drop for Unwritable {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt as _;
        // No panic here: this also runs while a failed assertion unwinds.
        if let Some(away) = &self.moved {
            let _ = std::fs::remove_file(&self.root);
            let _ = std::fs::rename(away, &self.root);
        }
        let _ = std::fs::set_permissions(&self.root, std::fs::Permissions::from_mode(0o700));
    }
}

async fn unwritable_clone_cache_fails_with_a_clear_status(ctx: &Ctx) {
    let cache = tempfile::tempdir().unwrap();
    let root = cache.path().join("clones");
    let engine = scanner(&ctx.store, kit(&root));
    let record = connect(&engine, &ctx.sim.base_url).await;
    assert_eq!(enable(&engine, &record, &["Web/web-api"]).await, 1);

    let blocked = Unwritable::new(&root);
    let r = run(
        &engine,
        &WorkerOptions {
            retry_base: Duration::from_millis(300),
            ..worker()
        },
    )
    .await;
    assert_eq!((r.succeeded, r.retried, r.dead), (0, 1, 0), "{r:?}");
    let api = repo(&ctx.store, "Web/web-api").await;
    let job = only_job(&ctx.store, &api).await;
    assert_eq!((job.state, job.attempts), (JobState::Queued, 1), "{job:#?}");
    let error = job.last_error.unwrap();
    assert!(error.contains("clone cache"), "{error}");
    assert!(error.contains(&root.display().to_string()), "{error}");
    assert_eq!(api.last_status, Some(ScanStatus::Failed));
    assert_eq!(api.last_error.as_deref(), Some(error.as_str()));
    assert!(api.last_success_at.is_none() && api.scanned_tips.is_empty());
    let scans = ctx.store.repo_scans(&api.target, 10).await.unwrap();
    assert!(
        scans.iter().all(|s| s.status == ScanStatus::Failed),
        "nothing recorded as completed: {scans:#?}"
    );

    drop(blocked);
    wait_due(&ctx.store, &job.id).await;
    let r = drain(&engine).await;
    assert_eq!((r.succeeded, r.dead), (1, 0), "{r:?}");
    let api = repo(&ctx.store, "Web/web-api").await;
    assert_eq!(
        (api.last_status, api.last_error),
        (Some(ScanStatus::Completed), None)
    );
    assert_eq!(
        ctx.store.get_job(&job.id).await.unwrap().state,
        JobState::Succeeded
    );
}

async fn revoke_then_reconnect_restores_repos_and_triage(ctx: &Ctx) {
    let cache = tempfile::tempdir().unwrap();
    let engine = scanner(&ctx.store, kit(cache.path()));
    let record = connect(&engine, &ctx.sim.base_url).await;
    engine
        .set_scanning(
            &record,
            &RepoSelector::Repos(vec!["Infra/terraform".to_owned()]),
            true,
            true,
        )
        .await
        .unwrap();
    let r = drain(&engine).await;
    assert_eq!(r.dead, 0, "{r:?}");
    let tf = repo(&ctx.store, "Infra/terraform").await;
    assert_eq!(tf.last_status, Some(ScanStatus::Completed));
    let before = findings(&ctx.store, &tf.target).await;
    let triaged = before.keys().next().unwrap().clone();
    ctx.store
        .triage(
            palisade_domain::FindingId::from_hex(&triaged).unwrap(),
            &Triage {
                state: TriageState::FalsePositive,
                comment: Some("test fixture".to_owned()),
                at: now(),
            },
        )
        .await
        .unwrap();
    let mut before = before;
    before.get_mut(&triaged).unwrap().0 = TriageState::FalsePositive;
    let (queued, created) = engine
        .queue_full_scan(&tf, ScanTrigger::Manual, false)
        .await
        .unwrap();
    assert!(created);

    engine.delete_connectors(&[CONNECTOR.to_owned()]).await.unwrap();
    assert_eq!(
        ctx.store.get_job(&queued).await.unwrap().state,
        JobState::Cancelled
    );
    let revoked = repo(&ctx.store, "Infra/terraform").await;
    assert_eq!(
        (revoked.state, revoked.archive_reason, revoked.connector.as_ref()),
        (ManagedState::Archived, Some(ArchiveReason::Revoked), None)
    );
    assert!(revoked.full_scans && revoked.pr_scans, "settings kept");
    assert!(
        states(&ctx.store)
            .await
            .values()
            .all(|s| s.0 == ManagedState::Archived),
        "every repository of the connector is archived"
    );
    assert_eq!(
        findings(&ctx.store, &tf.target).await,
        before,
        "findings and triage kept"
    );
    let r = drain(&engine).await;
    assert_eq!(r.succeeded + r.dead, 0, "nothing left to run: {r:?}");

    // Connected again (a new connector): the repositories come back.
    let again = connect(&engine, &ctx.sim.base_url).await;
    assert_ne!(again.id, record.id);
    let back = repo(&ctx.store, "Infra/terraform").await;
    assert_eq!((back.state, back.archive_reason), (ManagedState::Enabled, None));
    assert_eq!(back.connector.as_ref(), Some(&again.id));
    assert!(back.full_scans && back.pr_scans);
    assert_eq!(back.target, tf.target);
    let found = states(&ctx.store).await;
    for name in SCANNABLE.iter().filter(|n| **n != "Infra/terraform") {
        assert_eq!(found[*name], (ManagedState::Offered, None), "{name}: {found:?}");
    }

    // A rescan from scratch leaves the triage as it was.
    engine
        .queue_full_scan(&back, ScanTrigger::Manual, true)
        .await
        .unwrap();
    let r = drain(&engine).await;
    assert_eq!((r.succeeded, r.dead), (1, 0), "{r:?}");
    assert_eq!(findings(&ctx.store, &tf.target).await, before);
}

async fn killed_job_is_released_and_finished_once(ctx: &Ctx) {
    let cache = tempfile::tempdir().unwrap();
    let engine = scanner(&ctx.store, kit(cache.path()));
    let record = connect(&engine, &ctx.sim.base_url).await;
    assert_eq!(enable(&engine, &record, &["Infra/terraform"]).await, 1);
    drain(&engine).await;
    let tf = repo(&ctx.store, "Infra/terraform").await;
    let expected = findings(&ctx.store, &tf.target).await;
    assert!(!expected.is_empty());

    // A worker leases the job, starts its scan and dies: it never reports.
    let (job, _) = engine
        .queue_full_scan(&tf, ScanTrigger::Manual, true)
        .await
        .unwrap();
    let lease = ctx
        .store
        .lease_job("dead-worker", &["full-scan"], Duration::from_secs(1), now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((&lease.job.id, lease.job.attempts), (&job, 1));
    let dead_scan = running_scan(&tf, &record, &job);
    ctx.store.begin_scan(&dead_scan).await.unwrap();

    let r = drain(&engine).await;
    assert_eq!((r.succeeded, r.dead), (1, 0), "{r:?}");
    let done = ctx.store.get_job(&job).await.unwrap();
    assert_eq!((done.state, done.attempts), (JobState::Succeeded, 2), "{done:#?}");
    assert_eq!(
        ctx.store.get_scan(&dead_scan.id).await.unwrap().status,
        ScanStatus::Interrupted
    );
    assert_eq!(findings(&ctx.store, &tf.target).await, expected);

    // A worker task dropped in the middle of a scan (the clone cache lock is
    // held, so the scan cannot finish first): its job is released too.
    let (job, _) = engine
        .queue_full_scan(&tf, ScanTrigger::Manual, true)
        .await
        .unwrap();
    let lock = std::fs::File::create(cache.path().join(format!("{}.lock", tf.repo_id))).unwrap();
    lock.lock().unwrap();
    let (_tx, rx) = watch::channel(false);
    let opts = WorkerOptions {
        lease: Duration::from_secs(1),
        until_idle: false,
        ..worker()
    };
    let victim = {
        let engine = engine.clone();
        tokio::spawn(async move { engine.run_worker(&opts, rx).await })
    };
    let store = Arc::clone(&ctx.store);
    let target = tf.target.clone();
    let job_id = job.to_string();
    eventually("the scan to start", || {
        let (store, target, job_id) = (Arc::clone(&store), target.clone(), job_id.clone());
        async move {
            store.repo_scans(&target, 10).await.unwrap().iter().any(|s| {
                s.status == ScanStatus::Running
                    && s.context.as_ref().and_then(|c| c.job.as_deref()) == Some(job_id.as_str())
            })
        }
    })
    .await;
    victim.abort();
    assert!(victim.await.unwrap_err().is_cancelled());
    lock.unlock().unwrap();

    let r = tokio::time::timeout(Duration::from_secs(30), drain(&engine))
        .await
        .expect("the dropped worker's job was never released");
    assert_eq!((r.succeeded, r.dead), (1, 0), "{r:?}");
    let done = ctx.store.get_job(&job).await.unwrap();
    assert_eq!((done.state, done.attempts), (JobState::Succeeded, 2), "{done:#?}");
    let statuses: Vec<ScanStatus> = ctx
        .store
        .repo_scans(&tf.target, 10)
        .await
        .unwrap()
        .iter()
        .filter(|s| s.context.as_ref().and_then(|c| c.job.as_deref()) == Some(job_id.as_str()))
        .map(|s| s.status)
        .collect();
    assert_eq!(statuses, [ScanStatus::Completed, ScanStatus::Interrupted]);
    assert_eq!(findings(&ctx.store, &tf.target).await, expected);
}

/// The scan row a worker writes when it starts a full scan of `repo` for `job`.
fn running_scan(repo: &ManagedRepo, record: &ConnectorRecord, job: &JobId) -> ScanSummary {
    ScanSummary {
        id: JobId::generate().to_string(),
        target: repo.target.clone(),
        kind: TargetKind::GitHistory,
        commit: None,
        status: ScanStatus::Running,
        started_at: now(),
        finished_at: None,
        duration_ms: 0,
        files: 0,
        bytes: 0,
        blobs: 0,
        skipped_binary: 0,
        skipped_too_large: 0,
        rules_version: "test".to_owned(),
        rules_count: 0,
        findings: 0,
        suppressed: 0,
        errors: Vec::new(),
        context: Some(ScanContext {
            connector: record.id.to_string(),
            org: repo.org.to_string(),
            repo_id: repo.repo_id.clone(),
            repo_name: format!("{}/{}", repo.project, repo.name),
            branch: repo.default_branch.clone(),
            trigger: ScanTrigger::Manual,
            job: Some(job.to_string()),
            pull_request: None,
            incremental: false,
        }),
    }
}

fn postgres_url() -> String {
    std::env::var("PALISADE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn schema(what: &str) -> String {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("palisade_engine_{what}_{n:x}{:x}", std::process::id())
}

/// Every contoso repository scanned into `store`; with `outage`, the
/// database goes away for 3 s while the batch runs. Returns the findings of
/// every repository.
async fn scan_contoso(
    store: Arc<dyn Store>,
    observer: &Arc<dyn Store>,
    sim: &RunningSim,
    outage: Option<&Front>,
) -> BTreeMap<String, BTreeMap<String, (TriageState, Vec<String>)>> {
    let cache = tempfile::tempdir().unwrap();
    let engine = scanner(&store, kit(cache.path()));
    let record = connect(&engine, &sim.base_url).await;
    assert_eq!(enable(&engine, &record, &SCANNABLE).await, 4);
    let (tx, rx) = watch::channel(false);
    let opts = WorkerOptions {
        slots: 1,
        lease: Duration::from_secs(5),
        until_idle: false,
        ..worker()
    };
    let task = {
        let engine = engine.clone();
        tokio::spawn(async move { engine.run_worker(&opts, rx).await.unwrap() })
    };
    let full_scans = |states: Vec<JobState>| {
        let observer = Arc::clone(observer);
        async move {
            observer
                .list_jobs(&JobFilter {
                    states,
                    kinds: vec!["full-scan".to_owned()],
                    ..JobFilter::default()
                })
                .await
                .unwrap()
                .len()
        }
    };
    if let Some(front) = outage {
        eventually("a running scan", || async {
            full_scans(vec![JobState::Running]).await > 0
        })
        .await;
        front.take_down();
        assert!(
            full_scans(vec![JobState::Succeeded]).await < 4,
            "the database went down in the middle of the batch"
        );
        tokio::time::sleep(Duration::from_secs(3)).await;
        front.restore();
    }
    eventually("every scan", || async {
        full_scans(vec![JobState::Succeeded]).await == 4
    })
    .await;
    tx.send_replace(true);
    let report = task.await.unwrap();
    assert_eq!(report.dead, 0, "{report:?}");
    let jobs = observer.list_jobs(&JobFilter::default()).await.unwrap();
    assert!(jobs.iter().all(|j| j.state == JobState::Succeeded), "{jobs:#?}");
    let mut all = BTreeMap::new();
    for repo in repos(observer).await.iter().filter(|r| r.full_scans) {
        assert_eq!(repo.last_status, Some(ScanStatus::Completed), "{repo:#?}");
        all.insert(repo.target.clone(), findings(observer, &repo.target).await);
    }
    assert_eq!(all.len(), 4);
    all
}

/// The database restarts in the middle of a batch: connections cut, new ones
/// refused for 3 s. The worker waits it out on its own and every repository
/// ends scanned, with the same findings as a batch without the outage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_mid_batch_loses_nothing() {
    let url = postgres_url();
    let sim = start_sim(palisade_ado_sim::contoso().unwrap()).await;

    let control_schema = schema("control");
    let control = PostgresStore::connect_with_schema(&url, &control_schema)
        .await
        .unwrap_or_else(|e| panic!("this test needs PostgreSQL at {url}: {e}"));
    let control: Arc<dyn Store> = Arc::new(control);
    let expected = scan_contoso(Arc::clone(&control), &control, &sim, None).await;
    assert!(expected.values().any(|f| !f.is_empty()));

    // The same batch through a front that goes down like a restarting server.
    let parsed = url::Url::parse(&url).unwrap();
    let server = tokio::net::lookup_host((parsed.host_str().unwrap(), parsed.port().unwrap_or(5432)))
        .await
        .unwrap()
        .next()
        .unwrap();
    let front = Front::start(server).await;
    let mut proxied_url = parsed.clone();
    proxied_url.set_host(Some("127.0.0.1")).unwrap();
    proxied_url.set_port(Some(front.addr.port())).unwrap();
    let outage_schema = schema("outage");
    let proxied = PostgresStore::connect_with_schema(proxied_url.as_str(), &outage_schema)
        .await
        .unwrap();
    // Watches (and cleans up) past the front.
    let direct = PostgresStore::connect_with_schema(&url, &outage_schema)
        .await
        .unwrap();
    let observer: Arc<dyn Store> = Arc::new(direct.clone());
    let found = scan_contoso(Arc::new(proxied), &observer, &sim, Some(&front)).await;
    assert_eq!(found, expected, "same findings and locations, none doubled");

    drop(front);
    sim.shutdown().await;
    direct.drop_schema().await.unwrap();
    PostgresStore::connect_with_schema(&url, &control_schema)
        .await
        .unwrap()
        .drop_schema()
        .await
        .unwrap();
}

/// Imports the lodash advisory fixture into the store, as `palisade advisories import` does.
async fn import_lodash_advisory(store: &Arc<dyn Store>) {
    import_npm_advisory(store, "GHSA-35jh-r3h4-6jhm", "lodash").await;
}

async fn import_npm_advisory(store: &Arc<dyn Store>, id: &str, package: &str) {
    let path = format!(
        "{}/../palisade-advisories/tests/fixtures/osv/npm/{id}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let record = std::fs::read_to_string(path).unwrap();
    let palisade_advisories::OsvRecord::Advisory(a) =
        palisade_advisories::parse_record(record.as_bytes()).unwrap()
    else {
        panic!("an advisory")
    };
    let row = palisade_store::AdvisoryRow {
        id: a.id.clone(),
        modified: a.modified,
        packages: vec![("npm".into(), package.into())],
        record,
    };
    store.import_advisories(&[row], &[]).await.unwrap();
}

async fn kind_findings(
    store: &Arc<dyn Store>,
    target: &str,
    kind: FindingKind,
) -> BTreeMap<String, TriageState> {
    store
        .list_findings(&FindingFilter {
            target: Some(target.to_owned()),
            kinds: vec![kind],
            ..FindingFilter::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.rule_id.to_string(), f.state))
        .collect()
}

async fn branch_tip_is_scanned_for_dependencies_iac_and_code(ctx: &Ctx) {
    import_lodash_advisory(&ctx.store).await;
    let cache = tempfile::tempdir().unwrap();
    let engine = scanner(&ctx.store, kit(cache.path()).with_builtin_code_rules().unwrap());
    let files = [
        (
            "package-lock.json",
            "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {\"name\": \"web\"},\n    \"node_modules/lodash\": {\"version\": \"4.17.20\"},\n    \"node_modules/@babel/traverse\": {\"version\": \"7.22.0\"}\n  }\n}\n",
        ),
        (
            "infra/main.tf",
            "resource \"azurerm_storage_account\" \"logs\" {\n  name = \"logs\"\n  https_traffic_only_enabled = false\n}\n",
        ),
        (
            "app.py",
            "import subprocess\nfrom flask import request\n\ndef run():\n    cmd = request.args.get(\"cmd\")\n    subprocess.call(\"ls \" + cmd, shell=True)\n",
        ),
    ];
    let commit = |message: &str, files: &[(&str, &str)]| palisade_ado_sim::SimCommit {
        branch: "main".into(),
        from_branch: Some("main".into()),
        message: message.into(),
        files: files
            .iter()
            .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
            .collect(),
        ..palisade_ado_sim::SimCommit::default()
    };
    ctx.sim
        .state
        .commit("contoso", "Web", "web-frontend", &commit("Add app", &files))
        .await
        .unwrap();
    let record = connect(&engine, &ctx.sim.base_url).await;
    enable(&engine, &record, &["Web/web-frontend"]).await;
    let w = drain(&engine).await;
    assert_eq!((w.succeeded, w.dead), (1, 0), "{w:?}");
    let web = repo(&ctx.store, "Web/web-frontend").await;
    let (scan, log) = latest_scan(&ctx.store, &web).await;
    assert_eq!(scan.status, ScanStatus::Completed, "{log}");
    assert!(log.contains("1 vulnerable"), "{log}");

    let deps = kind_findings(&ctx.store, &web.target, FindingKind::Dependency).await;
    assert_eq!(
        deps.get("dependency.ghsa-35jh-r3h4-6jhm"),
        Some(&TriageState::Open),
        "{deps:?}"
    );
    let iac = kind_findings(&ctx.store, &web.target, FindingKind::Iac).await;
    assert_eq!(
        iac.get("iac.azurerm.storage-account-https-only"),
        Some(&TriageState::Open),
        "{iac:?}"
    );
    let code = kind_findings(&ctx.store, &web.target, FindingKind::Code).await;
    assert_eq!(
        code.get("code.python.command-injection"),
        Some(&TriageState::Open),
        "{code:?}"
    );
    let secrets = kind_findings(&ctx.store, &web.target, FindingKind::Secret).await;
    assert!(
        !secrets.is_empty(),
        "the history's secrets are still found: {log}"
    );

    // The tip no longer has the flaw: its finding is fixed; the others stay open,
    // and the incremental secrets scan closes none of the history's secrets.
    let fixed_tf = "resource \"azurerm_storage_account\" \"logs\" {\n  name = \"logs\"\n  https_traffic_only_enabled = true\n}\n";
    ctx.sim
        .state
        .commit(
            "contoso",
            "Web",
            "web-frontend",
            &commit("Enforce HTTPS", &[("infra/main.tf", fixed_tf)]),
        )
        .await
        .unwrap();
    let (again, log) = rescan(&engine, "Web/web-frontend").await;
    assert!(log.contains("reading objects new since"), "{log}");
    assert_eq!(again.status, ScanStatus::Completed, "{log}");
    let iac = kind_findings(&ctx.store, &web.target, FindingKind::Iac).await;
    assert_eq!(
        iac.get("iac.azurerm.storage-account-https-only"),
        Some(&TriageState::Fixed),
        "{iac:?}"
    );
    let deps = kind_findings(&ctx.store, &web.target, FindingKind::Dependency).await;
    assert_eq!(
        deps.get("dependency.ghsa-35jh-r3h4-6jhm"),
        Some(&TriageState::Open)
    );
    assert_eq!(
        kind_findings(&ctx.store, &web.target, FindingKind::Secret).await,
        secrets
    );

    // Posture reads the same findings: Defender's "findings resolved"
    // recommendations per repository; a repository palisade does not scan
    // is unknown, never a pass.
    engine.evaluate_posture(&record, "manual").await.unwrap();
    let posture = ctx
        .store
        .posture_results(&palisade_store::PostureFilter::default())
        .await
        .unwrap();
    let status_of = |check: &str, repo: &str| {
        posture
            .iter()
            .find(|r| r.row.check_id == check && r.row.resource_name == repo)
            .map(|r| r.row.status)
    };
    let open_iac = kind_findings(&ctx.store, &web.target, FindingKind::Iac)
        .await
        .values()
        .any(|s| *s == TriageState::Open);
    assert_eq!(
        status_of("ado.repo.open-iac-findings", "web-frontend"),
        Some(if open_iac {
            PostureStatus::Fail
        } else {
            PostureStatus::Pass
        })
    );
    assert_eq!(
        status_of("ado.repo.open-dependency-findings", "web-frontend"),
        Some(PostureStatus::Fail)
    );
    assert_eq!(
        status_of("ado.repo.open-code-findings", "web-frontend"),
        Some(PostureStatus::Fail)
    );
    assert_eq!(
        status_of("ado.repo.open-secret-findings", "web-frontend"),
        Some(PostureStatus::Fail)
    );
    assert_eq!(
        status_of("ado.repo.open-secret-findings", "web-api"),
        Some(PostureStatus::Unknown)
    );

    // A new advisory with no new commit: the rescan fetches nothing but
    // matches the tip's manifests again, and the babel finding appears.
    assert!(!deps.contains_key("dependency.ghsa-67hx-6x53-jw92"), "{deps:?}");
    import_npm_advisory(&ctx.store, "GHSA-67hx-6x53-jw92", "@babel/traverse").await;
    let (same, log) = rescan(&engine, "Web/web-frontend").await;
    assert!(log.contains("no new commits"), "{log}");
    assert_eq!(same.blobs, 0, "{log}");
    let deps = kind_findings(&ctx.store, &web.target, FindingKind::Dependency).await;
    assert_eq!(
        deps.get("dependency.ghsa-67hx-6x53-jw92"),
        Some(&TriageState::Open),
        "{log}"
    );
    assert_eq!(
        deps.get("dependency.ghsa-35jh-r3h4-6jhm"),
        Some(&TriageState::Open),
        "{log}"
    );
    let iac = kind_findings(&ctx.store, &web.target, FindingKind::Iac).await;
    assert_eq!(
        iac.get("iac.azurerm.storage-account-https-only"),
        Some(&TriageState::Fixed),
        "an unchanged tip closes no other kind"
    );
}
