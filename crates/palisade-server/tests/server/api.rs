//! The REST API's authentication and authorization as callers meet them:
//! tokens missing, malformed, unknown, revoked, expired or of a disabled
//! user get the same typed 401; roles scoped to a connector see only that
//! connector's results; bad queries get a typed 400; nothing answers 5xx.

use palisade_domain::{Grant, Role, RoleScope};
use reqwest::StatusCode;

use crate::api_util::{bearer, call, now, post, user_with_token};
use crate::harness::Ctx;

crate::stories!(api_tokens_roles_and_typed_errors);

async fn api_tokens_roles_and_typed_errors(ctx: &Ctx) {
    let record = ctx.connect(&["Web/web-api"]).await;
    let connector = record.id.to_string();
    let day = 86_400_000;
    let (admin, _) = user_with_token(
        ctx,
        "alice",
        &[Grant {
            role: Role::Admin,
            scope: RoleScope::All,
        }],
        day,
    )
    .await;
    let reader_grant = Grant {
        role: Role::Reader,
        scope: RoleScope::Connector(connector.clone()),
    };
    let (reader, _) = user_with_token(ctx, "rita", &[reader_grant], day).await;
    let elsewhere = Grant {
        role: Role::Reader,
        scope: RoleScope::Connector("0190a0a0-0000-7000-8000-000000000000".into()),
    };
    let (other, _) = user_with_token(ctx, "sam", &[elsewhere], day).await;
    let (expired, _) = user_with_token(
        ctx,
        "eve",
        &[Grant {
            role: Role::Admin,
            scope: RoleScope::All,
        }],
        -60_000,
    )
    .await;
    let (disabled, disabled_id) = user_with_token(
        ctx,
        "dan",
        &[Grant {
            role: Role::Admin,
            scope: RoleScope::All,
        }],
        day,
    )
    .await;
    ctx.store.disable_user(&disabled_id, "test", now()).await.unwrap();

    // Every wrong credential: the same typed 401.
    let (status, body) = call(ctx, "/api/v1/me", None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized")),
        "{body}"
    );
    let unknown = format!("pal_{}_{}", "0".repeat(16), "0".repeat(64));
    for auth in [
        "Basic YWxpY2U6cHc=".to_owned(),
        "Bearer not-a-token".to_owned(),
        bearer(&unknown),
        bearer(&expired),
        bearer(&disabled),
        // The right id with a wrong secret (the last digit changed, never kept).
        bearer(&format!(
            "{}{}",
            &admin[..admin.len() - 1],
            if admin.ends_with('0') { '1' } else { '0' }
        )),
    ] {
        let (status, body) = call(ctx, "/api/v1/me", Some(&auth)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth}: {body}");
        assert_eq!(body["code"], "unauthorized");
        assert!(!body.to_string().contains(&admin), "{body}");
    }
    let (_, a) = call(ctx, "/api/v1/me", Some(&bearer(&unknown))).await;
    let (_, b) = call(ctx, "/api/v1/me", Some(&bearer(&expired))).await;
    assert_eq!(
        a["message"], b["message"],
        "no oracle between unknown and expired tokens"
    );

    let (status, me) = call(ctx, "/api/v1/me", Some(&bearer(&admin))).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["username"], "alice");

    // Results: the admin sees all, the connector reader the same (one
    // connector), a reader of another connector nothing.
    let (status, all) = call(ctx, "/api/v1/posture/results", Some(&bearer(&admin))).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let n = all.as_array().unwrap().len();
    assert!(n > 50, "{n}");
    let (_, mine) = call(ctx, "/api/v1/posture/results", Some(&bearer(&reader))).await;
    assert_eq!(mine.as_array().unwrap().len(), n);
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .all(|r| r["connector"] == connector.as_str())
    );
    let (status, none) = call(ctx, "/api/v1/posture/results", Some(&bearer(&other))).await;
    assert_eq!((status, none.as_array().map(Vec::len)), (StatusCode::OK, Some(0)));

    let (status, failed) = call(
        ctx,
        "/api/v1/posture/results?status=fail&severity=high,critical&limit=3",
        Some(&bearer(&reader)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{failed}");
    let failed = failed.as_array().unwrap();
    assert_eq!(failed.len(), 3);
    assert!(
        failed
            .iter()
            .all(|r| r["status"] == "fail" && (r["severity"] == "high" || r["severity"] == "critical"))
    );

    // Bad queries: typed 400s.
    for path in [
        "/api/v1/posture/results?status=bogus",
        "/api/v1/posture/results?severity=urgent",
        "/api/v1/posture/results?check=ado.nope",
        "/api/v1/posture/results?limit=0",
        "/api/v1/posture/results?limit=99999999",
        "/api/v1/posture/results?limit=-1",
        "/api/v1/posture/results?unknown=1",
    ] {
        let (status, body) = call(ctx, path, Some(&bearer(&admin))).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("bad-request")),
            "{path}: {body}"
        );
    }
    let (status, body) = call(ctx, "/api/v1/../../etc/passwd", Some(&bearer(&admin))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = call(ctx, "/api/v1/nothing-here", Some(&bearer(&admin))).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not-found"))
    );

    let (status, checks) = call(ctx, "/api/v1/posture/checks", Some(&bearer(&reader))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(checks.as_array().unwrap().len(), palisade_posture::all().len());

    // Exemptions: a reader may not create one; an admin may; bad bodies are typed 4xx.
    let public = all
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check_id"] == "ado.project.public" && r["status"] == "fail")
        .expect("contoso has a public project")
        .clone();
    let body = serde_json::json!({
        "check": "ado.project.public",
        "resource": public["resource"],
        "reason": "public samples <script>alert(1)</script>",
        "expires_at": "2999-01-01T00:00:00Z",
    })
    .to_string();
    let json = "application/json";
    let (status, denied) = post(
        ctx,
        "/api/v1/posture/exemptions",
        &bearer(&reader),
        body.clone(),
        json,
    )
    .await;
    assert_eq!(
        (status, denied["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden")),
        "{denied}"
    );
    for (bad, content_type, expected) in [
        ("{\"check\": \"ado.project.public\", \"scope\": \"x\", \"reason\": \"r\", \"extra\": 1}".to_owned(), json, StatusCode::BAD_REQUEST),
        ("{not json".to_owned(), json, StatusCode::BAD_REQUEST),
        (body.clone(), "text/plain", StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (format!("{{\"check\": \"ado.project.public\", \"scope\": \"x\", \"reason\": \"{}\"}}", "a".repeat(100_000)), json, StatusCode::PAYLOAD_TOO_LARGE),
        (serde_json::json!({"check": "ado.nope", "scope": "x", "reason": "r"}).to_string(), json, StatusCode::BAD_REQUEST),
        (serde_json::json!({"check": "ado.project.public", "resource": "a", "scope": "x", "reason": "r"}).to_string(), json, StatusCode::BAD_REQUEST),
        (serde_json::json!({"check": "ado.project.public", "scope": "x", "reason": "r", "expires_at": "2001-01-01T00:00:00Z"}).to_string(), json, StatusCode::BAD_REQUEST),
        (serde_json::json!({"check": "ado.project.public", "scope": "no-such-org", "reason": "r"}).to_string(), json, StatusCode::NOT_FOUND),
    ] {
        let (status, err) = post(ctx, "/api/v1/posture/exemptions", &bearer(&admin), bad, content_type).await;
        assert_eq!(status, expected, "{err}");
        assert!(err["code"].is_string() && err["message"].is_string(), "{err}");
    }
    let (status, created) = post(ctx, "/api/v1/posture/exemptions", &bearer(&admin), body, json).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["author"], "alice");
    let (_, listed) = call(ctx, "/api/v1/posture/exemptions", Some(&bearer(&reader))).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let audit = ctx
        .store
        .audit_log(&palisade_store::AuditFilter {
            action_prefix: Some("exemption.".into()),
            ..palisade_store::AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, "alice");

    // Inventory: paged, filtered by kind, only the caller's connectors.
    let (status, repos) = call(
        ctx,
        "/api/v1/inventory?kind=repository&limit=3",
        Some(&bearer(&reader)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{repos}");
    assert_eq!(repos.as_array().unwrap().len(), 3);
    assert!(
        repos
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["kind"] == "repository")
    );
    let (_, next) = call(
        ctx,
        "/api/v1/inventory?kind=repository&limit=3&offset=3",
        Some(&bearer(&reader)),
    )
    .await;
    let first: Vec<_> = repos
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].clone())
        .collect();
    assert!(
        next.as_array()
            .unwrap()
            .iter()
            .all(|r| !first.contains(&r["key"])),
        "pages do not overlap"
    );
    let (_, admin_page) = call(
        ctx,
        "/api/v1/inventory?kind=repository&limit=3",
        Some(&bearer(&admin)),
    )
    .await;
    assert_eq!(admin_page, repos, "one connector: the same page for both");
    let (_, nothing) = call(ctx, "/api/v1/inventory", Some(&bearer(&other))).await;
    assert_eq!(nothing.as_array().map(Vec::len), Some(0));
    let (status, _) = call(ctx, "/api/v1/inventory?kind=spaceship", Some(&bearer(&admin))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
