//! Service hooks: subscriptions, event delivery (pull requests, pushes), retries, replays, and
//! the `/_sim` helpers that make commits and pull requests.

use std::time::Duration;

use base64::Engine as _;
use palisade_ado_sim::{DeliveryState, SimCommit, SimPullRequest};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{BOB_PAT, FULL_PAT, contoso_sim, get, get_pat, post_json, receiver, send, send_json};

const SUBS: &str = "/contoso/_apis/hooks/subscriptions?api-version=7.1";
const WEB: &str = "6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c";
const WEB_FRONTEND: &str = "5febef5a-833d-4e14-b9c0-14cb638f91e6";

fn subscription(event: &str, url: &str) -> Value {
    json!({
        "publisherId": "tfs", "eventType": event, "resourceVersion": "1.0",
        "consumerId": "webHooks", "consumerActionId": "httpRequest",
        "publisherInputs": {"projectId": WEB},
        "consumerInputs": {
            "url": url, "basicAuthUsername": "palisade", "basicAuthPassword": "hook-pass-Qx7",
            "httpHeaders": "X-Palisade-Key: k-93jd\nX-Other:1",
            "resourceDetailsToSend": "all", "messagesToSend": "none", "detailedMessagesToSend": "none",
        },
    })
}

#[tokio::test]
async fn subscriptions_are_created_listed_masked_and_deleted() {
    let sim = contoso_sim().await;
    let made = post_json(
        &sim,
        SUBS,
        &subscription("git.push", "https://hooks.contoso.example/ado"),
    )
    .await;
    assert_eq!(made.status, 200, "{}", made.text);
    let v = made.json();
    assert_eq!(v["status"], "enabled");
    assert_eq!(v["consumerInputs"]["basicAuthPassword"], "********");
    assert_eq!(v["consumerInputs"]["httpHeaders"], "********");
    assert_eq!(v["consumerInputs"]["basicAuthUsername"], "palisade");
    assert_eq!(
        v["publisherInputs"]["hostId"],
        "0a1b2c3d-0000-4000-8000-00000000c001"
    );
    assert!(!made.text.contains("hook-pass-Qx7") && !made.text.contains("k-93jd"));
    let id = v["id"].as_str().unwrap().to_string();
    let list = get(&sim, SUBS).await;
    assert_eq!(list.json()["count"], 1);
    assert!(!list.text.contains("hook-pass-Qx7"));
    let filtered = get(
        &sim,
        "/contoso/_apis/hooks/subscriptions?eventType=build.complete&api-version=7.1",
    )
    .await;
    assert_eq!(filtered.json()["count"], 0);
    let one = get(
        &sim,
        &format!("/contoso/_apis/hooks/subscriptions/{id}?api-version=7.1"),
    )
    .await;
    assert_eq!(one.json()["eventType"], "git.push");
    // Organization-level: not visible from another organization.
    let other = get(
        &sim,
        &format!("/fabrikam/_apis/hooks/subscriptions/{id}?api-version=6.0"),
    )
    .await;
    assert_eq!(other.status, 404);
    let del = send_json(
        &sim,
        Method::DELETE,
        &format!("/contoso/_apis/hooks/subscriptions/{id}?api-version=7.1"),
        FULL_PAT,
        &Value::Null,
    )
    .await;
    assert_eq!(del.status, 204, "{}", del.text);
    assert_eq!(get(&sim, SUBS).await.json()["count"], 0);
    let again = send_json(
        &sim,
        Method::DELETE,
        &format!("/contoso/_apis/hooks/subscriptions/{id}?api-version=7.1"),
        FULL_PAT,
        &Value::Null,
    )
    .await;
    assert_eq!(again.status, 404);
}

#[tokio::test]
async fn subscriptions_need_hook_scopes_and_valid_input() {
    let sim = contoso_sim().await;
    assert_eq!(
        get_pat(&sim, SUBS, BOB_PAT).await.status,
        401,
        "vso.code is not vso.hooks"
    );
    let denied = send_json(
        &sim,
        Method::POST,
        SUBS,
        BOB_PAT,
        &subscription("git.push", "https://x.example/"),
    )
    .await;
    assert_eq!(denied.status, 401);
    assert!(denied.text.contains("TF400813"));
    for (patch, why) in [
        (json!({"publisherId": "azure"}), "publisher"),
        (json!({"eventType": "git.nope"}), "event type"),
        (json!({"consumerId": "slack"}), "consumer"),
        (json!({"consumerInputs": {"url": "ftp://x"}}), "url"),
        (
            json!({"consumerInputs": {"url": "https://x.example/", "httpHeaders": "no colon"}}),
            "headers",
        ),
        (
            json!({"publisherInputs": {"projectId": "00000000-0000-0000-0000-000000000001"}}),
            "project",
        ),
        (
            json!({"publisherInputs": {"projectId": WEB, "repository": "nope"}}),
            "repository",
        ),
    ] {
        let mut body = subscription("git.push", "https://x.example/");
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let a = post_json(&sim, SUBS, &body).await;
        assert_eq!(a.status, 400, "{why}: {}", a.text);
    }
    // ADO refuses loopback targets and basic auth over http; the knob turns that on.
    let knobs = send(
        crate::support::client()
            .post(format!("{}/_sim/knobs", sim.base_url))
            .json(&json!({"hooks": {"strict_targets": true}})),
    )
    .await;
    assert_eq!(knobs.status, 200);
    let a = post_json(&sim, SUBS, &subscription("git.push", "http://127.0.0.1:9/x")).await;
    assert_eq!(a.status, 400, "{}", a.text);
    let a = post_json(
        &sim,
        SUBS,
        &subscription("git.push", "http://hooks.contoso.example/x"),
    )
    .await;
    assert_eq!(a.status, 400, "basic auth needs https: {}", a.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_pull_request_is_delivered_with_basic_auth_and_headers_then_replayed() {
    let sim = contoso_sim().await;
    let rx = receiver().await;
    let sub = post_json(&sim, SUBS, &subscription("git.pullrequest.created", &rx.url)).await;
    let sub_id = sub.json()["id"].as_str().unwrap().to_string();
    let pr = post_json(
        &sim,
        "/contoso/Web/_apis/git/repositories/web-api/pullrequests?api-version=7.1",
        &json!({"sourceRefName": "refs/heads/release/1.0", "targetRefName": "refs/heads/main", "title": "Release"}),
    )
    .await;
    assert_eq!(pr.status, 201, "{}", pr.text);
    let got = rx.wait_for(1).await;
    let (headers, body) = &got[0];
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("palisade:hook-pass-Qx7")
    );
    assert_eq!(headers["authorization"], expected.as_str());
    assert_eq!(headers["x-palisade-key"], "k-93jd");
    assert_eq!(headers["x-other"], "1");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(body["eventType"], "git.pullrequest.created");
    assert_eq!(body["publisherId"], "tfs");
    assert_eq!(body["subscriptionId"], sub_id.as_str());
    assert!(body.get("message").is_none(), "messagesToSend: none");
    assert_eq!(body["resourceVersion"], "1.0");
    assert_eq!(body["resourceContainers"]["project"]["id"], WEB);
    let r = &body["resource"];
    assert_eq!(r["pullRequestId"], pr.json()["pullRequestId"]);
    assert_eq!(r["sourceRefName"], "refs/heads/release/1.0");
    assert_eq!(r["repository"]["name"], "web-api");
    assert_eq!(r["repository"]["defaultBranch"], "refs/heads/main");
    assert_eq!(
        r["lastMergeSourceCommit"]["commitId"],
        pr.json()["lastMergeSourceCommit"]["commitId"]
    );
    assert_eq!(r["createdBy"]["uniqueName"], "alice@contoso.com");
    assert!(sim.state.hooks_settled(Duration::from_secs(5)).await);

    let deliveries: Value =
        send(crate::support::client().get(format!("{}/_sim/hooks/deliveries", sim.base_url)))
            .await
            .json();
    assert_eq!(deliveries.as_array().unwrap().len(), 1);
    assert_eq!(deliveries[0]["state"], "succeeded");
    assert_eq!(deliveries[0]["attempts"][0]["status"], 200);
    assert!(
        !deliveries.to_string().contains("hook-pass-Qx7"),
        "no credentials in the record"
    );

    let replay = send(crate::support::client().post(format!("{}/_sim/hooks/replay", sim.base_url))).await;
    assert_eq!(replay.status, 202, "{}", replay.text);
    let got = rx.wait_for(2).await;
    assert_eq!(
        got[1].1, got[0].1,
        "a replay is the same payload: same event id and notificationId"
    );
    assert!(sim.state.hooks_settled(Duration::from_secs(5)).await);
    let d = sim.state.hook_deliveries();
    assert_eq!(d.len(), 2);
    assert!(d[1].replay && d[1].state == DeliveryState::Succeeded);
    let stats = sim.state.stats();
    assert_eq!(stats.hook_delivery_attempts, 2);
    assert_eq!(stats.hook_deliveries_succeeded, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_deliveries_are_retried_then_put_the_subscription_on_probation() {
    let sim = contoso_sim().await;
    let rx = receiver().await;
    rx.status.store(503, std::sync::atomic::Ordering::SeqCst);
    let knobs = send(
        crate::support::client()
            .post(format!("{}/_sim/knobs", sim.base_url))
            .json(&json!({"hooks": {"max_attempts": 3, "backoff_ms": 5}})),
    )
    .await;
    assert_eq!(knobs.status, 200);
    let sub = post_json(&sim, SUBS, &subscription("git.push", &rx.url))
        .await
        .json();
    let pushed = sim
        .state
        .commit(
            "contoso",
            "Web",
            "web-frontend",
            &SimCommit {
                branch: "main".into(),
                message: "Touch".into(),
                files: [("touch.txt".to_string(), "x\n".to_string())].into(),
                ..SimCommit::default()
            },
        )
        .await
        .unwrap();
    assert!(sim.state.hooks_settled(Duration::from_secs(10)).await);
    assert_eq!(rx.events().len(), 3, "one try and two retries");
    let d = sim.state.hook_deliveries();
    assert_eq!(d[0].state, DeliveryState::Failed);
    assert_eq!(
        d[0].attempts.iter().map(|a| a.status).collect::<Vec<_>>(),
        [Some(503); 3]
    );
    let s = get(
        &sim,
        &format!(
            "/contoso/_apis/hooks/subscriptions/{}?api-version=7.1",
            sub["id"].as_str().unwrap()
        ),
    )
    .await
    .json();
    assert_eq!(s["status"], "onProbation");
    assert_eq!(s["probationRetries"], 1);
    assert_eq!(sim.state.stats().hook_deliveries_failed, 1);
    // The receiver recovers: a replay succeeds and the subscription is enabled again.
    rx.status.store(200, std::sync::atomic::Ordering::SeqCst);
    let again = sim.state.replay_delivery(None).unwrap();
    assert_eq!(
        again.payload["resource"]["refUpdates"][0]["newObjectId"],
        pushed.commit_id.as_str()
    );
    assert!(sim.state.hooks_settled(Duration::from_secs(10)).await);
    let s = get(
        &sim,
        &format!(
            "/contoso/_apis/hooks/subscriptions/{}?api-version=7.1",
            sub["id"].as_str().unwrap()
        ),
    )
    .await
    .json();
    assert_eq!(s["status"], "enabled");
}

fn git(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_git_push_to_a_pull_request_source_fires_push_and_updated() {
    let sim = contoso_sim().await;
    let rx = receiver().await;
    for event in ["git.push", "git.pullrequest.updated"] {
        let mut body = subscription(event, &rx.url);
        body["publisherInputs"]["repository"] = json!(WEB_FRONTEND);
        assert_eq!(post_json(&sim, SUBS, &body).await.status, 200);
    }
    let pr_path = "/contoso/Web/_apis/git/repositories/web-frontend/pullRequests/1";
    let before = get(&sim, &format!("{pr_path}?api-version=7.1")).await.json();
    let old_source = before["lastMergeSourceCommit"]["commitId"]
        .as_str()
        .unwrap()
        .to_string();

    let tmp = tempfile::tempdir().unwrap();
    let url = format!("{}/contoso/Web/_git/web-frontend", sim.base_url);
    let header = format!(
        "http.extraHeader=Authorization: Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(":{FULL_PAT}"))
    );
    let dir = tmp.path().to_path_buf();
    let head = tokio::task::spawn_blocking(move || {
        let o = git(
            &[
                "-c",
                &header,
                "clone",
                "--quiet",
                "--branch",
                "feature/login",
                &url,
                "wf",
            ],
            &dir,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let repo = dir.join("wf");
        std::fs::write(repo.join("src/login.html"), "<form>login v2</form>\n").unwrap();
        for args in [
            &["add", "."][..],
            &[
                "-c",
                "user.name=Bob Builder",
                "-c",
                "user.email=bob@contoso.com",
                "commit",
                "-q",
                "-m",
                "Login v2",
            ],
        ] {
            assert!(git(args, &repo).status.success());
        }
        let o = git(&["-c", &header, "push", "-q", "origin", "feature/login"], &repo);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&git(&["rev-parse", "HEAD"], &repo).stdout)
            .trim()
            .to_string()
    })
    .await
    .unwrap();
    rx.wait_for(2).await;
    let push = &rx.of_type("git.push")[0];
    let upd = &push["resource"]["refUpdates"][0];
    assert_eq!(upd["name"], "refs/heads/feature/login");
    assert_eq!(upd["oldObjectId"], old_source.as_str());
    assert_eq!(upd["newObjectId"], head.as_str());
    assert_eq!(push["resource"]["commits"][0]["commitId"], head.as_str());
    assert_eq!(push["resource"]["commits"][0]["comment"], "Login v2");
    assert_eq!(push["resource"]["pushedBy"]["uniqueName"], "alice@contoso.com");
    let updated = &rx.of_type("git.pullrequest.updated")[0];
    assert_eq!(updated["resource"]["pullRequestId"], 1);
    assert_eq!(
        updated["resource"]["lastMergeSourceCommit"]["commitId"],
        head.as_str()
    );

    let after = get(&sim, &format!("{pr_path}?api-version=7.1")).await.json();
    assert_eq!(after["lastMergeSourceCommit"]["commitId"], head.as_str());
    let its = get(&sim, &format!("{pr_path}/iterations?api-version=7.1"))
        .await
        .json();
    assert_eq!(its["count"], 2);
    assert_eq!(
        its["value"][0]["sourceRefCommit"]["commitId"],
        old_source.as_str()
    );
    assert_eq!(its["value"][1]["sourceRefCommit"]["commitId"], head.as_str());
    assert_eq!(its["value"][1]["reason"], "push");
    assert_eq!(
        its["value"][1]["commonRefCommit"]["commitId"],
        before["lastMergeTargetCommit"]["commitId"]
    );
    let threads = get(&sim, &format!("{pr_path}/threads?api-version=7.1"))
        .await
        .json();
    assert_eq!(
        threads["value"][0]["properties"]["CodeReviewThreadType"]["$value"],
        "RefUpdate"
    );
    assert_eq!(threads["value"][0]["comments"][0]["commentType"], "system");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sim_helpers_make_commits_and_pull_requests_over_http() {
    let sim = contoso_sim().await;
    let rx = receiver().await;
    for event in ["git.push", "git.pullrequest.created", "git.pullrequest.updated"] {
        let mut body = subscription(event, &rx.url);
        body["publisherInputs"]["projectId"] = json!(
            get(&sim, "/contoso/_apis/projects/Infra?api-version=7.1")
                .await
                .json()["id"]
        );
        assert_eq!(post_json(&sim, SUBS, &body).await.status, 200);
    }
    let base = format!(
        "{}/_sim/orgs/contoso/projects/Infra/repos/terraform",
        sim.base_url
    );
    let c = send(
        crate::support::client()
            .post(format!("{base}/commits"))
            .json(&json!({
                "branch": "feature/vars", "from_branch": "main", "message": "Add variables",
                "files": {"vars.tf": "variable \"region\" {}\n"}, "pusher": "bob",
                "date": "2024-03-01T10:00:00Z",
            })),
    )
    .await;
    assert_eq!(c.status, 201, "{}", c.text);
    let first = c.json();
    assert_eq!(first["ref_name"], "refs/heads/feature/vars");
    assert!(first["old_commit_id"].is_null());
    let pr = send(
        crate::support::client()
            .post(format!("{base}/pullrequests"))
            .json(&json!({
                "source": "feature/vars", "target": "main", "title": "Variables", "created_by": "bob",
            })),
    )
    .await;
    assert_eq!(pr.status, 201, "{}", pr.text);
    assert_eq!(pr.json()["source_commit"], first["commit_id"]);
    let id = pr.json()["pull_request_id"].as_i64().unwrap();
    let second = sim
        .state
        .commit(
            "contoso",
            "Infra",
            "terraform",
            &SimCommit {
                branch: "feature/vars".into(),
                message: "Drop the old file".into(),
                delete: vec!["main.tf".into()],
                ..SimCommit::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        second.old_commit_id.as_ref(),
        first["commit_id"].as_str().map(str::to_string).as_ref()
    );
    rx.wait_for(4).await;
    assert_eq!(rx.of_type("git.push").len(), 2);
    assert_eq!(
        rx.of_type("git.pullrequest.created")[0]["resource"]["createdBy"]["uniqueName"],
        "bob@contoso.com"
    );
    let upd = rx.of_type("git.pullrequest.updated");
    assert_eq!(
        upd[0]["resource"]["lastMergeSourceCommit"]["commitId"],
        second.commit_id.as_str()
    );
    let files = get(&sim, "/contoso/Infra/_apis/git/repositories/terraform/commits?searchCriteria.itemVersion.version=feature/vars&api-version=7.1").await.json();
    assert_eq!(files["value"][0]["changeCounts"]["Delete"], 1);
    assert_eq!(files["value"][1]["commitId"], first["commit_id"]);
    let opened = sim
        .state
        .open_pull_request(
            "contoso",
            "Infra",
            "terraform",
            &SimPullRequest {
                source: "feature/vars".into(),
                target: "main".into(),
                ..SimPullRequest::default()
            },
        )
        .await;
    assert!(
        opened.is_err(),
        "an active pull request for these branches exists"
    );
    let pr_json = get(
        &sim,
        &format!("/contoso/Infra/_apis/git/pullrequests/{id}?api-version=7.1"),
    )
    .await;
    assert_eq!(pr_json.status, 200, "{}", pr_json.text);
    assert_eq!(
        pr_json.json()["lastMergeSourceCommit"]["commitId"],
        second.commit_id.as_str()
    );
    // Bad input is refused.
    for bad in [
        json!({"branch": "a..b"}),
        json!({"branch": "x", "files": {"../etc": "x"}}),
        json!({"branch": "x", "from_branch": "nope"}),
    ] {
        let a = send(
            crate::support::client()
                .post(format!("{base}/commits"))
                .json(&bad),
        )
        .await;
        assert!(a.status == 400 || a.status == 404, "{bad}: {}", a.text);
    }
}

#[tokio::test]
async fn an_empty_repository_gets_its_default_branch_from_the_first_push() {
    let sim = contoso_sim().await;
    let pushed = sim
        .state
        .commit(
            "contoso",
            "Web",
            "empty-repo",
            &SimCommit {
                branch: "main".into(),
                message: "First".into(),
                files: [("README.md".to_string(), "# hi\n".to_string())].into(),
                ..SimCommit::default()
            },
        )
        .await
        .unwrap();
    assert!(pushed.old_commit_id.is_none());
    let repo = get(
        &sim,
        "/contoso/Web/_apis/git/repositories/empty-repo?api-version=7.1",
    )
    .await
    .json();
    assert_eq!(repo["defaultBranch"], "refs/heads/main");
    let commits = get(
        &sim,
        "/contoso/Web/_apis/git/repositories/empty-repo/commits?api-version=7.1",
    )
    .await
    .json();
    assert_eq!(commits["value"][0]["commitId"], pushed.commit_id.as_str());
}

#[tokio::test]
async fn pull_request_get_update_threads_and_statuses() {
    let sim = contoso_sim().await;
    let pr = "/contoso/Web/_apis/git/repositories/web-frontend/pullRequests/1";
    let one = get(&sim, &format!("{pr}?api-version=7.1")).await.json();
    assert_eq!(one["pullRequestId"], 1);
    assert!(
        one["_links"]["iterations"]["href"]
            .as_str()
            .unwrap()
            .ends_with("/pullRequests/1/iterations")
    );
    assert_eq!(
        get(
            &sim,
            "/contoso/Web/_apis/git/repositories/web-frontend/pullRequests/99?api-version=7.1"
        )
        .await
        .status,
        404
    );
    assert_eq!(
        get(
            &sim,
            "/contoso/Web/_apis/git/repositories/web-frontend/pullRequests/x?api-version=7.1"
        )
        .await
        .status,
        400
    );
    let bad = send_json(
        &sim,
        Method::PATCH,
        &format!("{pr}?api-version=7.1"),
        FULL_PAT,
        &json!({"status": "merged"}),
    )
    .await;
    assert_eq!(bad.status, 400);
    let abandoned = send_json(
        &sim,
        Method::PATCH,
        &format!("{pr}?api-version=7.1"),
        FULL_PAT,
        &json!({"status": "abandoned"}),
    )
    .await
    .json();
    assert_eq!(abandoned["status"], "abandoned");
    assert!(abandoned["closedDate"].is_string());
    // X-HTTP-Method-Override: PATCH on a POST is honoured.
    let back = send(
        crate::support::client()
            .post(format!("{}{pr}?api-version=7.1", sim.base_url))
            .header("Authorization", crate::support::basic(FULL_PAT))
            .header("X-HTTP-Method-Override", "PATCH")
            .json(&json!({"status": "active"})),
    )
    .await;
    assert_eq!(back.json()["status"], "active", "{}", back.text);

    let t = post_json(&sim, &format!("{pr}/threads?api-version=7.1"), &json!({
        "comments": [{"content": "Possible secret here", "commentType": "text"}],
        "status": "active",
        "threadContext": {"filePath": "src/login.html", "rightFileStart": {"line": 1, "offset": 1}, "rightFileEnd": {"line": 1, "offset": 5}},
        "properties": {"palisade.finding": "f-123"},
    }))
    .await;
    assert_eq!(t.status, 200, "{}", t.text);
    let t = t.json();
    assert_eq!(t["threadContext"]["filePath"], "/src/login.html");
    assert_eq!(t["properties"]["palisade.finding"]["$value"], "f-123");
    assert_eq!(t["comments"][0]["author"]["uniqueName"], "alice@contoso.com");
    let tid = t["id"].as_i64().unwrap();
    let fixed = send_json(
        &sim,
        Method::PATCH,
        &format!("{pr}/threads/{tid}?api-version=7.1"),
        FULL_PAT,
        &json!({"status": 2}),
    )
    .await
    .json();
    assert_eq!(fixed["status"], "fixed");
    let c = post_json(
        &sim,
        &format!("{pr}/threads/{tid}/comments?api-version=7.1"),
        &json!({"content": "Rotated.", "parentCommentId": 1}),
    )
    .await
    .json();
    assert_eq!(c["id"], 2);
    let edited = send_json(
        &sim,
        Method::PATCH,
        &format!("{pr}/threads/{tid}/comments/2?api-version=7.1"),
        FULL_PAT,
        &json!({"content": "Rotated and removed."}),
    )
    .await
    .json();
    assert_eq!(edited["content"], "Rotated and removed.");
    let list = get(&sim, &format!("{pr}/threads?api-version=7.1")).await.json();
    assert_eq!(list["value"][0]["comments"][1]["content"], "Rotated and removed.");
    for bad in [
        json!({"comments": []}),
        json!({"comments": [{"content": "x"}], "status": "nope"}),
        json!({"comments": [{"content": "x"}], "threadContext": {"filePath": "/a", "rightFileStart": {"line": 0, "offset": 1}}}),
    ] {
        assert_eq!(
            post_json(&sim, &format!("{pr}/threads?api-version=7.1"), &bad)
                .await
                .status,
            400,
            "{bad}"
        );
    }
    // Read scopes may read threads but not write them.
    assert_eq!(
        get_pat(&sim, &format!("{pr}/threads?api-version=7.1"), BOB_PAT)
            .await
            .status,
        200
    );
    assert_eq!(
        send_json(
            &sim,
            Method::POST,
            &format!("{pr}/threads?api-version=7.1"),
            BOB_PAT,
            &json!({"comments": [{"content": "x"}]})
        )
        .await
        .status,
        401
    );

    let s = post_json(&sim, &format!("{pr}/statuses?api-version=7.1"), &json!({"state": "failed", "description": "1 secret", "context": {"name": "secrets", "genre": "palisade"}, "targetUrl": "https://palisade.example/scans/1", "iterationId": 1})).await;
    assert_eq!(s.status, 200, "{}", s.text);
    assert_eq!(s.json()["state"], "failed");
    assert_eq!(s.json()["iterationId"], 1);
    assert_eq!(
        post_json(
            &sim,
            &format!("{pr}/statuses?api-version=7.1"),
            &json!({"state": "failed"})
        )
        .await
        .status,
        400,
        "context.name is required"
    );
    assert_eq!(
        post_json(
            &sim,
            &format!("{pr}/statuses?api-version=7.1"),
            &json!({"state": "failed", "context": {"name": "x"}, "iterationId": 9})
        )
        .await
        .status,
        400
    );
    let all = get(&sim, &format!("{pr}/statuses?api-version=7.1")).await.json();
    assert_eq!(all["count"], 1);
    assert_eq!(all["value"][0]["context"]["genre"], "palisade");
}
