use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use palisade_ado::models::PullRequestStatus;
use palisade_ado::{AdoClient, AdoError, ApiScope, Credential};
use palisade_domain::{Deployment, OrgName};
use serde_json::{Value, json};

use crate::support::{PAT, ado_error, data, json, json_with, list, serve};

fn example(name: &str) -> Value {
    serde_json::from_str(&data(name)).unwrap()
}

#[tokio::test]
async fn projects_follow_continuation_tokens_and_send_ado_headers() {
    let projects = example("projects.json")["value"].clone();
    let srv = serve(move |req| {
        let all = projects.as_array().unwrap();
        let (page, next) = match req.query.get("continuationToken").map(String::as_str) {
            None => (&all[..1], Some("1")),
            Some("1") => (&all[1..2], Some("2")),
            Some("2") => (&all[2..], None),
            Some(other) => panic!("unexpected token {other}"),
        };
        let body = list(&Value::Array(page.to_vec()));
        match next {
            Some(t) => json_with(200, body, &[("x-ms-continuationtoken", t.to_owned())]),
            None => json(200, body),
        }
    })
    .await;
    let got = srv.client().projects().await.unwrap();
    let names: Vec<_> = got.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Fabrikam-Fiber-TFVC", "Fabrikam-Fiber-Git", "TestGit"]);
    assert_eq!(got[2].description, None, "ADO omits fields freely");

    let reqs = srv.requests();
    assert_eq!(reqs.len(), 3);
    let r = &reqs[0];
    assert_eq!(r.path, "/fabrikam/_apis/projects");
    assert_eq!(r.query["api-version"], "7.1");
    assert_eq!(r.query["$top"], "100");
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(":{PAT}"))
    );
    assert_eq!(r.headers["authorization"], expected.as_str());
    assert_eq!(r.headers["x-tfs-fedauthredirect"], "Suppress");
    assert_eq!(r.headers["x-vss-forcemsapassthrough"], "true");
    assert_eq!(r.headers["accept"], "application/json");
    assert!(r.headers["user-agent"].to_str().unwrap().starts_with("palisade/"));
}

#[tokio::test]
async fn a_repeated_continuation_token_is_an_error_not_a_loop() {
    let srv = serve(|_| {
        json_with(
            200,
            list(&json!([{"id": "p", "name": "p"}])),
            &[("x-ms-continuationtoken", "same".to_owned())],
        )
    })
    .await;
    let err = srv.client().projects().await.unwrap_err();
    assert!(matches!(err, AdoError::MalformedResponse { .. }), "{err:?}");
    assert!(err.to_string().contains("twice"), "{err}");
    assert_eq!(srv.requests().len(), 2);
}

#[tokio::test]
async fn the_page_limit_stops_an_endless_listing() {
    let n = Arc::new(AtomicUsize::new(0));
    let srv = serve(move |_| {
        let i = n.fetch_add(1, Ordering::SeqCst);
        json_with(
            200,
            list(&json!([{"id": "p", "name": "p"}])),
            &[("x-ms-continuationtoken", i.to_string())],
        )
    })
    .await;
    let c = srv.builder(Credential::pat(PAT)).max_pages(5).build().unwrap();
    let err = c.projects().await.unwrap_err();
    assert!(err.to_string().contains("more than 5 pages"), "{err}");
    assert_eq!(srv.requests().len(), 5);
}

#[tokio::test]
async fn repositories_are_listed_org_wide_with_hidden_ones() {
    let body = data("repositories.json");
    let srv = serve(move |_| json(200, body.clone())).await;
    let repos = srv.client().repositories().await.unwrap();
    assert_eq!(repos.len(), 3);
    assert_eq!(
        repos[0].default_branch, None,
        "empty repositories have no defaultBranch"
    );
    assert_eq!(repos[1].default_branch.as_deref(), Some("refs/heads/master"));
    let r = &srv.requests()[0];
    assert_eq!(r.path, "/fabrikam/_apis/git/repositories");
    assert_eq!(r.query["includeHidden"], "true");
}

#[tokio::test]
async fn pull_requests_page_with_top_and_skip() {
    let one = example("pullrequests.json")["value"][0].clone();
    let srv = serve(move |req| {
        let top: usize = req.query["$top"].parse().unwrap();
        let skip: usize = req.query["$skip"].parse().unwrap();
        let n = top.min(150usize.saturating_sub(skip));
        let items: Vec<Value> = (0..n)
            .map(|i| {
                let mut v = one.clone();
                v["pullRequestId"] = json!(skip + i + 1);
                v
            })
            .collect();
        json(200, list(&Value::Array(items)))
    })
    .await;
    let prs = srv
        .client()
        .pull_requests("Fabrikam", "web app", PullRequestStatus::Active)
        .await
        .unwrap();
    assert_eq!(prs.len(), 150);
    assert_eq!(prs[149].pull_request_id, 150);
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        reqs[0].path,
        "/fabrikam/Fabrikam/_apis/git/repositories/web app/pullrequests"
    );
    assert_eq!(reqs[1].query["$skip"], "100");
    assert_eq!(reqs[0].query["searchCriteria.status"], "active");
}

#[tokio::test]
async fn a_pull_request_needs_its_source_branch() {
    let refs = data("refs_heads.json");
    let srv = serve(move |req| match (req.method.as_str(), req.path.ends_with("/refs")) {
        ("GET", true) => {
            let filter = req.query["filter"].clone();
            let all: Value = serde_json::from_str(&refs).unwrap();
            let matching: Vec<Value> = all["value"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["name"].as_str().unwrap().starts_with(&format!("refs/{filter}")))
                .cloned()
                .collect();
            json(200, list(&Value::Array(matching)))
        }
        ("POST", false) => {
            let body: Value = serde_json::from_str(&req.body).unwrap();
            if body["title"] == "dup" {
                return ado_error(
                    409,
                    "GitPullRequestExistsException",
                    "TF401179: An active pull request for the source and target branch already exists.",
                );
            }
            json(
                201,
                json!({"pullRequestId": 22, "status": "active", "sourceRefName": body["sourceRefName"], "targetRefName": body["targetRefName"]})
                    .to_string(),
            )
        }
        _ => json(404, "{}"),
    })
    .await;
    let c = srv.client();
    let branches = c.branches("p", "r").await.unwrap();
    let existing = branches[0].name.trim_start_matches("refs/heads/").to_owned();

    let err = c
        .create_pull_request("p", "r", "feature/nope", "main", "t", "d")
        .await
        .unwrap_err();
    assert!(matches!(err, AdoError::NotFound { .. }));
    assert!(
        err.to_string()
            .contains("source branch 'feature/nope' does not exist in repo 'r': push it first"),
        "{err}"
    );

    let pr = c
        .create_pull_request("p", "r", &existing, "main", "t", "d")
        .await
        .unwrap();
    assert_eq!(pr.pull_request_id, 22);
    assert_eq!(
        pr.source_ref_name.as_deref(),
        Some(format!("refs/heads/{existing}").as_str())
    );
    assert_eq!(pr.target_ref_name.as_deref(), Some("refs/heads/main"));

    let dup = c
        .create_pull_request("p", "r", &existing, "main", "dup", "d")
        .await
        .unwrap_err();
    assert!(matches!(dup, AdoError::Conflict { .. }), "{dup:?}");
    assert!(dup.to_string().contains("TF401179"));
}

#[tokio::test]
async fn legacy_host_is_reached_through_resolve() {
    let body = data("projects.json");
    let srv = serve(move |_| json(200, body.clone())).await;
    let base = url::Url::parse(&format!("http://fabrikam.visualstudio.com:{}", srv.addr.port())).unwrap();
    let c = srv
        .builder(Credential::pat(PAT))
        .legacy_host(true)
        .base_url(base)
        .resolve("fabrikam.visualstudio.com", srv.addr)
        .build()
        .unwrap();
    assert_eq!(c.projects().await.unwrap().len(), 3);
    let r = &srv.requests()[0];
    assert_eq!(r.path, "/_apis/projects");
    assert!(
        r.headers["host"]
            .to_str()
            .unwrap()
            .starts_with("fabrikam.visualstudio.com")
    );
}

#[tokio::test]
async fn server_api_version_is_negotiated_once_and_kept() {
    let srv = serve(|req| {
        let v = req.query["api-version"].clone();
        if v.starts_with("7.") {
            return ado_error(
                400,
                "VssVersionOutOfRangeException",
                &format!(
                    "VS800071: The requested REST API version of {v} is out of range for this server. \
                     The latest REST API version this server supports is 6.0."
                ),
            );
        }
        if req.path.ends_with("securefiles") {
            assert_eq!(v, "6.0-preview.1");
        } else {
            assert_eq!(v, "6.0");
        }
        json(200, list(&json!([])))
    })
    .await;
    let dep = Deployment::Server {
        server_url: format!("{}/tfs", srv.url),
    };
    let c = AdoClient::builder(
        dep,
        OrgName::parse("DefaultCollection").unwrap(),
        Credential::pat(PAT),
    )
    .build()
    .unwrap();
    assert!(c.projects().await.unwrap().is_empty());
    assert_eq!(c.negotiated_version().as_deref(), Some("6.0"));
    assert!(c.secure_files("p").await.unwrap().is_empty());
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 3, "one 400, then every call at 6.0");
    assert_eq!(reqs[0].path, "/tfs/DefaultCollection/_apis/projects");
}

#[tokio::test]
async fn work_items_are_fetched_200_at_a_time() {
    let srv = serve(|req| {
        let ids: Vec<i64> = req.query["ids"].split(',').map(|s| s.parse().unwrap()).collect();
        assert!(ids.len() <= 200);
        let items: Vec<Value> = ids
            .iter()
            .map(|i| json!({"id": i, "rev": 1, "fields": {"System.Title": "t"}}))
            .collect();
        json(200, list(&Value::Array(items)))
    })
    .await;
    let ids: Vec<i64> = (1..=450).collect();
    let items = srv.client().work_items(&ids).await.unwrap();
    assert_eq!(items.len(), 450);
    assert_eq!(srv.requests().len(), 3);
    assert!(srv.client().work_items(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn test_connection_names_the_missing_scope() {
    let cd = data("connection_data.json");
    let projects = data("projects.json");
    let srv = serve(move |req| {
        if req.path.ends_with("connectionData") {
            assert_eq!(req.query["api-version"], "7.1-preview.1");
            json(200, cd.clone())
        } else if req.path.ends_with("/projects") {
            json(200, projects.clone())
        } else if req.path.ends_with("git/repositories") {
            ado_error(
                401,
                "UnauthorizedRequestException",
                "TF400813: The user 'x' is not authorized to access this resource.",
            )
        } else {
            json(200, list(&json!([])))
        }
    })
    .await;
    let t = srv
        .client()
        .test_connection(&[ApiScope::Project, ApiScope::Code, ApiScope::ServiceEndpoint])
        .await
        .unwrap();
    assert_eq!(t.display_name.as_deref(), Some("Normal Paulk"));
    assert_eq!(t.sign_in_name.as_deref(), Some("fabrikamfiber16@hotmail.com"));
    assert_eq!(t.org_id, "1BE3FC5B-C58C-4173-8FD7-6647D11ECCD1");
    assert!(!t.ok());
    assert_eq!(t.missing.len(), 1);
    assert_eq!(t.missing[0].0, ApiScope::Code);
    assert!(
        t.missing[0].1.contains("Token lacks Code.Read permission"),
        "{}",
        t.missing[0].1
    );
}

#[tokio::test]
async fn profile_and_accounts_use_the_profile_host() {
    let profile = data("profile.json");
    let accounts = data("accounts.json");
    let srv = serve(move |req| {
        if req.path == "/_apis/profile/profiles/me" {
            json(200, profile.clone())
        } else if req.path == "/_apis/accounts" {
            assert_eq!(req.query["memberId"], "d6245f20-2af8-44f4-9451-8107cb2767db");
            json(200, accounts.clone())
        } else {
            json(404, "{}")
        }
    })
    .await;
    let c = srv.client();
    let me = c.profile_me().await.unwrap();
    let orgs = c.accounts(&me.id).await.unwrap();
    let names: Vec<_> = orgs.iter().map(|a| a.account_name.as_str()).collect();
    assert_eq!(names, ["Fabrikam-Fiber-Inc", "NormalPaulk"]);
}
