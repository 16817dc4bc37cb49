//! Connectors, discovery, managed repositories and scans through the REST
//! API, against the simulator: credentials go in and never come out (no
//! answer and no audit entry holds the PAT), roles decide who may change
//! what and who sees what (a connector one may not read does not exist),
//! engine validation messages come back as typed 400s, and work queued
//! through the API is run by a worker and readable afterwards.

use palisade_domain::Role;
use palisade_store::AuditFilter;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api_util::{Api, DAY_MS, bearer, grant, send_raw, user_with_token};
use crate::harness::{Ctx, DEMO_PAT};

crate::stories!(
    connectors_roles_validation_and_no_credential_out,
    discovery_repos_scans_and_logs,
);

const EXPIRED_PAT: &str = "palisade-expired-pat-Qm4Tz8Lr2Xc6Vb1N";
const REVOKED_PAT: &str = "palisade-revoked-pat-Jd7Ks3Pw9Fh2Gm5Y";
/// A connector id nobody has.
const NOBODY: &str = "0190a0a0-0000-7000-8000-000000000000";

/// The body creating the contoso connector on the simulator.
fn contoso(ctx: &Ctx, pat: Option<&str>) -> Value {
    let base = ctx.sim.base_url.clone();
    let mut body = json!({
        "name": "ado-contoso",
        "organization": "contoso",
        "deployment": {"kind": "cloud", "api_url": base, "profile_url": base, "login_url": base},
    });
    if let Some(p) = pat {
        body["pat"] = json!(p);
    }
    body
}

fn assert_error(status: StatusCode, body: &Value, expected: StatusCode, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
}

/// Creates the contoso connector as `admin`; returns its id.
async fn create(api: &Api<'_>, admin: &str) -> String {
    let (status, created) = api
        .post("/api/v1/connectors", admin, contoso(api.ctx, Some(DEMO_PAT)))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["connector"]["id"].as_str().unwrap().to_owned()
}

async fn connectors_roles_validation_and_no_credential_out(ctx: &Ctx) {
    let api = Api::new(ctx);
    let (admin, _) = user_with_token(ctx, "alice", &[grant(Role::Admin, None)], DAY_MS).await;
    let (early_reader, _) = user_with_token(ctx, "rob", &[grant(Role::Reader, None)], DAY_MS).await;

    // The document describes every route; only request bodies have secret fields.
    let (status, doc) = api.get("/api/v1/openapi.json", &admin).await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        "/api/v1/connectors",
        "/api/v1/connectors/{id}",
        "/api/v1/connectors/delete",
        "/api/v1/connectors/{id}/test",
        "/api/v1/connectors/{id}/discovery",
        "/api/v1/connectors/{id}/discovery-runs",
        "/api/v1/connectors/{id}/scans",
        "/api/v1/scans",
        "/api/v1/scans/{id}",
        "/api/v1/scans/{id}/log",
        "/api/v1/repos",
        "/api/v1/repos/{org}/{repo_id}",
        "/api/v1/jobs/{id}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        for secret in ["pat", "client_secret", "credential", "secret", "sealed"] {
            if schema["properties"].get(secret).is_some() {
                assert!(name == "CreateBody" || name == "EditBody", "{name} has {secret}");
            }
        }
    }

    // Validation: the engine's messages, as typed 400s; nothing saved.
    let mut bad_org = contoso(ctx, Some(DEMO_PAT));
    bad_org["organization"] = json!("contoso_!");
    let (status, body) = api.post("/api/v1/connectors", &admin, bad_org).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad-request");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("invalid organization name"),
        "{body}"
    );
    let mut bad_name = contoso(ctx, Some(DEMO_PAT));
    bad_name["name"] = json!("1x");
    let (status, body) = api.post("/api/v1/connectors", &admin, bad_name).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad-request");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("invalid connector name"),
        "{body}"
    );
    let (status, body) = api.post("/api/v1/connectors", &admin, contoso(ctx, None)).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad-request");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("access token not configured"),
        "{body}"
    );
    let mut plain_http = contoso(ctx, Some(DEMO_PAT));
    plain_http["deployment"]["api_url"] = json!("http://dev.azure.example");
    let (status, body) = api.post("/api/v1/connectors", &admin, plain_http).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad-request");
    let mut oauth = contoso(ctx, Some(DEMO_PAT));
    oauth["auth"] = json!("oauth");
    let (status, body) = api.post("/api/v1/connectors", &admin, oauth).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad-request");
    let mut unknown = contoso(ctx, Some(DEMO_PAT));
    unknown["sealed_credential"] = json!("x");
    let (status, body) = api.post("/api/v1/connectors", &admin, unknown).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad-request");
    // The credential test: a clear code and the seed's message.
    let (status, body) = api
        .post("/api/v1/connectors", &admin, contoso(ctx, Some(EXPIRED_PAT)))
        .await;
    assert_error(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "credential-rejected",
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Invalid or expired token"),
        "{body}"
    );
    // Creating needs manage-connectors over the installation.
    let (status, body) = api
        .post("/api/v1/connectors", &early_reader, contoso(ctx, Some(DEMO_PAT)))
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    assert!(ctx.store.list_connectors().await.unwrap().is_empty());

    let (status, created) = api
        .post("/api/v1/connectors", &admin, contoso(ctx, Some(DEMO_PAT)))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["connector"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["connector"]["name"], "ado-contoso");
    assert_eq!(created["connector"]["auth"]["kind"], "pat");
    assert_eq!(created["connector"]["has_credential"], true);
    assert!(created["identity"].is_string(), "{created}");
    let (status, body) = api
        .post("/api/v1/connectors", &admin, contoso(ctx, Some(DEMO_PAT)))
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "conflict");

    let (rita, _) = user_with_token(ctx, "rita", &[grant(Role::Reader, Some(&id))], DAY_MS).await;
    let (sam, _) = user_with_token(ctx, "sam", &[grant(Role::Reader, Some(NOBODY))], DAY_MS).await;
    let (carl, _) = user_with_token(ctx, "carl", &[grant(Role::SecurityAdmin, Some(&id))], DAY_MS).await;
    let one = format!("/api/v1/connectors/{id}");

    // Reading: each sees only its connectors; another's does not exist.
    let (status, all) = api.get("/api/v1/connectors", &rita).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert_eq!(all[0]["id"], id.as_str());
    let (_, none) = api.get("/api/v1/connectors", &sam).await;
    assert_eq!(none, json!([]));
    let (status, shown) = api.get(&one, &rita).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["organization"], "contoso");
    let (status, hidden) = api.get(&one, &sam).await;
    assert_error(status, &hidden, StatusCode::NOT_FOUND, "not-found");
    let (_, absent) = api.get(&format!("/api/v1/connectors/{NOBODY}"), &admin).await;
    assert_eq!(
        hidden["message"].as_str().unwrap().replace(&id, "ID"),
        absent["message"].as_str().unwrap().replace(NOBODY, "ID"),
        "not readable and not there read the same"
    );
    for path in [
        "/api/v1/connectors/not-a-uuid",
        "/api/v1/connectors/..%2f..%2fetc%2fpasswd",
        "/api/v1/connectors/%2e%2e/test",
        "/api/v1/connectors/%ff%fe",
    ] {
        let (status, body) = api.get(path, &admin).await;
        assert!(status.is_client_error(), "{path}: {status} {body}");
    }

    // Changing: readers may not; a connector's security admin may not
    // point it at another organization.
    for (method, path, body) in [
        (Method::PATCH, one.clone(), Some(json!({"pat": DEMO_PAT}))),
        (Method::DELETE, one.clone(), None),
        (Method::POST, format!("{one}/test"), None),
        (Method::POST, format!("{one}/discovery"), None),
        (
            Method::POST,
            "/api/v1/connectors/delete".to_owned(),
            Some(json!({"ids": [id]})),
        ),
    ] {
        let (status, err) = api.send(method.clone(), &path, &rita, body.clone()).await;
        assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");
        let (status, err) = api.send(method, &path, &sam, body).await;
        assert_error(status, &err, StatusCode::NOT_FOUND, "not-found");
    }
    let (status, err) = api.patch(&one, &carl, json!({"organization": "fabrikam"})).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");

    // Editing: a new PAT is tested first and never shown; a rejected one changes nothing.
    let (status, edited) = api.patch(&one, &carl, json!({"pat": DEMO_PAT})).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert!(edited["connector"]["credential_updated_at"].is_string());
    let (status, err) = api.patch(&one, &admin, json!({"pat": REVOKED_PAT})).await;
    assert_error(
        status,
        &err,
        StatusCode::UNPROCESSABLE_ENTITY,
        "credential-rejected",
    );
    let (status, err) = api.patch(&one, &admin, json!({"name": "x"})).await;
    assert_error(status, &err, StatusCode::BAD_REQUEST, "bad-request");
    let (status, err) = api.patch(&one, &admin, json!({"credential": "x"})).await;
    assert_error(status, &err, StatusCode::BAD_REQUEST, "bad-request");
    let (status, err) = api.patch(&one, &admin, json!({"auth": "pat", "pat": ""})).await;
    assert_error(status, &err, StatusCode::BAD_REQUEST, "bad-request");
    let (status, tested) = api.post(&format!("{one}/test"), &admin, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{tested}");
    assert!(tested["identity"].is_string(), "{tested}");

    // Deleting: all or nothing.
    let bulk = "/api/v1/connectors/delete";
    let (status, err) = api.post(bulk, &admin, json!({"ids": [id, NOBODY]})).await;
    assert_error(status, &err, StatusCode::NOT_FOUND, "not-found");
    let (status, err) = api.post(bulk, &admin, json!({"ids": [id, "nope"]})).await;
    assert_error(status, &err, StatusCode::BAD_REQUEST, "bad-request");
    let (status, err) = api.post(bulk, &admin, json!({"ids": []})).await;
    assert_error(status, &err, StatusCode::BAD_REQUEST, "bad-request");
    assert_eq!(ctx.store.list_connectors().await.unwrap().len(), 1);
    let (status, deleted) = api.post(bulk, &carl, json!({"ids": [id, id]})).await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(deleted.as_array().unwrap().len(), 1);
    assert_eq!(deleted[0]["id"], id.as_str());
    let (status, gone) = api.get(&one, &admin).await;
    assert_error(status, &gone, StatusCode::NOT_FOUND, "not-found");
    let (status, gone) = api.delete(&one, &admin).await;
    assert_error(status, &gone, StatusCode::NOT_FOUND, "not-found");
    // Created again, deleted alone.
    let again = create(&api, &admin).await;
    let (status, deleted) = api.delete(&format!("/api/v1/connectors/{again}"), &admin).await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(deleted["name"], "ado-contoso");

    // Every change audited, by its author, from the API; no credential anywhere.
    let audit = ctx
        .store
        .audit_log(&AuditFilter {
            action_prefix: Some("connector.".into()),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = audit
        .iter()
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    for expected in [
        ("connector.create", "alice"),
        ("connector.update", "carl"),
        ("connector.test", "alice"),
        ("connector.delete", "carl"),
        ("connector.delete", "alice"),
    ] {
        assert!(actions.contains(&expected), "{expected:?} in {actions:?}");
    }
    assert_eq!(
        actions.iter().filter(|(a, _)| *a == "connector.create").count(),
        2,
        "refused creates are not audited"
    );
    let secrets = [DEMO_PAT, EXPIRED_PAT, REVOKED_PAT];
    for e in &audit {
        assert_eq!(e.source.as_deref(), Some("api"));
        let text = format!("{} {} {}", e.target, e.action, e.details);
        for s in secrets {
            assert!(!text.contains(s), "the audit log shows a credential: {text}");
        }
    }
    api.assert_never_shown(&secrets);
}

async fn discovery_repos_scans_and_logs(ctx: &Ctx) {
    let api = Api::new(ctx);
    let (admin, _) = user_with_token(ctx, "alice", &[grant(Role::Admin, None)], DAY_MS).await;
    let id = create(&api, &admin).await;
    let (rita, _) = user_with_token(ctx, "rita", &[grant(Role::Reader, Some(&id))], DAY_MS).await;
    let (sam, _) = user_with_token(ctx, "sam", &[grant(Role::Reader, Some(NOBODY))], DAY_MS).await;
    let one = format!("/api/v1/connectors/{id}");

    // Discovery: queued as a job, run by a worker, shown in the runs.
    let (status, started) = api.post(&format!("{one}/discovery"), &admin, json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let job = started["job"].as_str().unwrap().to_owned();
    assert_eq!(started["queued"], true);
    let (status, queued) = api.get(&format!("/api/v1/jobs/{job}"), &rita).await;
    assert_eq!(status, StatusCode::OK, "{queued}");
    assert_eq!(
        (queued["kind"].as_str(), queued["state"].as_str()),
        (Some("discover"), Some("queued"))
    );
    let (status, hidden) = api.get(&format!("/api/v1/jobs/{job}"), &sam).await;
    assert_error(status, &hidden, StatusCode::NOT_FOUND, "not-found");
    let report = ctx.drain().await;
    assert_eq!((report.dead, report.retried), (0, 0), "{report:?}");
    let (_, done) = api.get(&format!("/api/v1/jobs/{job}"), &rita).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    let (status, runs) = api.get(&format!("{one}/discovery-runs?limit=5"), &rita).await;
    assert_eq!(status, StatusCode::OK, "{runs}");
    assert_eq!(runs.as_array().unwrap().len(), 1, "{runs}");
    assert_eq!(runs[0]["status"], "finished", "{runs}");
    assert!(runs[0]["counts"]["repository"].as_u64().unwrap() > 3, "{runs}");
    let (status, err) = api.get(&format!("{one}/discovery-runs"), &sam).await;
    assert_error(status, &err, StatusCode::NOT_FOUND, "not-found");
    let (status, err) = api.get(&format!("{one}/discovery-runs?limit=0"), &rita).await;
    assert_error(status, &err, StatusCode::BAD_REQUEST, "bad-request");

    // Managed repositories: offered after discovery, switched on by an admin.
    let (status, repos) = api.get(&format!("/api/v1/repos?connector={id}"), &rita).await;
    assert_eq!(status, StatusCode::OK, "{repos}");
    let web = repos
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["project"] == "Web" && r["name"] == "web-api")
        .unwrap_or_else(|| panic!("Web/web-api in {repos}"))
        .clone();
    assert_eq!(web["state"], "offered", "{web}");
    let (_, none) = api.get("/api/v1/repos", &sam).await;
    assert_eq!(none, json!([]));
    let (_, none) = api.get(&format!("/api/v1/repos?connector={id}"), &sam).await;
    assert_eq!(none, json!([]));
    let (status, err) = api.get("/api/v1/repos?state=sleeping", &rita).await;
    assert_error(status, &err, StatusCode::BAD_REQUEST, "bad-request");
    let repo_path = format!("/api/v1/repos/contoso/{}", web["repo_id"].as_str().unwrap());
    let on = json!({"full_scans": true, "pr_scans": false});
    let (status, err) = api.patch(&repo_path, &rita, on.clone()).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");
    let (status, err) = api.patch(&repo_path, &sam, on.clone()).await;
    assert_error(status, &err, StatusCode::NOT_FOUND, "not-found");
    for path in [
        "/api/v1/repos/contoso_!/0190a0a0-0000-7000-8000-000000000000".to_owned(),
        "/api/v1/repos/contoso/..%2f..%2fetc".to_owned(),
        "/api/v1/repos/..%2f/x".to_owned(),
    ] {
        let (status, err) = api.patch(&path, &admin, on.clone()).await;
        assert!(status.is_client_error(), "{path}: {status} {err}");
    }
    // An organization named like another route's segment is still an organization.
    let (status, err) = api
        .patch(
            &format!("/api/v1/repos/inventory/{NOBODY}"),
            &admin,
            json!({"full_scans": true}),
        )
        .await;
    assert_error(status, &err, StatusCode::NOT_FOUND, "not-found");
    let (status, err) = api.patch(&repo_path, &admin, json!({})).await;
    assert_error(status, &err, StatusCode::BAD_REQUEST, "bad-request");
    let (status, changed) = api.patch(&repo_path, &admin, on).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["repo"]["state"], "enabled", "{changed}");
    assert_eq!(changed["repo"]["full_scans"], true);
    assert_eq!(changed["repo"]["pr_scans"], false);

    // Scans on demand: named repositories must have full scans on.
    let scans_path = format!("{one}/scans");
    let (status, err) = api
        .post(&scans_path, &admin, json!({"repos": ["Web/no-such-repo"]}))
        .await;
    assert_error(status, &err, StatusCode::NOT_FOUND, "not-found");
    let other = repos
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["state"] == "offered" && r["repo_id"] != web["repo_id"])
        .unwrap();
    let other_name = format!(
        "{}/{}",
        other["project"].as_str().unwrap(),
        other["name"].as_str().unwrap()
    );
    let (status, err) = api
        .post(&scans_path, &admin, json!({"repos": [other_name]}))
        .await;
    assert_error(status, &err, StatusCode::CONFLICT, "conflict");
    let (status, err) = api.post(&scans_path, &rita, json!({})).await;
    assert_error(status, &err, StatusCode::FORBIDDEN, "forbidden");
    let (status, queued) = api
        .post(&scans_path, &admin, json!({"repos": ["web/WEB-API"]}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{queued}");
    assert_eq!(queued["jobs"].as_array().unwrap().len(), 1, "{queued}");
    assert_eq!(queued["jobs"][0]["repo"], "Web/web-api");
    // No body at all: every repository with full scans on (the same job, still waiting).
    let (status, text) = send_raw(ctx, Method::POST, &scans_path, Some(&bearer(&admin)), None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    let all: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(all["jobs"][0]["job"], queued["jobs"][0]["job"], "{all}");
    let report = ctx.drain().await;
    assert_eq!((report.dead, report.retried), (0, 0), "{report:?}");

    // The scan: listed, readable with its log, by readers of the connector only.
    let (status, scans) = api
        .get(&format!("/api/v1/scans?connector={id}&limit=10"), &rita)
        .await;
    assert_eq!(status, StatusCode::OK, "{scans}");
    let scans = scans.as_array().unwrap().clone();
    assert!(!scans.is_empty());
    let scan = scans
        .iter()
        .find(|s| s["context"]["repo_name"] == "Web/web-api")
        .unwrap_or_else(|| panic!("a scan of Web/web-api in {scans:?}"));
    let scan_id = scan["id"].as_str().unwrap();
    let (status, shown) = api.get(&format!("/api/v1/scans/{scan_id}"), &rita).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["status"], "completed", "{shown}");
    assert_eq!(shown["context"]["connector"], id.as_str());
    let (status, log) = api.get(&format!("/api/v1/scans/{scan_id}/log"), &rita).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    assert!(!log.as_array().unwrap().is_empty(), "{log}");
    assert!(log.as_array().unwrap().iter().all(|l| l["message"].is_string()));
    let (_, admin_scans) = api.get("/api/v1/scans?limit=10", &admin).await;
    assert!(admin_scans.as_array().unwrap().iter().any(|s| s["id"] == scan_id));
    let (_, none) = api.get("/api/v1/scans", &sam).await;
    assert_eq!(none, json!([]));
    for path in [
        format!("/api/v1/scans/{scan_id}"),
        format!("/api/v1/scans/{scan_id}/log"),
    ] {
        let (status, err) = api.get(&path, &sam).await;
        assert_error(status, &err, StatusCode::NOT_FOUND, "not-found");
    }
    for path in [
        "/api/v1/scans/not-a-scan",
        "/api/v1/scans/..%2f..%2fetc%2fpasswd/log",
        "/api/v1/scans?connector=nope",
        "/api/v1/scans?limit=0",
        "/api/v1/scans?repo=x",
        "/api/v1/jobs/42",
    ] {
        let (status, err) = api.get(path, &rita).await;
        assert_error(status, &err, StatusCode::BAD_REQUEST, "bad-request");
    }
    let (_, repos) = api
        .get(&format!("/api/v1/repos?connector={id}&state=enabled"), &rita)
        .await;
    assert_eq!(repos.as_array().unwrap().len(), 1, "{repos}");
    assert_eq!(repos[0]["last_status"], "completed", "{repos}");
    assert_eq!(repos[0]["last_scan_id"], scan_id);
    assert!(repos[0]["last_success_at"].is_string(), "{repos}");

    let audit = ctx.store.audit_log(&AuditFilter::default()).await.unwrap();
    for action in ["discovery.start", "repo.scanning", "scan.queue"] {
        assert!(
            audit.iter().any(|e| e.action == action && e.actor == "alice"),
            "{action} audited"
        );
    }
    api.assert_never_shown(&[DEMO_PAT]);
}
