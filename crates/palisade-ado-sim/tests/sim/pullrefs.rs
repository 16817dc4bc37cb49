//! `refs/pull/{id}/merge` in the target repository of every active pull request, and pull
//! requests from forks, seen through the real `git` CLI over smart HTTP.

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use palisade_ado_sim::{RepoRef, RunningSim, SimCommit, SimFork, SimPullRequest};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{FULL_PAT, contoso_sim, get, post_json, receiver, send_json};

const WEB: &str = "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c";

fn git(args: &[&str], dir: &Path) -> (bool, String, String) {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
        String::from_utf8_lossy(&out.stderr).trim().to_string(),
    )
}

fn header() -> String {
    format!(
        "http.extraHeader=Authorization: Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(":{FULL_PAT}"))
    )
}

/// A bare repository fetching from the simulator over smart HTTP, as palisade's clone cache does.
struct Client {
    dir: tempfile::TempDir,
    url: String,
}

impl Client {
    fn new(sim: &RunningSim, project: &str, repo: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        assert!(git(&["init", "-q", "--bare", "."], dir.path()).0);
        Self {
            dir,
            url: format!("{}/contoso/{project}/_git/{repo}", sim.base_url),
        }
    }

    async fn run(&self, args: &[&str]) -> (bool, String, String) {
        let h = header();
        let mut all = vec!["-c".to_string(), h];
        all.extend(args.iter().map(|a| (*a).replace("{url}", &self.url)));
        let dir = self.dir.path().to_path_buf();
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = all.iter().map(String::as_str).collect();
            git(&args, &dir)
        })
        .await
        .unwrap()
    }

    /// What `name` points at on the server, if it exists.
    async fn remote_ref(&self, name: &str) -> Option<String> {
        let (ok, out, err) = self.run(&["ls-remote", "{url}", name]).await;
        assert!(ok, "{err}");
        out.lines().find_map(|l| {
            l.split_once('\t')
                .filter(|(_, n)| *n == name)
                .map(|(o, _)| o.to_string())
        })
    }

    /// Fetches the branches, then `name` (into `refs/fetched`); returns the parents of its commit.
    async fn fetch_parents(&self, name: &str) -> Vec<String> {
        let (ok, _, err) = self
            .run(&["fetch", "-q", "{url}", "+refs/heads/*:refs/heads/*"])
            .await;
        assert!(ok, "{err}");
        let spec = format!("+{name}:refs/fetched");
        let (ok, _, err) = self.run(&["fetch", "-q", "{url}", &spec]).await;
        assert!(ok, "{err}");
        let (ok, out, err) = self.run(&["rev-list", "--parents", "-n1", "refs/fetched"]).await;
        assert!(ok, "{err}");
        out.split_whitespace().skip(1).map(str::to_string).collect()
    }

    async fn has(&self, commit: &str) -> bool {
        self.run(&["cat-file", "-e", &format!("{commit}^{{commit}}")])
            .await
            .0
    }
}

async fn commit(sim: &RunningSim, project: &str, repo: &str, branch: &str, files: &[(&str, &str)]) -> String {
    sim.state
        .commit(
            "contoso",
            project,
            repo,
            &SimCommit {
                branch: branch.into(),
                from_branch: Some("main".into()),
                message: format!("change {branch}"),
                files: files
                    .iter()
                    .map(|(p, c)| ((*p).to_string(), (*c).to_string()))
                    .collect(),
                ..SimCommit::default()
            },
        )
        .await
        .unwrap()
        .commit_id
}

fn pr_path(repo: &str, id: i64) -> String {
    format!("/contoso/Web/_apis/git/repositories/{repo}/pullRequests/{id}?api-version=7.1")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_merge_ref_follows_an_active_pull_request_and_goes_when_it_closes() {
    let sim = contoso_sim().await;
    let source = commit(
        &sim,
        "Web",
        "web-api",
        "feature/merge",
        &[("src/new.rs", "fn new() {}\n")],
    )
    .await;
    let opened = sim
        .state
        .open_pull_request(
            "contoso",
            "Web",
            "web-api",
            &SimPullRequest {
                source: "feature/merge".into(),
                target: "main".into(),
                title: "Merge me".into(),
                ..SimPullRequest::default()
            },
        )
        .await
        .unwrap();
    let id = opened.pull_request_id;
    let name = format!("refs/pull/{id}/merge");
    let client = Client::new(&sim, "Web", "web-api");
    let merge = client.remote_ref(&name).await.expect("a merge ref after open");
    assert_eq!(opened.merge_commit.as_deref(), Some(merge.as_str()));
    assert_eq!(
        client.fetch_parents(&name).await,
        [opened.target_commit.clone(), source.clone()],
        "parents: target tip, then source tip"
    );
    let pr = get(&sim, &pr_path("web-api", id)).await.json();
    assert_eq!(pr["mergeStatus"], "succeeded");
    assert_eq!(pr["lastMergeCommit"]["commitId"], merge.as_str());
    assert_eq!(pr["lastMergeSourceCommit"]["commitId"], source.as_str());
    assert!(pr.get("forkSource").is_none());

    // A push to the source branch moves it.
    let second = commit(
        &sim,
        "Web",
        "web-api",
        "feature/merge",
        &[("src/more.rs", "fn more() {}\n")],
    )
    .await;
    let moved = client.remote_ref(&name).await.unwrap();
    assert_ne!(moved, merge);
    assert_eq!(client.fetch_parents(&name).await[1], second);
    let pr = get(&sim, &pr_path("web-api", id)).await.json();
    assert_eq!(pr["lastMergeCommit"]["commitId"], moved.as_str());

    // So does a push to the target branch.
    let main = commit(
        &sim,
        "Web",
        "web-api",
        "main",
        &[("CHANGELOG.md", "- merge refs\n")],
    )
    .await;
    assert_eq!(client.fetch_parents(&name).await, [main.clone(), second.clone()]);

    // Conflicting changes: no merge commit, as in ADO.
    commit(
        &sim,
        "Web",
        "web-api",
        "main",
        &[("src/more.rs", "fn main_side() {}\n")],
    )
    .await;
    assert_eq!(client.remote_ref(&name).await, None);
    let pr = get(&sim, &pr_path("web-api", id)).await.json();
    assert_eq!(pr["mergeStatus"], "conflicts");
    assert!(pr.get("lastMergeCommit").is_none(), "{pr}");
    commit(
        &sim,
        "Web",
        "web-api",
        "feature/merge",
        &[("src/more.rs", "fn main_side() {}\n")],
    )
    .await;
    assert!(client.remote_ref(&name).await.is_some(), "resolved");

    // Abandoned: gone; reactivated: back.
    let status = |s: &str| json!({"status": s});
    let path = pr_path("web-api", id);
    let a = send_json(&sim, Method::PATCH, &path, FULL_PAT, &status("abandoned")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(client.remote_ref(&name).await, None);
    let a = send_json(&sim, Method::PATCH, &path, FULL_PAT, &status("active")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let back = client.remote_ref(&name).await.expect("reactivated");
    assert_eq!(a.json()["lastMergeCommit"]["commitId"], back.as_str());
    let a = send_json(&sim, Method::PATCH, &path, FULL_PAT, &status("completed")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(client.remote_ref(&name).await, None);
    assert!(
        client.remote_ref("refs/heads/feature/merge").await.is_some(),
        "branches are left alone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fork_pull_request_brings_the_fork_commits_through_its_merge_ref() {
    let sim = contoso_sim().await;
    let rx = receiver().await;
    let mut sub = json!({
        "publisherId": "tfs", "eventType": "git.pullrequest.created", "resourceVersion": "1.0",
        "consumerId": "webHooks", "consumerActionId": "httpRequest",
        "publisherInputs": {"projectId": WEB},
        "consumerInputs": {"url": rx.url, "resourceDetailsToSend": "all"},
    });
    let a = post_json(&sim, "/contoso/_apis/hooks/subscriptions?api-version=7.1", &sub).await;
    assert_eq!(a.status, 200, "{}", a.text);
    sub["eventType"] = json!("git.pullrequest.updated");
    let a = post_json(&sim, "/contoso/_apis/hooks/subscriptions?api-version=7.1", &sub).await;
    assert_eq!(a.status, 200, "{}", a.text);

    // A fork, through the `/_sim` API.
    let a = crate::support::send(
        crate::support::client()
            .post(format!(
                "{}/_sim/orgs/contoso/projects/Web/repos/web-frontend/forks",
                sim.base_url
            ))
            .json(&SimFork {
                name: Some("wf-fork".into()),
                ..SimFork::default()
            }),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let fork_id = a.json()["id"].as_str().unwrap().to_string();
    let repo = get(
        &sim,
        "/contoso/Web/_apis/git/repositories/wf-fork?api-version=7.1",
    )
    .await
    .json();
    assert_eq!(repo["isFork"], true);
    assert_eq!(repo["defaultBranch"], "refs/heads/main");
    let target = Client::new(&sim, "Web", "web-frontend");
    let main = target.remote_ref("refs/heads/main").await.unwrap();
    let fork_client = Client::new(&sim, "Web", "wf-fork");
    assert_eq!(
        fork_client.remote_ref("refs/heads/main").await,
        Some(main.clone()),
        "a copy of the parent"
    );

    // A commit only the fork has, then a pull request from it over REST with `forkSource`.
    let fork_commit = commit(
        &sim,
        "Web",
        "wf-fork",
        "feature/forked",
        &[("forked.txt", "from the fork\n")],
    )
    .await;
    let a = post_json(
        &sim,
        "/contoso/Web/_apis/git/repositories/web-frontend/pullrequests?api-version=7.1",
        &json!({
            "sourceRefName": "refs/heads/feature/forked",
            "targetRefName": "refs/heads/main",
            "title": "From a fork",
            "forkSource": {"name": "refs/heads/feature/forked", "repository": {"id": fork_id}},
        }),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let pr = a.json();
    let id = pr["pullRequestId"].as_i64().unwrap();
    assert_eq!(pr["repository"]["name"], "web-frontend");
    assert_eq!(pr["sourceRefName"], "refs/heads/feature/forked");
    assert_eq!(pr["forkSource"]["name"], "refs/heads/feature/forked");
    assert_eq!(pr["forkSource"]["repository"]["id"], fork_id.as_str());
    assert_eq!(pr["forkSource"]["repository"]["name"], "wf-fork");
    assert_eq!(pr["forkSource"]["repository"]["isFork"], true);
    assert_eq!(pr["lastMergeSourceCommit"]["commitId"], fork_commit.as_str());
    assert_eq!(pr["lastMergeTargetCommit"]["commitId"], main.as_str());

    // The target's branches do not reach the fork's commit; its merge ref does.
    let name = format!("refs/pull/{id}/merge");
    let (ok, heads, _) = target.run(&["ls-remote", "--heads", "{url}"]).await;
    assert!(ok && !heads.contains(&fork_commit), "{heads}");
    let (ok, _, err) = target
        .run(&["fetch", "-q", "{url}", "+refs/heads/*:refs/heads/*"])
        .await;
    assert!(ok, "{err}");
    assert!(!target.has(&fork_commit).await);
    assert_eq!(
        target.fetch_parents(&name).await,
        [main.clone(), fork_commit.clone()]
    );
    assert!(
        target.has(&fork_commit).await,
        "fetching the merge ref brings the fork's commit"
    );
    let (ok, content, _) = target.run(&["show", &format!("{fork_commit}:forked.txt")]).await;
    assert!(ok);
    assert_eq!(content, "from the fork");

    // The event carries forkSource.
    let created = rx.wait_for(1).await;
    let resource = &created[0].1["resource"];
    assert_eq!(resource["pullRequestId"], id);
    assert_eq!(resource["forkSource"]["repository"]["id"], fork_id.as_str());

    // A push to the fork's branch updates the pull request in the target.
    let pushed = commit(
        &sim,
        "Web",
        "wf-fork",
        "feature/forked",
        &[("forked.txt", "from the fork, v2\n")],
    )
    .await;
    let pr = get(&sim, &pr_path("web-frontend", id)).await.json();
    assert_eq!(pr["lastMergeSourceCommit"]["commitId"], pushed.as_str());
    assert_eq!(target.fetch_parents(&name).await, [main.clone(), pushed.clone()]);
    let its = get(
        &sim,
        &format!(
            "/contoso/Web/_apis/git/repositories/web-frontend/pullRequests/{id}/iterations?api-version=7.1"
        ),
    )
    .await
    .json();
    assert_eq!(its["count"], 2);
    assert_eq!(its["value"][1]["sourceRefCommit"]["commitId"], pushed.as_str());
    let updated = rx.wait_for(2).await;
    let updated: Vec<&Value> = updated
        .iter()
        .map(|(_, v)| v)
        .filter(|v| v["eventType"] == "git.pullrequest.updated")
        .collect();
    assert_eq!(
        updated[0]["resource"]["lastMergeSourceCommit"]["commitId"],
        pushed.as_str()
    );
    assert_eq!(
        updated[0]["resource"]["forkSource"]["repository"]["name"],
        "wf-fork"
    );

    // A branch of the same name in the target is another pull request's business.
    commit(
        &sim,
        "Web",
        "web-frontend",
        "feature/forked",
        &[("other.txt", "x\n")],
    )
    .await;
    let pr = get(&sim, &pr_path("web-frontend", id)).await.json();
    assert_eq!(pr["lastMergeSourceCommit"]["commitId"], pushed.as_str());

    // A git push to the fork over HTTP does the same, shortly after.
    let work = tempfile::tempdir().unwrap();
    let (url, h) = (fork_client.url.clone(), header());
    let dir = work.path().to_path_buf();
    let head = tokio::task::spawn_blocking(move || {
        let (ok, _, err) = git(
            &["-c", &h, "clone", "-q", "--branch", "feature/forked", &url, "w"],
            &dir,
        );
        assert!(ok, "{err}");
        let w = dir.join("w");
        std::fs::write(w.join("forked.txt"), "from the fork, v3\n").unwrap();
        for args in [
            &["add", "."][..],
            &[
                "-c",
                "user.name=F",
                "-c",
                "user.email=f@example.invalid",
                "commit",
                "-q",
                "-m",
                "v3",
            ],
            &["-c", &h, "push", "-q", "origin", "feature/forked"],
        ] {
            let (ok, _, err) = git(args, &w);
            assert!(ok, "{err}");
        }
        git(&["rev-parse", "HEAD"], &w).1
    })
    .await
    .unwrap();
    let mut seen = String::new();
    for _ in 0..200 {
        let pr = get(&sim, &pr_path("web-frontend", id)).await.json();
        seen = pr["lastMergeSourceCommit"]["commitId"]
            .as_str()
            .unwrap()
            .to_string();
        if seen == head {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(seen, head);
    assert_eq!(target.fetch_parents(&name).await[1], head);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fork_pull_requests_through_the_sim_api_and_their_errors() {
    let sim = contoso_sim().await;
    let fork = sim
        .state
        .create_fork("contoso", "Web", "web-frontend", &SimFork::default())
        .await
        .unwrap();
    assert_eq!(
        (fork.project.as_str(), fork.name.as_str()),
        ("Web", "web-frontend-fork")
    );
    let again = sim
        .state
        .create_fork("contoso", "Web", "web-frontend", &SimFork::default())
        .await
        .unwrap_err();
    assert_eq!(again.status.as_u16(), 409);

    // The fork's main into the parent's main: same branch name, different repositories.
    let head = commit(
        &sim,
        "Web",
        "web-frontend-fork",
        "main",
        &[("fix.txt", "fixed\n")],
    )
    .await;
    let from_fork = |source: &str| SimPullRequest {
        source: source.into(),
        target: "main".into(),
        title: "Fix".into(),
        fork_source: Some(RepoRef {
            project: "Web".into(),
            repo: "web-frontend-fork".into(),
        }),
        ..SimPullRequest::default()
    };
    let opened = sim
        .state
        .open_pull_request("contoso", "Web", "web-frontend", &from_fork("main"))
        .await
        .unwrap();
    assert_eq!(opened.source_commit, head);
    let merge = opened.merge_commit.expect("a merge commit");
    let client = Client::new(&sim, "Web", "web-frontend");
    assert_eq!(
        client
            .remote_ref(&format!("refs/pull/{}/merge", opened.pull_request_id))
            .await,
        Some(merge)
    );
    let dup = sim
        .state
        .open_pull_request("contoso", "Web", "web-frontend", &from_fork("main"))
        .await
        .unwrap_err();
    assert_eq!(dup.status.as_u16(), 409);
    let missing = sim
        .state
        .open_pull_request("contoso", "Web", "web-frontend", &from_fork("nope"))
        .await
        .unwrap_err();
    assert_eq!(missing.status.as_u16(), 400);
    let mut unknown = from_fork("main");
    unknown.fork_source = Some(RepoRef {
        project: "Web".into(),
        repo: "no-such-fork".into(),
    });
    let err = sim
        .state
        .open_pull_request("contoso", "Web", "web-frontend", &unknown)
        .await
        .unwrap_err();
    assert_eq!(err.status.as_u16(), 404);
}
