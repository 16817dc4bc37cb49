//! The console as a browser meets it without running script: signing in and
//! out, cookie flags, CSRF tokens, cross-site refusals, the lock after
//! failed sign-ins, and pages that show only what the viewer's roles reach.

use palisade_domain::{Grant, Role, RoleScope};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};

use crate::harness::{AWS_ID, AWS_SECRET, Ctx};

crate::stories!(
    console_sign_in_csrf_and_pages,
    console_findings_and_triage,
    console_posture_and_exemptions,
    console_connectors
);

use crate::api_util::{PASSWORD, now, password_user as user};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Signs in; returns the response (status, headers) and the cookie pair.
async fn sign_in(ctx: &Ctx, name: &str, password: &str) -> (StatusCode, HeaderMap, String) {
    let resp = client()
        .post(format!("{}/login", ctx.server_url()))
        .form(&[("username", name), ("password", password), ("next", "/inventory")])
        .send()
        .await
        .unwrap();
    let status = resp.status();
    assert!(!status.is_server_error());
    let headers = resp.headers().clone();
    let cookie = headers
        .get(SET_COOKIE)
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .unwrap_or_default();
    (status, headers, cookie)
}

async fn get(ctx: &Ctx, path: &str, cookie: &str) -> (StatusCode, HeaderMap, String) {
    let resp = client()
        .get(format!("{}{path}", ctx.server_url()))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    assert!(!status.is_server_error(), "{path}: {status}");
    let headers = resp.headers().clone();
    (status, headers, resp.text().await.unwrap())
}

fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token")
        + 19;
    html[at..at + 64].to_owned()
}

async fn console_sign_in_csrf_and_pages(ctx: &Ctx) {
    let record = ctx.connect(&["Web/web-api"]).await;
    let all = |role| Grant {
        role,
        scope: RoleScope::All,
    };
    user(ctx, "alice", &[all(Role::Admin)]).await;
    user(
        ctx,
        "rita",
        &[Grant {
            role: Role::Reader,
            scope: RoleScope::Connector("0190a0a0-0000-7000-8000-000000000000".into()),
        }],
    )
    .await;

    // Not signed in: to the sign-in page, and back afterwards.
    let (status, headers, _) = get(ctx, "/overview", "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[LOCATION], "/login?next=/overview");
    let (status, headers, html) = get(ctx, "/login", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Sign in"));
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    assert_eq!(headers["x-frame-options"], "DENY");

    // Wrong password and unknown user: the same answer, no cookie.
    for (name, password) in [("alice", "wrong password!"), ("nobody", PASSWORD)] {
        let (status, headers, _) = sign_in(ctx, name, password).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(headers.get(SET_COOKIE).is_none());
    }

    // Signed in: a cookie scripts cannot read and other sites cannot send.
    let (status, headers, cookie) = sign_in(ctx, "alice", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[LOCATION], "/inventory");
    let set = headers[SET_COOKIE].to_str().unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(set.contains(flag), "{set} lacks {flag}");
    }
    let secret = cookie.split_once('=').unwrap().1;
    let stored = serde_json::to_string(
        &ctx.store
            .audit_log(&palisade_store::AuditFilter::default())
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(!stored.contains(secret), "the session secret is never stored");

    let (status, _, html) = get(ctx, "/overview", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    for text in [
        "Open findings",
        "Posture recommendations",
        "Scan coverage",
        "alice",
    ] {
        assert!(html.contains(text), "overview lacks {text}");
    }
    let (status, _, html) = get(ctx, "/inventory", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("web-api"), "the inventory lists the repository");
    let (_, _, grouped) = get(ctx, "/inventory?view=grouped", &cookie).await;
    assert!(grouped.contains("Web"), "grouped by project");
    let (_, _, searched) = get(ctx, "/inventory?q=WEB-A", &cookie).await;
    assert!(searched.contains("web-api"));
    assert!(searched.contains(">1 repositories<"), "search narrows the list");
    let (status, _, _) = get(ctx, "/inventory?severity=urgent", &cookie).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = get(ctx, "/inventory?bogus=1", &cookie).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, html) = get(ctx, &format!("/inventory?connector={}", record.id), &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("web-api"));

    // Forms need the session's token and the site's own origin.
    let logout = |cookie: String, csrf: Option<String>, origin: Option<&'static str>| {
        let url = format!("{}/logout", ctx.server_url());
        async move {
            let mut req = client().post(url).header("cookie", cookie);
            if let Some(o) = origin {
                req = req.header("origin", o);
            }
            let form: Vec<(&str, String)> = csrf.into_iter().map(|c| ("csrf", c)).collect();
            req.form(&form).send().await.unwrap().status()
        }
    };
    let (_, _, page) = get(ctx, "/overview", &cookie).await;
    let token = csrf_of(&page);
    assert_eq!(
        logout(cookie.clone(), Some("0".repeat(64)), None).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        logout(cookie.clone(), Some(token.clone()), Some("https://evil.example")).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        logout(cookie.clone(), Some(token), None).await,
        StatusCode::SEE_OTHER
    );
    let (status, _, _) = get(ctx, "/overview", &cookie).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "signed out: the cookie opens nothing"
    );

    // A reader of another connector sees none of this estate.
    let (_, _, rita) = sign_in(ctx, "rita", PASSWORD).await;
    let (status, _, html) = get(ctx, "/inventory", &rita).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("web-api"));
    assert!(html.contains(">0 repositories<"));

    // Five failures lock the name for a while, even for the right password.
    for _ in 0..5 {
        assert_eq!(
            sign_in(ctx, "rita", "not the password").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        sign_in(ctx, "rita", PASSWORD).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );

    // Sign-ins, refusals and sign-outs are in the audit log, with where from.
    let log = ctx
        .store
        .audit_log(&palisade_store::AuditFilter::default())
        .await
        .unwrap();
    let count = |action: &str| log.iter().filter(|e| e.action == action).count();
    assert_eq!(count("session.create"), 2);
    assert_eq!(count("session.end"), 1);
    assert!(count("session.refused") >= 7);
    assert!(
        log.iter()
            .filter(|e| e.action.starts_with("session."))
            .all(|e| e.source.as_deref() == Some("127.0.0.1"))
    );
}

/// Posts a form with a session cookie; returns the status and `Location`.
async fn post_form(ctx: &Ctx, path: &str, cookie: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let resp = client()
        .post(format!("{}{path}", ctx.server_url()))
        .header("cookie", cookie)
        .form(form)
        .send()
        .await
        .unwrap();
    assert!(!resp.status().is_server_error(), "{path}: {}", resp.status());
    let location = resp
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (resp.status(), location)
}

async fn console_findings_and_triage(ctx: &Ctx) {
    let record = ctx.connect(&["Web/web-frontend"]).await;
    ctx.commit(
        "main",
        &[(
            "config/aws.env",
            &format!("aws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}\n"),
        )],
        &[],
    )
    .await;
    let repos = ctx
        .store
        .list_managed_repos(&palisade_store::ManagedRepoFilter::default())
        .await
        .unwrap();
    let repo = repos.iter().find(|r| r.name == "web-frontend").unwrap();
    ctx.engine
        .queue_full_scan(repo, palisade_domain::ScanTrigger::Manual, false)
        .await
        .unwrap();
    ctx.drain().await;
    let open = ctx
        .store
        .list_findings(&palisade_store::FindingFilter {
            states: vec![palisade_domain::TriageState::Open],
            ..Default::default()
        })
        .await
        .unwrap();
    let planted = open
        .iter()
        .find(|f| f.locations.iter().any(|l| l.location.path == "config/aws.env"))
        .expect("the scan found the planted key");
    let id = planted.id.to_hex();

    let all = |role| Grant {
        role,
        scope: RoleScope::All,
    };
    let here = |role| Grant {
        role,
        scope: RoleScope::Connector(record.id.to_string()),
    };
    user(ctx, "sam", &[all(Role::SecurityAdmin)]).await;
    user(ctx, "rita", &[here(Role::Reader)]).await;
    user(
        ctx,
        "otto",
        &[Grant {
            role: Role::Admin,
            scope: RoleScope::Connector("0190a0a0-0000-7000-8000-000000000000".into()),
        }],
    )
    .await;
    let (_, _, sam) = sign_in(ctx, "sam", PASSWORD).await;
    let (_, _, rita) = sign_in(ctx, "rita", PASSWORD).await;
    let (_, _, otto) = sign_in(ctx, "otto", PASSWORD).await;

    let (status, _, html) = get(ctx, "/findings", &sam).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!(">{} findings<", open.len())));
    assert!(html.contains(&format!("/findings/{id}")));
    assert!(html.contains("Set state"), "a security admin may triage");
    assert!(
        !html.contains(AWS_SECRET) && !html.contains(AWS_ID),
        "secrets stay redacted"
    );
    let (status, _, detail) = get(ctx, &format!("/findings/{id}"), &sam).await;
    assert_eq!(status, StatusCode::OK);
    assert!(detail.contains("config/aws.env"));
    assert!(!detail.contains(AWS_SECRET) && !detail.contains(AWS_ID));
    for bad in ["/findings/zz", "/findings/0123456789abcdef0123456789abcdef"] {
        assert_eq!(get(ctx, bad, &sam).await.0, StatusCode::NOT_FOUND, "{bad}");
    }
    assert_eq!(
        get(ctx, "/findings?state=bogus", &sam).await.0,
        StatusCode::BAD_REQUEST
    );

    // Triage from the finding's page: token required, then saved with its comment.
    let csrf = csrf_of(&detail);
    let form = |token: &str| {
        vec![
            ("csrf", token.to_owned()),
            ("id", id.clone()),
            ("state", "false-positive".to_owned()),
            ("comment", "test fixture <b>not real</b>".to_owned()),
            ("back", format!("/findings/{id}")),
        ]
    };
    let as_pairs =
        |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let forged = as_pairs(&form(&"0".repeat(64)));
    let forged: Vec<(&str, &str)> = forged.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        post_form(ctx, "/findings/triage", &sam, &forged).await.0,
        StatusCode::FORBIDDEN
    );
    let good = as_pairs(&form(&csrf));
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location) = post_form(ctx, "/findings/triage", &sam, &good).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, format!("/findings/{id}?done=1"));
    let (_, _, after) = get(ctx, &location, &sam).await;
    assert!(after.contains("Triage saved."));
    assert!(after.contains("false-positive"));
    assert!(
        after.contains("test fixture &#60;b&#62;not real&#60;/b&#62;")
            || after.contains("test fixture &lt;b&gt;not real&lt;/b&gt;"),
        "comments are escaped"
    );
    let history = ctx.store.triage_history(planted.id).await.unwrap();
    assert_eq!(
        history.last().unwrap().state,
        palisade_domain::TriageState::FalsePositive
    );
    let log = ctx
        .store
        .audit_log(&palisade_store::AuditFilter::default())
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "finding.triage" && e.actor == "sam" && e.target == id)
    );

    // A reader sees the finding but no triage form, and a forged post is refused.
    let (status, _, html) = get(ctx, &format!("/findings/{id}"), &rita).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("name=\"state\""), "no triage form for a reader");
    let (_, _, list) = get(ctx, "/findings?state=all", &rita).await;
    let rita_csrf = csrf_of(&list);
    let reader = as_pairs(&form(&rita_csrf));
    let reader: Vec<(&str, &str)> = reader.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        post_form(ctx, "/findings/triage", &rita, &reader).await.0,
        StatusCode::FORBIDDEN
    );

    // An admin of another connector does not even see it.
    assert_eq!(
        get(ctx, &format!("/findings/{id}"), &otto).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, _, none) = get(ctx, "/findings?state=all", &otto).await;
    assert!(none.contains(">0 findings<"));
    let (_, _, page) = get(ctx, "/findings", &otto).await;
    let otto_csrf = csrf_of(&page);
    let theirs = as_pairs(&form(&otto_csrf));
    let theirs: Vec<(&str, &str)> = theirs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        post_form(ctx, "/findings/triage", &otto, &theirs).await.0,
        StatusCode::FORBIDDEN
    );
}

async fn console_posture_and_exemptions(ctx: &Ctx) {
    let record = ctx.connect(&["Web/web-api"]).await;
    user(
        ctx,
        "sam",
        &[Grant {
            role: Role::SecurityAdmin,
            scope: RoleScope::All,
        }],
    )
    .await;
    user(
        ctx,
        "rita",
        &[Grant {
            role: Role::Reader,
            scope: RoleScope::Connector(record.id.to_string()),
        }],
    )
    .await;
    let (_, _, sam) = sign_in(ctx, "sam", PASSWORD).await;
    let (_, _, rita) = sign_in(ctx, "rita", PASSWORD).await;

    let failing = ctx
        .store
        .posture_results(&palisade_store::PostureFilter {
            statuses: vec![palisade_domain::PostureStatus::Fail],
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!failing.is_empty(), "the contoso fixture fails some checks");
    let target = &failing[0];
    let check = &target.row.check_id;

    let (status, _, html) = get(ctx, "/posture", &sam).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Accept the risk"), "a security admin may exempt");
    let (status, _, explain) = get(ctx, &format!("/posture/checks/{check}"), &sam).await;
    assert_eq!(status, StatusCode::OK);
    assert!(explain.contains("How to fix"));
    assert_eq!(
        get(ctx, "/posture/checks/ado.nope", &sam).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(ctx, "/posture?status=maybe", &sam).await.0,
        StatusCode::BAD_REQUEST
    );

    let csrf = csrf_of(&html);
    let resource = target.row.resource.as_str().to_owned();
    let (status, location) = post_form(
        ctx,
        "/posture/exemptions",
        &sam,
        &[
            ("csrf", &csrf),
            ("check", check),
            ("resource", &resource),
            ("reason", "accepted for the test"),
            ("expires", "2999-12-31"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let (_, _, after) = get(ctx, &location, &sam).await;
    assert!(after.contains("Exemption saved.") && after.contains(">exempt<"));
    let past = post_form(
        ctx,
        "/posture/exemptions",
        &sam,
        &[
            ("csrf", &csrf),
            ("check", check),
            ("resource", &resource),
            ("reason", "x"),
            ("expires", "2000-01-01"),
        ],
    )
    .await;
    assert_eq!(
        past.0,
        StatusCode::BAD_REQUEST,
        "an expiry in the past is refused"
    );

    // The reader sees the exemption but can neither exempt nor revoke.
    let (_, _, list) = get(ctx, "/posture/exemptions", &rita).await;
    assert!(list.contains("accepted for the test"));
    assert!(!list.contains(">Revoke<"));
    let (_, _, results) = get(ctx, "/posture", &rita).await;
    assert!(!results.contains("Accept the risk"));
    let exemption = ctx.store.list_exemptions(false, now()).await.unwrap().remove(0);
    let rita_csrf = csrf_of(&results);
    let revoke = format!("/posture/exemptions/{}/revoke", exemption.id);
    assert_eq!(
        post_form(ctx, &revoke, &rita, &[("csrf", &rita_csrf), ("reason", "no")])
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (_, _, list) = get(ctx, "/posture/exemptions", &sam).await;
    let (status, _) = post_form(
        ctx,
        &revoke,
        &sam,
        &[("csrf", &csrf_of(&list)), ("reason", "fixed")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, list) = get(ctx, "/posture/exemptions", &sam).await;
    assert!(list.contains("revoked"));
    let trail = ctx.store.exemption_audit(Some(&exemption.id)).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["created", "revoked"]);
    assert_eq!(trail[1].actor, "sam");
}

async fn console_connectors(ctx: &Ctx) {
    let record = ctx.connect(&["Web/web-api"]).await;
    user(
        ctx,
        "alice",
        &[Grant {
            role: Role::Admin,
            scope: RoleScope::All,
        }],
    )
    .await;
    user(
        ctx,
        "rita",
        &[Grant {
            role: Role::Reader,
            scope: RoleScope::Connector(record.id.to_string()),
        }],
    )
    .await;
    let (_, _, alice) = sign_in(ctx, "alice", PASSWORD).await;
    let (_, _, rita) = sign_in(ctx, "rita", PASSWORD).await;

    let (status, _, html) = get(ctx, "/connectors", &alice).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("ado-contoso") && html.contains("Add a connector"));
    let (_, _, form) = get(ctx, "/connectors/new", &alice).await;
    let csrf = csrf_of(&form);

    // The portal's validation messages, and secrets never echoed back.
    let api = ctx.sim.base_url.clone();
    let bad = [
        ("csrf", csrf.as_str()),
        ("name", "1bad name"),
        ("organization", "contoso"),
        ("auth", "pat"),
        ("pat", "secret-value-never-echoed"),
        ("api_url", api.as_str()),
        ("profile_url", api.as_str()),
        ("login_url", api.as_str()),
    ];
    let resp = client()
        .post(format!("{}/connectors", ctx.server_url()))
        .header("cookie", &alice)
        .form(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = resp.text().await.unwrap();
    assert!(page.contains("The connector was not saved"));
    assert!(!page.contains("secret-value-never-echoed"));

    // A taken organization is refused by the engine with its message.
    let dup = [
        ("csrf", csrf.as_str()),
        ("name", "second-contoso"),
        ("organization", "contoso"),
        ("auth", "pat"),
        ("pat", crate::harness::DEMO_PAT),
        ("api_url", api.as_str()),
        ("profile_url", api.as_str()),
        ("login_url", api.as_str()),
    ];
    let resp = client()
        .post(format!("{}/connectors", ctx.server_url()))
        .header("cookie", &alice)
        .form(&dup)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!resp.text().await.unwrap().contains(crate::harness::DEMO_PAT));

    // The connector's page: test, discover, and a reader sees no actions.
    let path = format!("/connectors/{}", record.id);
    let (status, _, detail) = get(ctx, &path, &alice).await;
    assert_eq!(status, StatusCode::OK);
    assert!(detail.contains("Discovery runs") && detail.contains("finished"));
    let (status, tested) = {
        let resp = client()
            .post(format!("{}{path}/test", ctx.server_url()))
            .header("cookie", &alice)
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        (resp.status(), resp.text().await.unwrap())
    };
    assert_eq!(status, StatusCode::OK);
    assert!(tested.contains("The connection works"), "{tested}");
    let (status, _) = post_form(ctx, &format!("{path}/discover"), &alice, &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, as_reader) = get(ctx, &path, &rita).await;
    assert!(!as_reader.contains("Test the connection"));
    let rita_csrf = csrf_of(&get(ctx, "/overview", &rita).await.2);
    assert_eq!(
        post_form(
            ctx,
            &format!("{path}/delete"),
            &rita,
            &[("csrf", &rita_csrf), ("confirm", "ado-contoso")]
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(get(ctx, "/connectors/new", &rita).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        get(ctx, "/connectors/not-a-uuid", &alice).await.0,
        StatusCode::NOT_FOUND
    );

    // Deleting takes the name typed again.
    let (status, _) = post_form(
        ctx,
        &format!("{path}/delete"),
        &alice,
        &[("csrf", &csrf), ("confirm", "wrong")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(ctx.store.get_connector("ado-contoso").await.is_ok());
    let (status, location) = post_form(
        ctx,
        &format!("{path}/delete"),
        &alice,
        &[("csrf", &csrf), ("confirm", "ado-contoso")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/connectors")
    );
    assert!(ctx.store.get_connector("ado-contoso").await.is_err());
    let log = ctx
        .store
        .audit_log(&palisade_store::AuditFilter::default())
        .await
        .unwrap();
    for action in ["connector.discover", "connector.delete"] {
        assert!(
            log.iter().any(|e| e.action == action && e.actor == "alice"),
            "{action}"
        );
    }
    assert!(
        !serde_json::to_string(&log)
            .unwrap()
            .contains(crate::harness::DEMO_PAT)
    );
}
