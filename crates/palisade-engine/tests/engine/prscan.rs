//! Pull-request scans queued directly (no webhook receiver here): a pull
//! request from a fork, whose source commits no branch of the target reaches,
//! is scanned through the target's `refs/pull/{id}/merge`; one from a branch
//! of the repository needs no such fetch.

use std::sync::Arc;

use palisade_ado::AdoClient;
use palisade_ado::models::git::GitStatusState;
use palisade_ado_sim::{RepoRef, SimCommit, SimFork, SimPullRequest};
use palisade_domain::{FingerprintKey, OrgName};
use palisade_engine::{
    DiscoverOptions, Engine, JobSpec, NetOptions, RepoSelector, STATUS_GENRE, STATUS_NAME, ScanKit,
    WorkerOptions,
};
use palisade_store::{ConnectorRecord, ManagedRepoFilter};
use palisade_vault::Vault;
use tokio::sync::watch;

use crate::harness::{Ctx, DEMO_PAT};

crate::stories!(prscan:
    fork_pull_request_is_scanned_through_its_merge_ref,
    same_repo_pull_request_is_scanned_without_it,
    pull_request_adding_a_vulnerable_dependency_and_a_misconfiguration,
);

/// A fake AWS key pair, split so this file is not a finding itself.
const AWS_ID: &str = concat!("AKIA", "Q3EGRJ7RWHPM4N2T");
const AWS_SECRET: &str = concat!("wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYzq8Rt3aLvN");

fn aws_pair() -> String {
    format!("aws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n")
}

/// A scanning engine on the harness's store and vault key, its clone cache in `cache`.
fn scanner(ctx: &Ctx, cache: &std::path::Path) -> Engine {
    let rules = palisade_secrets::builtin().unwrap();
    let mut kit = ScanKit::new(rules, FingerprintKey::from_bytes([3; 32]), cache.to_path_buf()).unwrap();
    kit.threads = 1;
    Engine::new(Arc::clone(&ctx.store), Vault::new([7; 32]), NetOptions::default()).with_scanner(kit)
}

async fn drain(engine: &Engine) -> palisade_engine::WorkerReport {
    let (_tx, rx) = watch::channel(false);
    engine
        .run_worker(
            &WorkerOptions {
                until_idle: true,
                retry_base: std::time::Duration::from_millis(50),
                lease: std::time::Duration::from_secs(30),
                ..WorkerOptions::default()
            },
            rx,
        )
        .await
        .unwrap()
}

/// contoso connected and discovered, service hooks off, PR scans on for Web/web-frontend.
async fn connect(ctx: &Ctx, engine: &Engine) -> ConnectorRecord {
    ctx.engine
        .create_connector(ctx.pat_input("ado-contoso", "contoso", DEMO_PAT))
        .await
        .unwrap();
    ctx.engine
        .discover("ado-contoso", &DiscoverOptions::default())
        .await
        .unwrap();
    let record = ctx.store.get_connector("ado-contoso").await.unwrap();
    let mut settings = ctx.store.scan_settings(&record.id).await.unwrap();
    settings.webhooks = false;
    ctx.engine.set_scan_settings(&record, &settings).await.unwrap();
    ctx.engine
        .set_scanning(
            &record,
            &RepoSelector::Repos(vec!["Web/web-frontend".into()]),
            false,
            true,
        )
        .await
        .unwrap();
    let r = drain(engine).await;
    assert_eq!(r.dead, 0, "{r:?}");
    record
}

async fn client(ctx: &Ctx, record: &ConnectorRecord) -> AdoClient {
    ctx.engine
        .client(record, &OrgName::parse("contoso").unwrap())
        .await
        .unwrap()
}

/// Queues the scan of pull request `pr` of Web/web-frontend.
async fn queue(ctx: &Ctx, engine: &Engine, record: &ConnectorRecord, pr: i64, source: &str) {
    let repo = ctx
        .store
        .list_managed_repos(&ManagedRepoFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == "web-frontend")
        .unwrap();
    assert!(repo.pr_scans, "{repo:?}");
    engine
        .queue_job_for(
            JobSpec::PrScan {
                org: "contoso".into(),
                repo_id: repo.repo_id.clone(),
                pull_request: pr,
                source_commit: Some(source.to_owned()),
            },
            Some(record.id.clone()),
            None,
        )
        .await
        .unwrap();
}

/// Queues the scan of pull request `pr` of Web/web-frontend and runs it.
async fn scan(ctx: &Ctx, engine: &Engine, record: &ConnectorRecord, pr: i64, source: &str) {
    queue(ctx, engine, record, pr, source).await;
    let r = drain(engine).await;
    assert_eq!((r.dead, r.retried), (0, 0), "{r:?}");
}

/// The threads palisade opened on lines (path, line), and its latest status.
async fn outcome(ctx: &Ctx, record: &ConnectorRecord, pr: i64) -> (Vec<(String, i64)>, GitStatusState) {
    let client = client(ctx, record).await;
    let threads = client.pr_threads("Web", "web-frontend", pr).await.unwrap();
    let on_lines = threads
        .iter()
        .filter(|t| !t.is_system())
        .filter_map(|t| t.thread_context.as_ref())
        .map(|c| {
            (
                c.file_path.clone().unwrap_or_default(),
                c.right_file_start.as_ref().map_or(0, |p| p.line),
            )
        })
        .collect();
    let statuses = client.pr_statuses("Web", "web-frontend", pr).await.unwrap();
    let last = statuses
        .iter()
        .filter(|s| s.context.name == STATUS_NAME && s.context.genre.as_deref() == Some(STATUS_GENRE))
        .max_by_key(|s| s.id)
        .expect("a palisade status");
    (on_lines, last.state)
}

/// The scan log of the pull request's scan.
async fn log_of(ctx: &Ctx, pr: i64) -> Vec<String> {
    let scans = ctx.store.list_scans(50).await.unwrap();
    let scan = scans
        .iter()
        .find(|s| s.target.ends_with(&format!("!pr/{pr}")))
        .expect("a scan of the pull request");
    ctx.store
        .scan_log(&scan.id)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.message)
        .collect()
}

fn commit_of(branch: &str, files: &[(&str, &str)]) -> SimCommit {
    SimCommit {
        branch: branch.to_owned(),
        from_branch: Some("main".to_owned()),
        message: format!("change {branch}"),
        files: files
            .iter()
            .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
            .collect(),
        ..SimCommit::default()
    }
}

async fn fork_pull_request_is_scanned_through_its_merge_ref(ctx: &Ctx) {
    let cache = tempfile::tempdir().unwrap();
    let engine = scanner(ctx, cache.path());
    let record = connect(ctx, &engine).await;
    let sim = &ctx.sim.state;
    sim.create_fork(
        "contoso",
        "Web",
        "web-frontend",
        &SimFork {
            name: Some("web-frontend-fork".into()),
            ..SimFork::default()
        },
    )
    .await
    .unwrap();
    let files = [
        ("config/keys.env", aws_pair()),
        ("README.md", "# web-frontend\nFrom a fork.\n".to_owned()),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(p, c)| (*p, c.as_str())).collect();
    let source = sim
        .commit(
            "contoso",
            "Web",
            "web-frontend-fork",
            &commit_of("feature/keys", &files),
        )
        .await
        .unwrap()
        .commit_id;
    let opened = sim
        .open_pull_request(
            "contoso",
            "Web",
            "web-frontend",
            &SimPullRequest {
                source: "feature/keys".into(),
                target: "main".into(),
                title: "Keys from a fork".into(),
                fork_source: Some(RepoRef {
                    project: "Web".into(),
                    repo: "web-frontend-fork".into(),
                }),
                ..SimPullRequest::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(opened.source_commit, source);
    let pr = opened.pull_request_id;

    scan(ctx, &engine, &record, pr, &source).await;
    let (threads, state) = outcome(ctx, &record, pr).await;
    assert!(!threads.is_empty(), "a thread on the key");
    for (path, line) in &threads {
        assert_eq!(path, "/config/keys.env");
        assert!((1..=2).contains(line), "{threads:?}");
    }
    assert_eq!(state, GitStatusState::Failed);
    let log = log_of(ctx, pr).await;
    assert!(
        log.iter()
            .any(|l| l.contains(&format!("fetched refs/pull/{pr}/merge")) && l.contains("fork")),
        "{log:#?}"
    );

    // The fork moves on: the next scan fetches the merge ref again.
    let fixed = [("config/keys.env", "aws_profile = deploy\n")];
    let source = sim
        .commit(
            "contoso",
            "Web",
            "web-frontend-fork",
            &commit_of("feature/keys", &fixed),
        )
        .await
        .unwrap()
        .commit_id;
    scan(ctx, &engine, &record, pr, &source).await;
    let (_, state) = outcome(ctx, &record, pr).await;
    assert_eq!(state, GitStatusState::Succeeded);

    // Branches that conflict have no merge commit: the scan fails open and says why.
    let mine = [("README.md", "# web-frontend\nThe fork's way.\n")];
    let source = sim
        .commit(
            "contoso",
            "Web",
            "web-frontend-fork",
            &commit_of("feature/clash", &mine),
        )
        .await
        .unwrap()
        .commit_id;
    let theirs = [("README.md", "# web-frontend\nThe upstream way.\n")];
    sim.commit("contoso", "Web", "web-frontend", &commit_of("main", &theirs))
        .await
        .unwrap();
    let clash = sim
        .open_pull_request(
            "contoso",
            "Web",
            "web-frontend",
            &SimPullRequest {
                source: "feature/clash".into(),
                target: "main".into(),
                title: "Conflicts".into(),
                fork_source: Some(RepoRef {
                    project: "Web".into(),
                    repo: "web-frontend-fork".into(),
                }),
                ..SimPullRequest::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(clash.merge_commit, None);
    queue(ctx, &engine, &record, clash.pull_request_id, &source).await;
    let r = drain(&engine).await;
    assert_eq!(r.succeeded, 0, "{r:?}");
    let (threads, state) = outcome(ctx, &record, clash.pull_request_id).await;
    assert!(threads.is_empty());
    assert_eq!(state, GitStatusState::NotApplicable);
    let log = log_of(ctx, clash.pull_request_id).await;
    let expected = format!(
        "the pull request's source commit {} is not in the repository nor in refs/pull/{}/merge",
        &source[..12],
        clash.pull_request_id
    );
    assert!(log.iter().any(|l| l.contains(&expected)), "{log:#?}");
}

async fn same_repo_pull_request_is_scanned_without_it(ctx: &Ctx) {
    let cache = tempfile::tempdir().unwrap();
    let engine = scanner(ctx, cache.path());
    let record = connect(ctx, &engine).await;
    let sim = &ctx.sim.state;
    let pair = aws_pair();
    let source = sim
        .commit(
            "contoso",
            "Web",
            "web-frontend",
            &commit_of("feature/same", &[("deploy/keys.env", &pair)]),
        )
        .await
        .unwrap()
        .commit_id;
    let pr = sim
        .open_pull_request(
            "contoso",
            "Web",
            "web-frontend",
            &SimPullRequest {
                source: "feature/same".into(),
                target: "main".into(),
                title: "Keys from a branch".into(),
                ..SimPullRequest::default()
            },
        )
        .await
        .unwrap()
        .pull_request_id;
    scan(ctx, &engine, &record, pr, &source).await;
    let (threads, state) = outcome(ctx, &record, pr).await;
    assert!(!threads.is_empty());
    assert!(
        threads.iter().all(|(p, _)| p == "/deploy/keys.env"),
        "{threads:?}"
    );
    assert_eq!(state, GitStatusState::Failed);
    let log = log_of(ctx, pr).await;
    assert!(!log.iter().any(|l| l.contains("refs/pull/")), "{log:#?}");
}

/// A pull request that pins a vulnerable package and adds an insecure
/// storage account gets a thread on each added line with what to do, and a
/// failed status; the unchanged lines of the same files get none.
async fn pull_request_adding_a_vulnerable_dependency_and_a_misconfiguration(ctx: &Ctx) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../palisade-advisories/tests/fixtures/osv/npm/GHSA-35jh-r3h4-6jhm.json"
    );
    let record_json = std::fs::read_to_string(path).unwrap();
    let palisade_advisories::OsvRecord::Advisory(a) =
        palisade_advisories::parse_record(record_json.as_bytes()).unwrap()
    else {
        panic!("an advisory")
    };
    ctx.store
        .import_advisories(
            &[palisade_store::AdvisoryRow {
                id: a.id.clone(),
                modified: a.modified,
                packages: vec![("npm".into(), "lodash".into())],
                record: record_json,
            }],
            &[],
        )
        .await
        .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let engine = scanner(ctx, cache.path());
    let record = connect(ctx, &engine).await;
    let sim = &ctx.sim.state;
    let lock = "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {\"name\": \"web\"},\n    \"node_modules/lodash\": {\"version\": \"4.17.20\"}\n  }\n}\n";
    let tf = "resource \"azurerm_storage_account\" \"logs\" {\n  name = \"logs\"\n  https_traffic_only_enabled = false\n}\n";
    let source = sim
        .commit(
            "contoso",
            "Web",
            "web-frontend",
            &commit_of(
                "feature/deps",
                &[("package-lock.json", lock), ("infra/main.tf", tf)],
            ),
        )
        .await
        .unwrap()
        .commit_id;
    let pr = sim
        .open_pull_request(
            "contoso",
            "Web",
            "web-frontend",
            &SimPullRequest {
                source: "feature/deps".into(),
                target: "main".into(),
                title: "Storage and lodash".into(),
                ..SimPullRequest::default()
            },
        )
        .await
        .unwrap()
        .pull_request_id;
    scan(ctx, &engine, &record, pr, &source).await;
    let (threads, state) = outcome(ctx, &record, pr).await;
    assert!(
        threads.contains(&("/package-lock.json".to_owned(), 5)),
        "{threads:?}"
    );
    assert!(threads.contains(&("/infra/main.tf".to_owned(), 3)), "{threads:?}");
    assert_eq!(state, GitStatusState::Failed);
    let client = client(ctx, &record).await;
    let texts: Vec<String> = client
        .pr_threads("Web", "web-frontend", pr)
        .await
        .unwrap()
        .iter()
        .flat_map(|t| t.comments.iter().filter_map(|c| c.content.clone()))
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("known vulnerability") && t.contains("upgrade lodash to 4.17.21")),
        "{texts:#?}"
    );
    assert!(texts.iter().any(|t| t.contains("misconfiguration")), "{texts:#?}");
}
