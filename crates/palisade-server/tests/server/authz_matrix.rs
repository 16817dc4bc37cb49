//! The authorization matrix: every operation of the OpenAPI document against
//! every role at every scope, and without a token. An operation missing from
//! [`NEEDS`] fails the test, so a new endpoint cannot ship unchecked.
//!
//! Allowed callers must not get 401/403; refused callers must get 403, or 404
//! where an endpoint hides what the caller may not read; nobody gets a 5xx.
//! Destructive operations are refused against the real connector and only
//! allowed against ids that do not exist, so the estate survives the run.

use palisade_auth::{Action, Reach};
use palisade_domain::{Grant, Role};
use reqwest::{Method, StatusCode};

use crate::api_util::{DAY_MS, bearer, grant, send_raw, user_with_token};
use crate::harness::{AWS_ID, AWS_SECRET, Ctx};

crate::stories!(every_endpoint_against_every_role);

/// What an operation needs.
#[derive(Clone, Copy, Debug)]
enum Need {
    /// Any signed-in user (their own things).
    Own,
    /// The action somewhere: the answer is filtered to where.
    Reach(Action),
    /// The action on the fixture's connector.
    On(Action),
    /// The action on the whole installation.
    Install(Action),
}

/// `(method, path, need, body, destructive)`; `{c}`, `{f}`, `{s}`, `{j}`,
/// `{org}`, `{repo}`, `{t}` are filled from the fixture.
const NEEDS: &[(&str, &str, Need, &str, bool)] = &[
    ("GET", "/api/v1/me", Need::Own, "", false),
    (
        "GET",
        "/api/v1/tokens",
        Need::Install(Action::ManageOwnTokens),
        "",
        false,
    ),
    (
        "POST",
        "/api/v1/tokens",
        Need::Install(Action::ManageOwnTokens),
        r#"{"name":"matrix","expires_in_days":1}"#,
        false,
    ),
    (
        "DELETE",
        "/api/v1/tokens/{t}",
        Need::Install(Action::ManageUsers),
        "",
        true,
    ),
    (
        "GET",
        "/api/v1/users",
        Need::Install(Action::ManageUsers),
        "",
        false,
    ),
    (
        "GET",
        "/api/v1/audit",
        Need::Install(Action::ReadAudit),
        "",
        false,
    ),
    (
        "GET",
        "/api/v1/posture/checks",
        Need::Reach(Action::ReadInventory),
        "",
        false,
    ),
    (
        "GET",
        "/api/v1/posture/results",
        Need::Reach(Action::ReadInventory),
        "",
        false,
    ),
    (
        "GET",
        "/api/v1/posture/exemptions",
        Need::Reach(Action::ReadInventory),
        "",
        false,
    ),
    (
        "POST",
        "/api/v1/posture/exemptions",
        Need::On(Action::ManagePosture),
        "{exemption}",
        false,
    ),
    (
        "GET",
        "/api/v1/inventory",
        Need::Reach(Action::ReadInventory),
        "",
        false,
    ),
    (
        "GET",
        "/api/v1/connectors",
        Need::Reach(Action::ReadInventory),
        "",
        false,
    ),
    (
        "POST",
        "/api/v1/connectors",
        Need::Install(Action::ManageConnectors),
        r#"{"name":"m","organization":"-"}"#,
        false,
    ),
    (
        "GET",
        "/api/v1/connectors/{c}",
        Need::On(Action::ReadInventory),
        "",
        false,
    ),
    (
        "PATCH",
        "/api/v1/connectors/{c}",
        Need::On(Action::ManageConnectors),
        r#"{"name":"ado-contoso"}"#,
        false,
    ),
    (
        "DELETE",
        "/api/v1/connectors/{c}",
        Need::On(Action::ManageConnectors),
        "",
        true,
    ),
    (
        "POST",
        "/api/v1/connectors/delete",
        Need::On(Action::ManageConnectors),
        r#"{"ids":["{c}"]}"#,
        true,
    ),
    (
        "POST",
        "/api/v1/connectors/{c}/test",
        Need::On(Action::ManageConnectors),
        "",
        false,
    ),
    (
        "POST",
        "/api/v1/connectors/{c}/discovery",
        Need::On(Action::RunDiscovery),
        "",
        false,
    ),
    (
        "GET",
        "/api/v1/connectors/{c}/discovery-runs",
        Need::On(Action::ReadInventory),
        "",
        false,
    ),
    (
        "POST",
        "/api/v1/connectors/{c}/scans",
        Need::On(Action::ManageScans),
        "",
        false,
    ),
    (
        "GET",
        "/api/v1/scans",
        Need::Reach(Action::ReadFindings),
        "",
        false,
    ),
    (
        "GET",
        "/api/v1/scans/{s}",
        Need::On(Action::ReadFindings),
        "",
        false,
    ),
    (
        "GET",
        "/api/v1/scans/{s}/log",
        Need::On(Action::ReadFindings),
        "",
        false,
    ),
    (
        "GET",
        "/api/v1/repos",
        Need::Reach(Action::ReadInventory),
        "",
        false,
    ),
    (
        "PATCH",
        "/api/v1/repos/{org}/{repo}",
        Need::On(Action::ManageScans),
        r#"{"full_scans":true}"#,
        false,
    ),
    (
        "GET",
        "/api/v1/repos/inventory",
        Need::Reach(Action::ReadInventory),
        "",
        false,
    ),
    (
        "GET",
        "/api/v1/jobs/{j}",
        Need::On(Action::ReadInventory),
        "",
        false,
    ),
    (
        "GET",
        "/api/v1/findings",
        Need::Reach(Action::ReadFindings),
        "",
        false,
    ),
    (
        "GET",
        "/api/v1/findings/export",
        Need::Reach(Action::ReadFindings),
        "",
        false,
    ),
    (
        "GET",
        "/api/v1/findings/{f}",
        Need::On(Action::ReadFindings),
        "",
        false,
    ),
    (
        "GET",
        "/api/v1/findings/{f}/history",
        Need::On(Action::ReadFindings),
        "",
        false,
    ),
    (
        "POST",
        "/api/v1/findings/{f}/triage",
        Need::On(Action::TriageFindings),
        r#"{"state":"open"}"#,
        false,
    ),
    (
        "POST",
        "/api/v1/findings/triage",
        Need::On(Action::TriageFindings),
        r#"{"ids":["{f}"],"state":"open"}"#,
        false,
    ),
    (
        "GET",
        "/api/v1/overview",
        Need::Reach(Action::ReadFindings),
        "",
        false,
    ),
    (
        "GET",
        "/api/v1/overview/trend",
        Need::Reach(Action::ReadFindings),
        "",
        false,
    ),
    ("GET", "/api/v1/openapi.json", Need::Own, "", false),
];

/// The fixture's ids, by placeholder.
struct Fixture {
    values: Vec<(&'static str, String)>,
}

impl Fixture {
    fn fill(&self, text: &str) -> String {
        self.values
            .iter()
            .fold(text.to_owned(), |t, (k, v)| t.replace(k, v))
    }

    /// The same, with every id replaced by one that does not exist.
    fn fill_missing(&self, text: &str) -> String {
        let missing = [
            ("{c}", "0190a0a0-0000-7000-8000-00000000dead".to_owned()),
            ("{t}", "00000000deadbeef".to_owned()),
        ];
        let t = missing.iter().fold(text.to_owned(), |t, (k, v)| t.replace(k, v));
        self.fill(&t)
    }
}

fn allowed(need: Need, grants: &[Grant], connector: &str) -> bool {
    match need {
        Need::Own => true,
        Need::Reach(a) => !matches!(palisade_auth::reach(grants, a), Reach::Nowhere),
        Need::On(a) => palisade_auth::allows(grants, a, Some(connector)),
        Need::Install(a) => palisade_auth::allows(grants, a, None),
    }
}

async fn every_endpoint_against_every_role(ctx: &Ctx) {
    // Every operation of the document is in the matrix, and nothing else.
    let doc = palisade_server::openapi();
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PATCH", item.patch.is_some()),
            ("PUT", item.put.is_some()),
            ("DELETE", item.delete.is_some()),
        ];
        for (m, present) in ops {
            if present {
                let path = path.replace("{id}", "{x}").replace("{repo_id}", "{repo}");
                documented.push((m.to_owned(), path));
            }
        }
    }
    let placeholders = ["{c}", "{f}", "{s}", "{j}", "{t}"];
    let mut listed: Vec<(String, String)> = NEEDS
        .iter()
        .filter(|(_, p, ..)| *p != "/api/v1/openapi.json")
        .map(|(m, p, ..)| {
            let p = placeholders
                .iter()
                .fold((*p).to_owned(), |p, k| p.replace(k, "{x}"));
            ((*m).to_owned(), p)
        })
        .collect();
    documented.sort();
    listed.sort();
    assert_eq!(
        documented, listed,
        "every documented operation is in NEEDS, and only those"
    );

    // The estate: a connector with a scanned repository holding a finding.
    let record = ctx.connect(&["Web/web-frontend"]).await;
    ctx.commit(
        "main",
        &[(
            "deploy/aws.env",
            &format!("aws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n"),
        )],
        &[],
    )
    .await;
    let repo = ctx
        .store
        .list_managed_repos(&palisade_store::ManagedRepoFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == "web-frontend")
        .unwrap();
    let (job, _) = ctx
        .engine
        .queue_full_scan(&repo, palisade_domain::ScanTrigger::Manual, false)
        .await
        .unwrap();
    ctx.drain().await;
    let finding = ctx
        .store
        .list_findings(&palisade_store::FindingFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.locations.iter().any(|l| l.location.path == "deploy/aws.env"))
        .unwrap();
    let scan = ctx.store.repo_scans(&repo.target, 1).await.unwrap().remove(0);
    let failing = ctx
        .store
        .posture_results(&palisade_store::PostureFilter {
            statuses: vec![palisade_domain::PostureStatus::Fail],
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .remove(0);
    let c = record.id.to_string();
    let (_, admin_id) = user_with_token(ctx, "owner", &[grant(Role::Admin, None)], DAY_MS).await;
    let spare = palisade_auth::token::generate().unwrap();
    ctx.store
        .create_api_token(
            &palisade_store::NewApiToken {
                id: spare.0.clone(),
                user_id: admin_id,
                name: "spare".into(),
                secret_hash: spare.1.digest(),
                expires_at: None,
            },
            "test",
            crate::api_util::now(),
        )
        .await
        .unwrap();
    let exemption = serde_json::json!({
        "check": failing.row.check_id,
        "resource": failing.row.resource.as_str(),
        "reason": "matrix",
    })
    .to_string();
    let fixture = Fixture {
        values: vec![
            ("{exemption}", exemption),
            ("{c}", c.clone()),
            ("{f}", finding.id.to_hex()),
            ("{s}", scan.id.clone()),
            ("{j}", job.to_string()),
            ("{org}", repo.org.to_string()),
            ("{repo}", repo.repo_id.clone()),
            ("{t}", spare.0.clone()),
        ],
    };

    let other = "0190a0a0-0000-7000-8000-000000000000";
    let callers: Vec<(&str, Vec<Grant>)> = vec![
        ("admin-all", vec![grant(Role::Admin, None)]),
        ("secadmin-all", vec![grant(Role::SecurityAdmin, None)]),
        ("reader-all", vec![grant(Role::Reader, None)]),
        ("admin-c", vec![grant(Role::Admin, Some(&c))]),
        ("secadmin-c", vec![grant(Role::SecurityAdmin, Some(&c))]),
        ("reader-c", vec![grant(Role::Reader, Some(&c))]),
        ("admin-other", vec![grant(Role::Admin, Some(other))]),
        ("nobody", vec![]),
    ];
    let mut tokens = Vec::new();
    for (name, grants) in &callers {
        let (token, _) = user_with_token(ctx, name, grants, DAY_MS).await;
        tokens.push(bearer(&token));
    }

    let mut failures = Vec::new();
    for (method, path, need, body, destructive) in NEEDS {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let with_body = |text: String| (!body.is_empty()).then(|| (text.into_bytes(), "application/json"));
        // No token: 401, whatever the operation (the document itself is public).
        let (status, _) = send_raw(
            ctx,
            method.clone(),
            &fixture.fill(path),
            None,
            with_body(fixture.fill(body)),
        )
        .await;
        if *path != "/api/v1/openapi.json" && status != StatusCode::UNAUTHORIZED {
            failures.push(format!("{method} {path} without a token: {status}"));
        }
        for ((name, grants), token) in callers.iter().zip(&tokens) {
            let may = allowed(*need, grants, &c);
            // Destructive calls run for real only where they must be refused.
            let (p, b) = if *destructive && may {
                (fixture.fill_missing(path), fixture.fill_missing(body))
            } else {
                (fixture.fill(path), fixture.fill(body))
            };
            let (status, text) = send_raw(ctx, method.clone(), &p, Some(token), with_body(b)).await;
            let refused = matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND);
            let ok = if may {
                !matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
            } else {
                refused
            };
            if !ok {
                failures.push(format!(
                    "{method} {path} as {name}: {status} (expected {}) {}",
                    if may { "allowed" } else { "403/404" },
                    text.chars().take(160).collect::<String>()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorization matrix:\n{}",
        failures.join("\n")
    );
    // The refused destructive calls changed nothing.
    assert!(ctx.store.get_connector(&c).await.is_ok());
}
