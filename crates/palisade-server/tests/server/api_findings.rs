//! Findings, statistics and access through the REST API, on findings a
//! real scan recorded: lists filter, sort and page with a total; one
//! finding and its history; triage of one and of many is all or nothing,
//! needs triage rights where the findings are, and is audited; a reader of
//! another connector sees nothing; exports never hold a secret in clear;
//! the overview counts what the list shows; tokens are created once,
//! listed and revoked; users and the audit log are for admins only.

use palisade_domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api_util::{Api, DAY_MS, grant, user_with_token};
use crate::harness::{AWS_ID, AWS_SECRET, Ctx};

crate::stories!(findings_list_triage_export_and_overview, tokens_users_and_audit,);

/// A connector id nobody has.
const NOBODY: &str = "0190a0a0-0000-7000-8000-000000000000";
/// A second fake AWS key pair, split so this file is not a finding itself.
const AWS_ID_2: &str = concat!("AKIA", "ZX5MB3TQ7WLK2HN6");
const AWS_SECRET_2: &str = concat!("Pq7Zt2Wm9Xr4", "Ln8Vb3Kc6Hd1Fg5Js0Ya2Ue7TwXy");
/// The key pair contoso's web-frontend history holds (fixtures/contoso.yaml;
/// only the secret is a finding: the id is no valid AWS key id).
const FIXTURE_ID: &str = concat!("AKIA", "Q7RZ4XK2M9TLBW3H");
const FIXTURE_SECRET: &str = concat!("wJ8rT2xVq9LmN4bK", "7pZs3YhC6dFgA1eU5iOoRkQj");

fn enc(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn findings(page: &Value) -> &Vec<Value> {
    page["findings"].as_array().unwrap()
}

fn ids(page: &Value) -> Vec<String> {
    findings(page)
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

fn severity_rank(s: &Value) -> u8 {
    match s.as_str().unwrap() {
        "critical" => 4,
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// Contoso connected, web-frontend scanned with two more AWS key pairs on a branch.
async fn scanned(ctx: &Ctx) -> String {
    let record = ctx.connect(&["Web/web-frontend"]).await;
    ctx.commit(
        "feature/keys",
        &[
            (
                "config/prod.env",
                &format!("aws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n"),
            ),
            (
                "config/staging.env",
                &format!("aws_access_key_id = {AWS_ID_2}\naws_secret_access_key = {AWS_SECRET_2}\n"),
            ),
        ],
        &[],
    )
    .await;
    let r = ctx.drain().await;
    assert_eq!((r.dead, r.retried), (0, 0), "{r:?}");
    record.id.to_string()
}

#[allow(clippy::too_many_lines, reason = "one story")]
async fn findings_list_triage_export_and_overview(ctx: &Ctx) {
    let connector = scanned(ctx).await;
    let api = Api::new(ctx);
    let (admin, _) = user_with_token(ctx, "alice", &[grant(Role::Admin, None)], DAY_MS).await;
    let (reader, _) = user_with_token(ctx, "rita", &[grant(Role::Reader, Some(&connector))], DAY_MS).await;
    let (other, _) = user_with_token(ctx, "sam", &[grant(Role::Reader, Some(NOBODY))], DAY_MS).await;
    let (triager, _) = user_with_token(
        ctx,
        "tess",
        &[grant(Role::SecurityAdmin, Some(&connector))],
        DAY_MS,
    )
    .await;
    let (elsewhere, _) =
        user_with_token(ctx, "olaf", &[grant(Role::SecurityAdmin, Some(NOBODY))], DAY_MS).await;

    // The list: everything the scan found, with a total; the reader of the
    // connector sees the same, the reader of another connector nothing.
    let all = api.ok("/api/v1/findings?limit=1000", &admin).await;
    let total = all["total"].as_u64().unwrap();
    assert!(total >= 4, "two pairs committed, one in the fixture: {all}");
    assert_eq!(findings(&all).len() as u64, total);
    let mine = api.ok("/api/v1/findings?limit=1000", &reader).await;
    assert_eq!(mine["total"], all["total"]);
    assert_eq!(ids(&mine), ids(&all));
    let none = api.ok("/api/v1/findings", &other).await;
    assert_eq!(
        (none["total"].as_u64(), findings(&none).len()),
        (Some(0), 0),
        "{none}"
    );
    for f in findings(&all) {
        assert!(f["preview"].as_str().unwrap().contains("****"), "{f}");
        assert!(!f["locations"].as_array().unwrap().is_empty(), "{f}");
    }

    // Sorted by severity (highest first) by default; by rule ascending.
    let ranks: Vec<u8> = findings(&all)
        .iter()
        .map(|f| severity_rank(&f["severity"]))
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "{ranks:?}");
    let by_rule = api.ok("/api/v1/findings?sort=rule&limit=1000", &admin).await;
    let rules: Vec<&str> = findings(&by_rule)
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert!(rules.windows(2).all(|w| w[0] <= w[1]), "{rules:?}");
    let oldest = api
        .ok("/api/v1/findings?sort=first-seen&order=asc&limit=1000", &admin)
        .await;
    let seen: Vec<&str> = findings(&oldest)
        .iter()
        .map(|f| f["first_seen_at"].as_str().unwrap())
        .collect();
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");

    // Pages do not overlap and keep the total.
    let first = api.ok("/api/v1/findings?limit=2", &admin).await;
    let second = api.ok("/api/v1/findings?limit=2&offset=2", &admin).await;
    assert_eq!(first["total"], all["total"]);
    assert_eq!(second["total"], all["total"]);
    assert_eq!(ids(&first).len(), 2);
    assert!(ids(&second).iter().all(|i| !ids(&first).contains(i)));
    assert_eq!(
        [ids(&first), ids(&second)].concat(),
        ids(&all)[..ids(&first).len() + ids(&second).len()].to_vec()
    );

    // Filters.
    let critical = api
        .ok("/api/v1/findings?severity=critical&limit=1000", &admin)
        .await;
    assert!(
        critical["total"].as_u64().unwrap() >= 3,
        "two pairs committed, one in the fixture: {critical}"
    );
    assert!(findings(&critical).iter().all(|f| f["severity"] == "critical"));
    let keys = api
        .ok("/api/v1/findings?rule=aws.access-key-id&kind=secret", &admin)
        .await;
    assert_eq!(keys["total"], 2, "one per pair committed: {keys}");
    assert!(
        findings(&keys)
            .iter()
            .all(|f| f["rule_id"] == "aws.access-key-id")
    );
    let high_up = api
        .ok("/api/v1/findings?min_severity=high&limit=1000", &admin)
        .await;
    assert!(
        findings(&high_up)
            .iter()
            .all(|f| severity_rank(&f["severity"]) >= 3)
    );
    let staging = api.ok("/api/v1/findings?q=STAGING.env", &admin).await;
    assert_eq!(staging["total"], 2, "{staging}");
    let target = findings(&staging)[0]["locations"][0]["target"]
        .as_str()
        .unwrap()
        .to_owned();
    let in_repo = api
        .ok(
            &format!("/api/v1/findings?repo={}&limit=1000", enc(&target)),
            &admin,
        )
        .await;
    assert_eq!(in_repo["total"], all["total"], "one repository scanned");
    let nowhere = api
        .ok("/api/v1/findings?repo=contoso%2FWeb%2Fnothing", &admin)
        .await;
    assert_eq!(nowhere["total"], 0);
    for bad in [
        "/api/v1/findings?state=closed",
        "/api/v1/findings?kind=virus",
        "/api/v1/findings?severity=urgent",
        "/api/v1/findings?min_severity=urgent",
        "/api/v1/findings?rule=NOT%20A%20RULE",
        "/api/v1/findings?sort=name",
        "/api/v1/findings?order=up",
        "/api/v1/findings?limit=0",
        "/api/v1/findings?limit=10001",
        "/api/v1/findings?offset=-1",
        "/api/v1/findings?bogus=1",
        "/api/v1/findings/export?format=pdf",
    ] {
        let (status, body) = api.get(bad, &admin).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("bad-request")),
            "{bad}: {body}"
        );
    }

    // One finding; its id must be 32 hex digits; one out of reach is 404.
    let key = findings(&staging)
        .iter()
        .find(|f| f["rule_id"] == "aws.access-key-id")
        .unwrap()
        .clone();
    let id = key["id"].as_str().unwrap().to_owned();
    let one = api.ok(&format!("/api/v1/findings/{id}"), &reader).await;
    assert_eq!(one["id"], id.as_str());
    assert_eq!(one["state"], "open");
    assert_eq!(one["locations"][0]["path"], "config/staging.env");
    for (path, expected) in [
        ("/api/v1/findings/xyz".to_owned(), StatusCode::BAD_REQUEST),
        (format!("/api/v1/findings/{id}0"), StatusCode::BAD_REQUEST),
        (
            format!("/api/v1/findings/{}", "0".repeat(32)),
            StatusCode::NOT_FOUND,
        ),
        (
            format!("/api/v1/findings/{}/history", "0".repeat(32)),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (status, body) = api.get(&path, &admin).await;
        assert_eq!(status, expected, "{path}: {body}");
        assert!(body["code"].is_string() && body["message"].is_string(), "{body}");
    }
    let (status, hidden) = api.get(&format!("/api/v1/findings/{id}"), &other).await;
    assert_eq!(
        (status, hidden["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not-found"))
    );
    let (status, _) = api.get(&format!("/api/v1/findings/{id}/history"), &other).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let history = api.ok(&format!("/api/v1/findings/{id}/history"), &reader).await;
    assert_eq!(history.as_array().map(Vec::len), Some(0), "{history}");

    // The overview counts open findings per repository, as the list does.
    let overview = api.ok("/api/v1/overview", &reader).await;
    let inventory = api
        .ok("/api/v1/repos/inventory?with_findings=true", &reader)
        .await;
    let rows = inventory["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{inventory}");
    let mut listed = 0;
    for row in rows {
        let t = row["target"].as_str().unwrap();
        let open = api
            .ok(
                &format!("/api/v1/findings?state=open&repo={}&limit=1", enc(t)),
                &reader,
            )
            .await;
        assert_eq!(row["open"]["total"], open["total"], "{row}");
        listed += open["total"].as_u64().unwrap();
    }
    assert_eq!(
        overview["findings"]["total"]["total"].as_u64(),
        Some(listed),
        "{overview}"
    );
    assert_eq!(overview["findings"]["repos_with_open"], 1, "{overview}");
    assert_eq!(overview["fresh_days"], 7);
    assert!(overview["coverage"]["repos"].as_u64().unwrap() >= 1, "{overview}");
    assert!(overview["posture"]["failing"]["total"].is_u64(), "{overview}");
    let nothing = api.ok("/api/v1/overview", &other).await;
    assert_eq!(nothing["findings"]["total"]["total"], 0, "{nothing}");
    assert_eq!(nothing["coverage"]["repos"], 0, "{nothing}");
    assert_eq!(nothing["posture"]["failing"]["total"], 0, "{nothing}");
    let trend = api.ok("/api/v1/overview/trend?days=7", &reader).await;
    assert!(trend.is_array(), "{trend}");
    for bad in ["/api/v1/overview/trend?days=0", "/api/v1/overview/trend?days=400"] {
        let (status, _) = api.get(bad, &reader).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }

    // The repository inventory: filtered, grouped, only the caller's.
    let everything = api
        .ok("/api/v1/repos/inventory?sort=findings&limit=500", &reader)
        .await;
    let repos = everything["total"].as_u64().unwrap();
    assert!(repos > 1, "{everything}");
    assert_eq!(
        everything["rows"][0]["target"].as_str(),
        Some(target.as_str()),
        "most findings first"
    );
    let grouped = api.ok("/api/v1/repos/inventory?group=project", &reader).await;
    assert_eq!(grouped["total"].as_u64(), Some(repos), "{grouped}");
    assert!(
        grouped["rows"].is_null() && grouped["groups"].is_array(),
        "{grouped}"
    );
    let web = api
        .ok("/api/v1/repos/inventory?org=contoso&project=Web&q=FRONT", &reader)
        .await;
    assert_eq!(web["total"], 1, "{web}");
    let by_id = api
        .ok(&format!("/api/v1/repos/inventory?connector={connector}"), &reader)
        .await;
    assert_eq!(by_id["total"].as_u64(), Some(repos));
    let (status, _) = api
        .get(&format!("/api/v1/repos/inventory?connector={connector}"), &other)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let empty = api.ok("/api/v1/repos/inventory", &other).await;
    assert_eq!(empty["total"], 0, "{empty}");
    for bad in [
        "/api/v1/repos/inventory?limit=501",
        "/api/v1/repos/inventory?sort=size",
        "/api/v1/repos/inventory?group=org",
        "/api/v1/repos/inventory?org=-bad-",
        "/api/v1/repos/inventory?connector=not-an-id",
        "/api/v1/repos/inventory?min_severity=urgent",
        "/api/v1/repos/inventory?state=gone",
        "/api/v1/repos/inventory?with_findings=maybe",
    ] {
        let (status, body) = api.get(bad, &reader).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }

    // Triage of one: a reader may not; a security admin of another
    // connector does not see it; the connector's security admin may.
    let url = format!("/api/v1/findings/{id}/triage");
    let body = json!({"state": "false-positive", "comment": "test key, never deployed"});
    let (status, denied) = api.post(&url, &reader, body.clone()).await;
    assert_eq!(
        (status, denied["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden")),
        "{denied}"
    );
    let (status, _) = api.post(&url, &elsewhere, body.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for (bad, expected) in [
        (json!({"state": "gone"}), StatusCode::BAD_REQUEST),
        (json!({"state": "fixed", "extra": 1}), StatusCode::BAD_REQUEST),
        (
            json!({"state": "fixed", "comment": "x".repeat(2001)}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, err) = api.post(&url, &triager, bad).await;
        assert_eq!(status, expected, "{err}");
    }
    let (status, unknown) = api
        .post(
            &format!("/api/v1/findings/{}/triage", "0".repeat(32)),
            &admin,
            body.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");
    let unchanged = api.ok(&format!("/api/v1/findings/{id}"), &reader).await;
    assert_eq!(unchanged["state"], "open", "refused triage changed nothing");
    let (status, done) = api.post(&url, &triager, body).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["state"], "false-positive");
    assert_eq!(done["state_comment"], "test key, never deployed");
    let history = api.ok(&format!("/api/v1/findings/{id}/history"), &reader).await;
    assert_eq!(history.as_array().unwrap().len(), 1, "{history}");
    assert_eq!(history[0]["state"], "false-positive");
    let open_now = api.ok("/api/v1/findings?state=open&limit=1", &reader).await;
    assert_eq!(open_now["total"].as_u64(), Some(listed - 1));
    let after = api.ok("/api/v1/overview", &reader).await;
    assert_eq!(
        after["findings"]["total"]["total"].as_u64(),
        Some(listed - 1),
        "{after}"
    );
    let fp = api.ok("/api/v1/findings?state=false-positive", &reader).await;
    assert_eq!(ids(&fp), vec![id.clone()]);

    // Triage of many: all or nothing.
    let batch: Vec<String> = ids(&critical);
    let mut with_unknown = batch.clone();
    with_unknown.push("0".repeat(32));
    let (status, err) = api
        .post(
            "/api/v1/findings/triage",
            &admin,
            json!({"ids": with_unknown, "state": "accepted-risk"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{err}");
    let still = api
        .ok("/api/v1/findings?severity=critical&state=open&limit=1000", &admin)
        .await;
    assert_eq!(still["total"], critical["total"], "nothing changed");
    let (status, err) = api
        .post(
            "/api/v1/findings/triage",
            &triager,
            json!({"ids": with_unknown, "state": "accepted-risk"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{err}");
    let too_many: Vec<String> = (0..1001).map(|i| format!("{i:032x}")).collect();
    for (bad, expected) in [
        (
            json!({"ids": too_many, "state": "fixed"}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"ids": [], "state": "fixed"}), StatusCode::BAD_REQUEST),
        (
            json!({"ids": ["nope"], "state": "fixed"}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"ids": batch, "state": "nope"}), StatusCode::BAD_REQUEST),
    ] {
        let (status, err) = api.post("/api/v1/findings/triage", &admin, bad).await;
        assert_eq!(status, expected, "{err}");
    }
    let (status, denied) = api
        .post(
            "/api/v1/findings/triage",
            &reader,
            json!({"ids": batch, "state": "accepted-risk"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{denied}");
    let (status, denied) = api
        .post(
            "/api/v1/findings/triage",
            &elsewhere,
            json!({"ids": batch, "state": "accepted-risk"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{denied}");
    let (status, done) = api
        .post(
            "/api/v1/findings/triage",
            &triager,
            json!({"ids": batch, "state": "accepted-risk", "comment": "rotated"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["updated"].as_u64(), Some(batch.len() as u64));
    let accepted = api
        .ok("/api/v1/findings?state=accepted-risk&limit=1000", &reader)
        .await;
    assert_eq!(accepted["total"], critical["total"]);

    // Each triage is one audit entry, by the caller, from the API.
    let audit = api.ok("/api/v1/audit?action=finding.triage", &admin).await;
    let entries = audit.as_array().unwrap();
    assert_eq!(entries.len(), 2, "{audit}");
    assert!(
        entries
            .iter()
            .all(|e| e["actor"] == "tess" && e["source"] == "api"),
        "{audit}"
    );
    assert_eq!(entries[0]["target"], format!("{} findings", batch.len()));
    assert_eq!(entries[0]["details"]["state"], "accepted-risk");
    assert_eq!(
        entries[0]["details"]["ids"].as_array().unwrap().len(),
        batch.len()
    );
    assert_eq!(entries[1]["target"], id.as_str());

    // Exports: CSV with a header row and previews only; JSON and SARIF.
    let (status, headers, csv) = api.download("/api/v1/findings/export?format=csv", &reader).await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert_eq!(headers["x-palisade-total"].to_str().unwrap(), total.to_string());
    let mut lines = csv.split("\r\n");
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("\"finding_id\",\"kind\",\"severity\""),
        "{header}"
    );
    assert!(csv.contains(key["preview"].as_str().unwrap()), "{csv}");
    assert!(csv.contains("config/staging.env"));
    assert!(
        lines.filter(|l| !l.is_empty()).count() as u64 >= total,
        "a row per location"
    );
    let (_, _, none_csv) = api.download("/api/v1/findings/export", &other).await;
    assert_eq!(
        none_csv.split("\r\n").filter(|l| !l.is_empty()).count(),
        1,
        "header only"
    );
    let (status, headers, json_text) = api
        .download("/api/v1/findings/export?format=json&state=open", &reader)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let exported: Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(exported["total"].as_u64(), Some(listed - 1 - batch.len() as u64));
    assert_eq!(
        findings(&exported).len() as u64,
        exported["total"].as_u64().unwrap()
    );
    let (status, _, sarif_text) = api
        .download(
            "/api/v1/findings/export?format=sarif&rule=aws.access-key-id",
            &reader,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let sarif: Value = serde_json::from_str(&sarif_text).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len() as u64, keys["total"].as_u64().unwrap());
    assert!(
        results
            .iter()
            .all(|r| r["ruleId"] == "aws.access-key-id" && r["ruleIndex"] == 0)
    );
    let suppressed = results.iter().filter(|r| r["suppressions"].is_array()).count();
    assert_eq!(suppressed, 1, "the false positive");

    // Nothing needs a body the caller did not send; nothing leaked.
    let (status, _) = api.get("/api/v1/findings", "pal_nope").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    api.assert_never_shown(&[
        AWS_ID,
        AWS_SECRET,
        AWS_ID_2,
        AWS_SECRET_2,
        FIXTURE_ID,
        FIXTURE_SECRET,
    ]);
}

async fn tokens_users_and_audit(ctx: &Ctx) {
    let api = Api::new(ctx);
    let (admin, _) = user_with_token(ctx, "alice", &[grant(Role::Admin, None)], DAY_MS).await;
    let (reader, _) = user_with_token(ctx, "rita", &[grant(Role::Reader, Some(NOBODY))], DAY_MS).await;
    let (ops, _) = user_with_token(ctx, "oscar", &[grant(Role::SecurityAdmin, None)], DAY_MS).await;

    // Users and the audit log: installation admins only.
    let users = api.ok("/api/v1/users", &admin).await;
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3, "{users}");
    assert!(names.contains(&"rita"));
    assert!(!users.to_string().contains("password"), "{users}");
    for token in [&reader, &ops] {
        for path in ["/api/v1/users", "/api/v1/audit"] {
            let (status, body) = api.get(path, token).await;
            assert_eq!(
                (status, body["code"].as_str()),
                (StatusCode::FORBIDDEN, Some("forbidden")),
                "{path}"
            );
        }
    }
    let audit = api.ok("/api/v1/audit?action=user.&limit=2", &admin).await;
    assert_eq!(audit.as_array().unwrap().len(), 2, "{audit}");
    for bad in [
        "/api/v1/audit?limit=0",
        "/api/v1/audit?since=yesterday",
        "/api/v1/audit?who=x",
    ] {
        let (status, _) = api.get(bad, &admin).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }

    // A reader creates a token: its text once, then only its id.
    let (status, created) = api
        .post(
            "/api/v1/tokens",
            &reader,
            json!({"name": "ci export", "expires_in_days": 30}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let token = created["token"].as_str().unwrap().to_owned();
    let token_id = created["id"].as_str().unwrap().to_owned();
    assert!(token.starts_with(&format!("pal_{token_id}_")), "{created}");
    assert_eq!(created["state"], "active");
    let me = api.ok("/api/v1/me", &token).await;
    assert_eq!(me["username"], "rita");
    assert_eq!(me["token"], token_id.as_str());
    let listed = api.ok("/api/v1/tokens", &reader).await;
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2, "the test's token and the new one: {listed:?}");
    assert!(
        listed
            .iter()
            .all(|t| t["token"].is_null() && t["secret_hash"].is_null())
    );
    assert!(
        listed
            .iter()
            .any(|t| t["id"] == token_id.as_str() && t["current"] == false)
    );
    assert!(!serde_json::to_string(listed).unwrap().contains(&token));
    let admins = api.ok("/api/v1/tokens", &admin).await;
    assert_eq!(admins.as_array().unwrap().len(), 1, "only one's own tokens");
    for (bad, expected) in [
        (
            json!({"name": "", "expires_in_days": 30}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"name": "x", "expires_in_days": 0}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"name": "x", "expires_in_days": 367}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"name": "x".repeat(201), "expires_in_days": 1}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"name": "x"}), StatusCode::BAD_REQUEST),
        (
            json!({"name": "x", "expires_in_days": 1, "roles": ["admin"]}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (status, err) = api.post("/api/v1/tokens", &reader, bad).await;
        assert_eq!(status, expected, "{err}");
    }

    // Revoking: someone else's token is not found for a non-admin; one's
    // own is revoked, then refused; an admin may revoke anyone's.
    let path = format!("/api/v1/tokens/{token_id}");
    let (status, _) = api.send(Method::DELETE, &path, &ops, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api
        .send(Method::DELETE, "/api/v1/tokens/NOT-AN-ID", &reader, None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = api
        .send(
            Method::DELETE,
            &format!("/api/v1/tokens/{}", "0".repeat(16)),
            &reader,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, revoked) = api.send(Method::DELETE, &path, &reader, None).await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert_eq!(revoked["state"], "revoked");
    let (status, body) = api.get("/api/v1/me", &token).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let (status, _) = api.send(Method::DELETE, &path, &reader, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, second) = api
        .post(
            "/api/v1/tokens",
            &reader,
            json!({"name": "second", "expires_in_days": 1}),
        )
        .await;
    let second_id = second["id"].as_str().unwrap();
    let (status, _) = api
        .send(
            Method::DELETE,
            &format!("/api/v1/tokens/{second_id}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let audit = api.ok("/api/v1/audit?action=token.", &admin).await;
    let actions: Vec<(&str, &str)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert!(actions.contains(&("token.revoke", "alice")), "{actions:?}");
    assert!(actions.contains(&("token.revoke", "rita")), "{actions:?}");
    assert!(actions.contains(&("token.create", "rita")), "{actions:?}");
    // The OpenAPI document has these endpoints, and every schema it names.
    let doc = api.ok("/api/v1/openapi.json", &reader).await;
    for path in [
        "/api/v1/findings",
        "/api/v1/findings/{id}",
        "/api/v1/findings/{id}/history",
        "/api/v1/findings/{id}/triage",
        "/api/v1/findings/triage",
        "/api/v1/findings/export",
        "/api/v1/overview",
        "/api/v1/overview/trend",
        "/api/v1/repos/inventory",
        "/api/v1/users",
        "/api/v1/audit",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    let text = doc.to_string();
    for name in text.split("\"#/components/schemas/").skip(1) {
        let name = name.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "schema {name} is named but missing"
        );
    }

    let secret = &token[token.len() - 64..];
    let shown = api.times_shown(secret);
    assert_eq!(shown, 1, "a token's secret is shown once, when it is created");
}
