//! The client against the full simulator (palisade-ado-sim): service hook subscriptions, event
//! deliveries parsed with the typed event models, pull requests, threads and statuses, and the
//! git auth header.

use std::time::Duration;

use base64::Engine as _;
use palisade_ado::models::{
    CommentThreadStatus, GitStatusContext, GitStatusState, HookEventType, NewPullRequestStatus,
    NewSubscription, NewThread, PullRequestState, PullRequestUpdate, ServiceHookEvent,
};
use palisade_ado::{AdoClient, AdoError, ApiScope, Credential};
use palisade_ado_sim::{RunningSim, Sim, SimCommit};
use palisade_domain::{Deployment, OrgName};
use secrecy::{ExposeSecret, SecretString};

use crate::support::{Server, fast_retry, json, serve};

const FULL_PAT: &str = "palisade-demo-pat-7Hq2Vx9LmC4RtB8nKz3W";
const BOB_PAT: &str = "palisade-bob-pat-Wq1Er5Ty9Ui3Op7A";
const WEB: &str = "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c";
const WEB_FRONTEND: &str = "5febef5a-833d-4e14-b9c0-14cb638f91e6";

async fn sim() -> RunningSim {
    palisade_ado_sim::start(Sim::new(palisade_ado_sim::contoso().unwrap()))
        .await
        .unwrap()
}

fn client(sim: &RunningSim, pat: &str) -> AdoClient {
    let deployment = Deployment::Cloud {
        api_url: sim.base_url.clone(),
        profile_url: sim.base_url.clone(),
        login_url: sim.base_url.clone(),
    };
    AdoClient::builder(
        deployment,
        OrgName::parse("contoso").unwrap(),
        Credential::pat(pat),
    )
    .retry(fast_retry())
    .build()
    .unwrap()
}

fn hook(event: HookEventType, url: &str) -> NewSubscription {
    NewSubscription {
        event_type: event,
        project_id: WEB.into(),
        repository: None,
        branch: None,
        notification_type: None,
        url: url.into(),
        basic_auth: Some(("palisade".into(), SecretString::from("hook-pass-9Lx"))),
        http_headers: vec![("X-Palisade-Connector".into(), SecretString::from("c-42"))],
    }
}

/// A receiver on a loopback port that answers 200 to everything.
async fn receiver() -> Server {
    serve(|_| json(200, "{}")).await
}

/// The events a receiver got so far, parsed.
fn events(rx: &Server) -> Vec<ServiceHookEvent> {
    rx.requests()
        .iter()
        .map(|s| ServiceHookEvent::parse(s.body.as_bytes()).unwrap())
        .collect()
}

async fn wait_for(rx: &Server, n: usize) -> Vec<ServiceHookEvent> {
    for _ in 0..1000 {
        if rx.requests().len() >= n {
            return events(rx);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{n} deliveries expected, got {}", rx.requests().len());
}

#[tokio::test]
async fn subscriptions_round_trip_and_never_show_their_secrets() {
    let sim = sim().await;
    let ado = client(&sim, FULL_PAT);
    let mut new = hook(HookEventType::Push, "https://hooks.contoso.example/ado");
    new.repository = Some(WEB_FRONTEND.into());
    new.branch = Some("main".into());
    let made = ado.create_subscription(&new).await.unwrap();
    assert_eq!(made.kind(), HookEventType::Push);
    assert_eq!(made.status.as_deref(), Some("enabled"));
    assert_eq!(made.publisher_inputs.repository.as_deref(), Some(WEB_FRONTEND));
    assert_eq!(made.publisher_inputs.branch.as_deref(), Some("main"));
    assert_eq!(
        made.consumer_inputs.url.as_deref(),
        Some("https://hooks.contoso.example/ado")
    );
    assert_eq!(
        made.consumer_inputs.basic_auth_username.as_deref(),
        Some("palisade")
    );
    assert_eq!(
        made.consumer_inputs.resource_details_to_send.as_deref(),
        Some("all")
    );
    assert!(!format!("{made:?}").contains("hook-pass-9Lx"));
    let listed = ado.list_subscriptions().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, made.id);
    assert_eq!(ado.subscription(&made.id).await.unwrap().event_type, "git.push");
    ado.delete_subscription(&made.id).await.unwrap();
    assert!(ado.list_subscriptions().await.unwrap().is_empty());
    let gone = ado.delete_subscription(&made.id).await.unwrap_err();
    assert!(matches!(gone, AdoError::NotFound { .. }), "{gone:?}");
    // A header value with a line break would smuggle in another header: refused before sending.
    let mut bad = hook(HookEventType::Push, "https://x.example/");
    bad.http_headers = vec![("X-A".into(), SecretString::from("1\nX-B: 2"))];
    assert!(matches!(
        ado.create_subscription(&bad).await,
        Err(AdoError::InvalidRequest(_))
    ));
}

#[tokio::test]
async fn connection_tests_report_missing_hook_and_write_scopes() {
    let sim = sim().await;
    let scopes = ApiScope::MANAGED_SCANS;
    let full = client(&sim, FULL_PAT).test_connection(&scopes).await.unwrap();
    assert!(full.ok(), "{:?}", full.missing);
    assert!(
        client(&sim, FULL_PAT)
            .list_subscriptions()
            .await
            .unwrap()
            .is_empty(),
        "probes write nothing"
    );
    let bob = client(&sim, BOB_PAT).test_connection(&scopes).await.unwrap();
    let missing: Vec<ApiScope> = bob.missing.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        missing,
        [ApiScope::CodeWrite, ApiScope::HooksRead, ApiScope::HooksWrite]
    );
    assert!(bob.missing[1].1.contains("vso.hooks"), "{:?}", bob.missing);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_receiver_gets_pull_request_created_with_basic_auth() {
    let sim = sim().await;
    let rx = receiver().await;
    let ado = client(&sim, FULL_PAT);
    let sub = ado
        .create_subscription(&hook(
            HookEventType::PullRequestCreated,
            &format!("{}/hooks", rx.url),
        ))
        .await
        .unwrap();
    let pr = ado
        .create_pull_request("Web", "web-api", "release/1.0", "main", "Release 1.0", "Ship it")
        .await
        .unwrap();
    let got = wait_for(&rx, 1).await;
    let seen = &rx.requests()[0];
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("palisade:hook-pass-9Lx")
    );
    assert_eq!(seen.headers["authorization"], expected.as_str());
    assert_eq!(seen.headers["x-palisade-connector"], "c-42");
    let event = &got[0];
    assert_eq!(event.event_type, HookEventType::PullRequestCreated);
    assert_eq!(event.subscription_id.as_deref(), Some(sub.id.as_str()));
    assert!(event.notification_id.is_some());
    assert_eq!(event.resource_containers.project.as_ref().unwrap().id, WEB);
    let r = event.pull_request().unwrap();
    assert_eq!(r.pull_request_id, pr.pull_request_id);
    assert_eq!(r.source_ref_name, "refs/heads/release/1.0");
    assert_eq!(r.target_ref_name, "refs/heads/main");
    assert_eq!(r.repository.name.as_deref(), Some("web-api"));
    assert_eq!(r.repository.project_id.as_deref(), Some(WEB));
    let fetched = ado
        .pull_request("Web", "web-api", pr.pull_request_id)
        .await
        .unwrap();
    let source = fetched.last_merge_source_commit.unwrap().commit_id;
    assert_eq!(r.last_merge_source_commit.as_deref(), Some(source.as_str()));
    assert_eq!(
        r.last_merge_target_commit.as_deref(),
        Some(fetched.last_merge_target_commit.unwrap().commit_id.as_str())
    );
    assert!(event.push().is_err(), "not a push");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_to_a_pull_request_source_fires_push_and_updated() {
    let sim = sim().await;
    let rx = receiver().await;
    let ado = client(&sim, FULL_PAT);
    for event in [HookEventType::Push, HookEventType::PullRequestUpdated] {
        let mut h = hook(event, &rx.url);
        h.repository = Some(WEB_FRONTEND.into());
        ado.create_subscription(&h).await.unwrap();
    }
    let before = ado.pull_request("Web", "web-frontend", 1).await.unwrap();
    let old = before.last_merge_source_commit.unwrap().commit_id;
    // A real git push over HTTP, authenticated with the client's git header (from the environment,
    // never the command line).
    let header = ado.git_auth_header().await.unwrap();
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(":{FULL_PAT}"))
    );
    assert_eq!(header.expose_secret(), expected);
    let url = format!("{}/contoso/Web/_git/web-frontend", sim.base_url);
    let tmp = tempfile_dir();
    let dir = tmp.clone();
    let value = format!("Authorization: {}", header.expose_secret());
    let head = tokio::task::spawn_blocking(move || {
        let git = |args: &[&str], cwd: &std::path::Path| {
            let o = std::process::Command::new("git")
                .args(args)
                .current_dir(cwd)
                .env("GIT_TERMINAL_PROMPT", "0")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_CONFIG_COUNT", "1")
                .env("GIT_CONFIG_KEY_0", "http.extraHeader")
                .env("GIT_CONFIG_VALUE_0", &value)
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "git {args:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            String::from_utf8_lossy(&o.stdout).trim().to_string()
        };
        git(
            &["clone", "--quiet", "--branch", "feature/login", &url, "wf"],
            &dir,
        );
        let repo = dir.join("wf");
        std::fs::write(
            repo.join("src/secret.env"),
            "GITHUB_TOKEN=ghp_R4nd0mL00k1ngT0k3nV4lu3AbCdEf0123456\n",
        )
        .unwrap();
        git(&["add", "."], &repo);
        git(
            &[
                "-c",
                "user.name=Bob",
                "-c",
                "user.email=bob@contoso.com",
                "commit",
                "-q",
                "-m",
                "Add env",
            ],
            &repo,
        );
        git(&["push", "-q", "origin", "feature/login"], &repo);
        git(&["rev-parse", "HEAD"], &repo)
    })
    .await
    .unwrap();
    let got = wait_for(&rx, 2).await;
    let push = got
        .iter()
        .find(|e| e.event_type == HookEventType::Push)
        .unwrap()
        .push()
        .unwrap();
    assert_eq!(push.ref_updates.len(), 1);
    let u = &push.ref_updates[0];
    assert_eq!(u.branch(), Some("feature/login"));
    assert_eq!(u.old_object_id, old);
    assert_eq!(u.new_object_id, head);
    assert!(!u.is_create() && !u.is_delete());
    assert_eq!(push.commits[0].commit_id, head);
    assert_eq!(push.repository.id, WEB_FRONTEND);
    let updated = got
        .iter()
        .find(|e| e.event_type == HookEventType::PullRequestUpdated)
        .unwrap()
        .pull_request()
        .unwrap();
    assert_eq!(updated.pull_request_id, 1);
    assert_eq!(updated.last_merge_source_commit.as_deref(), Some(head.as_str()));
    let after = ado.pull_request("Web", "web-frontend", 1).await.unwrap();
    assert_eq!(after.last_merge_source_commit.unwrap().commit_id, head);
    let its = ado.pr_iterations("Web", "web-frontend", 1).await.unwrap();
    assert_eq!(its.len(), 2);
    let last = its.last().unwrap();
    assert_eq!(last.source_ref_commit.as_ref().unwrap().commit_id, head);
    assert_eq!(last.reason.as_deref(), Some("push"));
    assert!(last.common_ref_commit.is_some(), "the merge base, to diff from");
    let threads = ado.pr_threads("Web", "web-frontend", 1).await.unwrap();
    assert!(
        threads
            .iter()
            .any(|t| t.is_system() && t.property("CodeReviewThreadType").as_deref() == Some("RefUpdate"))
    );
    // The simulator's commit API fires the same events.
    let pushed = sim
        .state
        .commit(
            "contoso",
            "Web",
            "web-frontend",
            &SimCommit {
                branch: "feature/login".into(),
                message: "Remove env".into(),
                delete: vec!["src/secret.env".into()],
                pusher: Some("bob".into()),
                ..SimCommit::default()
            },
        )
        .await
        .unwrap();
    let got = wait_for(&rx, 4).await;
    let last_push = got
        .iter()
        .rev()
        .find(|e| e.event_type == HookEventType::Push)
        .unwrap()
        .push()
        .unwrap();
    assert_eq!(last_push.ref_updates[0].new_object_id, pushed.commit_id);
    assert_eq!(
        last_push.pushed_by.unwrap().unique_name.as_deref(),
        Some("bob@contoso.com")
    );
    std::fs::remove_dir_all(tmp).ok();
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "palisade-ado-test-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn threads_statuses_and_updates_round_trip() {
    let sim = sim().await;
    let ado = client(&sim, FULL_PAT);
    let thread = ado
        .create_pr_thread(
            "Web",
            "web-frontend",
            1,
            &NewThread::on_lines("Possible GitHub token", "src/login.html", 1, 1)
                .with_property("palisade.findingId", "f-7"),
        )
        .await
        .unwrap();
    assert_eq!(thread.status, Some(CommentThreadStatus::Active));
    let ctx = thread.thread_context.clone().unwrap();
    assert_eq!(ctx.file_path.as_deref(), Some("/src/login.html"));
    assert_eq!(ctx.right_file_start.unwrap().line, 1);
    assert_eq!(thread.property("palisade.findingId").as_deref(), Some("f-7"));
    assert!(!thread.is_system());
    let comment = ado
        .add_pr_comment("Web", "web-frontend", 1, thread.id, "Still there.", 1)
        .await
        .unwrap();
    assert_eq!(comment.parent_comment_id, 1);
    let edited = ado
        .update_pr_comment(
            "Web",
            "web-frontend",
            1,
            thread.id,
            comment.id,
            "Fixed in the next push.",
        )
        .await
        .unwrap();
    assert_eq!(edited.content.as_deref(), Some("Fixed in the next push."));
    let closed = ado
        .update_pr_thread_status("Web", "web-frontend", 1, thread.id, CommentThreadStatus::Fixed)
        .await
        .unwrap();
    assert_eq!(closed.status, Some(CommentThreadStatus::Fixed));
    let all = ado.pr_threads("Web", "web-frontend", 1).await.unwrap();
    let mine = all.iter().find(|t| t.id == thread.id).unwrap();
    assert_eq!(mine.comments.len(), 2);
    assert_eq!(
        mine.comments[1].content.as_deref(),
        Some("Fixed in the next push.")
    );

    let status = ado
        .create_pr_status(
            "Web",
            "web-frontend",
            1,
            &NewPullRequestStatus {
                state: GitStatusState::Failed,
                description: Some("1 new secret".into()),
                context: GitStatusContext {
                    name: "secrets".into(),
                    genre: Some("palisade".into()),
                },
                target_url: Some("https://palisade.example/scans/9".into()),
                iteration_id: Some(1),
            },
        )
        .await
        .unwrap();
    assert_eq!(status.state, GitStatusState::Failed);
    let statuses = ado.pr_statuses("Web", "web-frontend", 1).await.unwrap();
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].context.genre.as_deref(), Some("palisade"));
    assert_eq!(statuses[0].iteration_id, Some(1));
    assert_eq!(
        statuses[0].target_url.as_deref(),
        Some("https://palisade.example/scans/9")
    );

    let renamed = ado
        .update_pull_request(
            "Web",
            "web-frontend",
            1,
            &PullRequestUpdate {
                title: Some("Login page".into()),
                status: Some(PullRequestState::Abandoned),
                ..PullRequestUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.title.as_deref(), Some("Login page"));
    assert_eq!(renamed.status.as_deref(), Some("abandoned"));
    assert!(renamed.closed_date.is_some());
    let missing = ado.pull_request("Web", "web-frontend", 404).await.unwrap_err();
    assert!(matches!(missing, AdoError::NotFound { .. }), "{missing:?}");
    let denied = client(&sim, BOB_PAT)
        .create_pr_thread("Web", "web-frontend", 1, &NewThread::general("x"))
        .await
        .unwrap_err();
    assert!(matches!(denied, AdoError::ScopeMissing { .. }), "{denied:?}");
}
