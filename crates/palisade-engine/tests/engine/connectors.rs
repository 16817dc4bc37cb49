//! Connectors: tested before saved, sealed at rest, clear errors.

use palisade_domain::{AuthConfig, OrgName, OrgSelection};
use palisade_engine::EngineError;
use palisade_vault::Credential;

use crate::harness::{Ctx, DEMO_PAT, EXPIRED_PAT, NOCODE_PAT, TENANT};

crate::stories!(connectors:
    pat_connector_is_tested_and_sealed,
    bad_credentials_save_nothing,
    names_and_orgs_are_unique,
    service_principal_and_federated_identity,
    all_orgs_are_listed_from_the_profile,
    edit_retests_and_delete_is_bulk,
    oauth_tokens_rotate_and_are_kept,
);

async fn pat_connector_is_tested_and_sealed(ctx: &Ctx) {
    let out = ctx
        .engine
        .create_connector(ctx.pat_input("ado-contoso", "contoso", DEMO_PAT))
        .await
        .unwrap();
    assert!(out.identity.is_some());
    let sealed = ctx
        .store
        .connector_credential(&out.record.id)
        .await
        .unwrap()
        .unwrap();
    assert!(!contains(&sealed, DEMO_PAT.as_bytes()), "sealed at rest");
    let json = serde_json::to_string(&ctx.store.list_connectors().await.unwrap()).unwrap();
    assert!(!json.contains(DEMO_PAT), "never returned");
    let test = ctx.engine.test_connector("ADO-CONTOSO").await.unwrap();
    assert_eq!(test.record.id, out.record.id);
}

async fn bad_credentials_save_nothing(ctx: &Ctx) {
    let e = ctx
        .engine
        .create_connector(ctx.pat_input("ado-contoso", "contoso", EXPIRED_PAT))
        .await
        .unwrap_err();
    assert!(matches!(e, EngineError::CredentialTest(_)), "{e:?}");
    assert!(e.to_string().contains("Invalid or expired token"), "{e}");

    let e = ctx
        .engine
        .create_connector(ctx.pat_input("ado-contoso", "contoso", NOCODE_PAT))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Token lacks Code.Read permission"), "{e}");

    let e = ctx
        .engine
        .create_connector(ctx.pat_input("ado-contoso", "no-such-org", DEMO_PAT))
        .await
        .unwrap_err();
    assert!(matches!(e, EngineError::CredentialTest(_)), "{e:?}");

    let mut missing = ctx.pat_input("ado-contoso", "contoso", DEMO_PAT);
    missing.credential = None;
    let e = ctx.engine.create_connector(missing).await.unwrap_err();
    assert!(e.to_string().contains("access token not configured"), "{e}");
    assert!(ctx.store.list_connectors().await.unwrap().is_empty());
}

async fn names_and_orgs_are_unique(ctx: &Ctx) {
    ctx.engine
        .create_connector(ctx.pat_input("ado-contoso", "contoso", DEMO_PAT))
        .await
        .unwrap();
    let e = ctx
        .engine
        .create_connector(ctx.pat_input("Ado-Contoso", "fabrikam", DEMO_PAT))
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("A connector with this name already exists"),
        "{e}"
    );
    let e = ctx
        .engine
        .create_connector(ctx.pat_input("other", "CONTOSO", DEMO_PAT))
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("A connector for this organization already exists"),
        "{e}"
    );
}

async fn service_principal_and_federated_identity(ctx: &Ctx) {
    let mut sp = ctx.pat_input("ado-sp", "contoso", DEMO_PAT);
    sp.config.auth = AuthConfig::ServicePrincipal {
        tenant: TENANT.into(),
        client_id: "11111111-aaaa-4bbb-8ccc-000000000001".into(),
    };
    sp.credential = Some(Credential::client_secret("sim-secret-app-one-Xy7Qp2Lm"));
    ctx.engine.create_connector(sp).await.unwrap();

    // A wrong secret is Entra's error, not a stack trace.
    let mut bad = ctx.pat_input("ado-sp-bad", "fabrikam", DEMO_PAT);
    bad.config.auth = AuthConfig::ServicePrincipal {
        tenant: TENANT.into(),
        client_id: "11111111-aaaa-4bbb-8ccc-000000000001".into(),
    };
    bad.credential = Some(Credential::client_secret("wrong"));
    let e = ctx.engine.create_connector(bad).await.unwrap_err();
    assert!(e.to_string().contains("Entra"), "{e}");

    // Managed identity across tenants: a federated token read from a file.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, federated_jwt()).unwrap();
    ctx.store
        .delete_connectors(&[ctx.store.get_connector("ado-sp").await.unwrap().id])
        .await
        .unwrap();
    let mut mi = ctx.pat_input("ado-mi", "contoso", DEMO_PAT);
    mi.config.auth = AuthConfig::ManagedIdentity {
        tenant: TENANT.into(),
        client_id: "11111111-aaaa-4bbb-8ccc-000000000002".into(),
        federated_token_file: file.display().to_string(),
    };
    mi.credential = Some(Credential::None);
    ctx.engine.create_connector(mi).await.unwrap();
    let report = ctx
        .engine
        .discover("ado-mi", &palisade_engine::DiscoverOptions::default())
        .await
        .unwrap();
    assert!(report.run.counts.get("repository").copied().unwrap_or(0) > 0);
}

async fn all_orgs_are_listed_from_the_profile(ctx: &Ctx) {
    let mut input = ctx.pat_input("ado-all", "contoso", DEMO_PAT);
    input.config.orgs = OrgSelection::AllExisting(Vec::new());
    let out = ctx.engine.create_connector(input).await.unwrap();
    let OrgSelection::AllExisting(orgs) = &out.record.config.orgs else {
        panic!("selection kept")
    };
    assert!(orgs.contains(&OrgName::parse("fabrikam").unwrap()), "{orgs:?}");
}

async fn edit_retests_and_delete_is_bulk(ctx: &Ctx) {
    ctx.engine
        .create_connector(ctx.pat_input("ado-contoso", "contoso", DEMO_PAT))
        .await
        .unwrap();
    ctx.engine
        .create_connector(ctx.server_input("ado-fabrikam", "fabrikam", DEMO_PAT))
        .await
        .unwrap();
    // Rotating the PAT to an expired one is refused and keeps the old one.
    let e = ctx
        .engine
        .update_connector(
            "ado-contoso",
            ctx.pat_input("ado-contoso", "contoso", EXPIRED_PAT),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Invalid or expired token"), "{e}");
    ctx.engine.test_connector("ado-contoso").await.unwrap();

    let e = ctx
        .engine
        .delete_connectors(&["ado-contoso".into(), "nope".into()])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("nope"), "{e}");
    assert_eq!(ctx.store.list_connectors().await.unwrap().len(), 2);
    let gone = ctx
        .engine
        .delete_connectors(&["ado-contoso".into(), "ado-fabrikam".into()])
        .await
        .unwrap();
    assert_eq!(gone.len(), 2);
    assert!(ctx.store.list_connectors().await.unwrap().is_empty());
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// An unsigned JWT as a workload identity token file holds (the simulator
/// checks issuer, subject, audience and expiry).
fn federated_jwt() -> String {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let payload = format!(
        r#"{{"iss":"https://token.actions.githubusercontent.com","sub":"repo:contoso/infra:ref:refs/heads/main","aud":"api://AzureADTokenExchange","exp":{exp}}}"#
    );
    format!("{}.{}.sig", b64(r#"{"alg":"RS256","typ":"JWT"}"#), b64(&payload))
}

/// The authorization code flow against the simulator's Entra endpoints, as
/// the CLI's loopback sign-in does it, then discovery with short-lived
/// access tokens: every refresh rotates the refresh token, and each new one
/// must be stored, or the next run could not sign in.
async fn oauth_tokens_rotate_and_are_kept(ctx: &Ctx) {
    use palisade_ado::{Pkce, TokenEndpoint, authorize_url, exchange_code};
    use secrecy::SecretString;

    const APP: &str = "11111111-aaaa-4bbb-8ccc-000000000003";
    const REDIRECT: &str = "http://localhost:8080/auth/callback";
    let base = ctx.sim.base_url.clone();
    let pkce = Pkce::generate().unwrap();
    let url = authorize_url(&base, TENANT, APP, REDIRECT, "st4te", &pkce.challenge).unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http.get(url).send().await.unwrap();
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let endpoint = TokenEndpoint::new(&base, TENANT, APP);
    let secret = SecretString::from("sim-secret-webapp-Rt5Yh8Jk");
    let tokens = exchange_code(
        &endpoint,
        Some(&secret),
        REDIRECT,
        &SecretString::from(code),
        &pkce.verifier,
    )
    .await
    .unwrap();

    let mut knobs = ctx.sim.state.knobs();
    knobs.token_lifetime_secs = 1;
    ctx.sim.state.set_knobs(knobs);
    let mut input = ctx.pat_input("ado-oauth", "contoso", DEMO_PAT);
    input.config.auth = AuthConfig::OAuth {
        tenant: TENANT.into(),
        client_id: APP.into(),
    };
    input.credential = Some(Credential::OAuth {
        refresh_token: tokens.refresh.unwrap(),
        access_token: None,
        expires_at: None,
        client_secret: Some(secret),
    });
    let created = ctx.engine.create_connector(input).await.unwrap();
    let first = ctx
        .store
        .connector_credential(&created.record.id)
        .await
        .unwrap()
        .unwrap();
    for _ in 0..2 {
        let run = ctx
            .engine
            .discover("ado-oauth", &palisade_engine::DiscoverOptions::default())
            .await
            .unwrap();
        assert!(run.run.errors.is_empty(), "{:?}", run.run.errors);
        ctx.engine.test_connector("ado-oauth").await.unwrap();
    }
    let last = ctx
        .store
        .connector_credential(&created.record.id)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(first, last, "rotated refresh tokens were stored");
}
