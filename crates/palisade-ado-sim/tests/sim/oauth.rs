//! Entra endpoints: authorization code + PKCE + rotating refresh; client credentials.

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::Digest as _;

use crate::support::{client, contoso_sim, send};

const TENANT: &str = "72f988bf-0000-4000-8000-00000000c0de";
const WEBAPP: &str = "11111111-aaaa-4bbb-8ccc-000000000003";
const REDIRECT: &str = "http://localhost:8080/auth/callback";
const SCOPE: &str = "499b84ac-1321-427f-aa17-267ca6975798/.default offline_access";

async fn token(sim: &palisade_ado_sim::RunningSim, form: &[(&str, &str)]) -> (u16, Value) {
    let body = reqwest::Url::parse_with_params("http://form.invalid/", form)
        .unwrap()
        .query()
        .unwrap_or_default()
        .to_string();
    let a = send(
        client()
            .post(format!("{}/{TENANT}/oauth2/v2.0/token", sim.base_url))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body),
    )
    .await;
    (a.status, a.json())
}

async fn bearer_get(sim: &palisade_ado_sim::RunningSim, tok: &str, path: &str) -> u16 {
    send(
        client()
            .get(format!("{}{path}", sim.base_url))
            .bearer_auth(tok)
            .header("X-TFS-FedAuthRedirect", "Suppress"),
    )
    .await
    .status
}

#[tokio::test]
async fn authorization_code_with_pkce_then_rotating_refresh() {
    let sim = contoso_sim().await;
    let verifier = "sim-verifier-0123456789-abcdefghijklmnopqrstuvwxyz";
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let a = send(
        client()
            .get(format!("{}/{TENANT}/oauth2/v2.0/authorize", sim.base_url))
            .query(&[
                ("client_id", WEBAPP),
                ("response_type", "code"),
                ("redirect_uri", REDIRECT),
                ("scope", SCOPE),
                ("state", "xyz"),
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
            ]),
    )
    .await;
    assert_eq!(a.status, 302, "{}", a.text);
    let loc = reqwest::Url::parse(&a.header("location").unwrap()).unwrap();
    assert!(loc.as_str().starts_with(REDIRECT));
    let q: std::collections::HashMap<_, _> = loc.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "xyz");
    let code = q["code"].clone();
    let base = [
        ("client_id", WEBAPP),
        ("client_secret", "sim-secret-webapp-Rt5Yh8Jk"),
        ("redirect_uri", REDIRECT),
    ];
    // Wrong verifier fails (and burns the code, as Entra does).
    let mut wrong = base.to_vec();
    wrong.extend([
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("code_verifier", "nope"),
    ]);
    let (s, e) = token(&sim, &wrong).await;
    assert_eq!(s, 400);
    assert_eq!(e["error"], "invalid_grant");
    assert!(e["error_description"].as_str().unwrap().starts_with("AADSTS"));
    // Fresh code, right verifier.
    let a = send(
        client()
            .get(format!("{}/{TENANT}/oauth2/v2.0/authorize", sim.base_url))
            .query(&[
                ("client_id", WEBAPP),
                ("response_type", "code"),
                ("redirect_uri", REDIRECT),
                ("scope", SCOPE),
                ("login_hint", "alice@contoso.com"),
                ("code_challenge", challenge.as_str()),
                ("code_challenge_method", "S256"),
            ]),
    )
    .await;
    let loc = reqwest::Url::parse(&a.header("location").unwrap()).unwrap();
    let code = loc
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let mut ok = base.to_vec();
    ok.extend([
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("code_verifier", verifier),
    ]);
    let (s, t) = token(&sim, &ok).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["token_type"], "Bearer");
    let access = t["access_token"].as_str().unwrap().to_string();
    let refresh = t["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(
        bearer_get(
            &sim,
            &access,
            "/contoso/_apis/connectionData?api-version=7.1-preview.1"
        )
        .await,
        200
    );
    // Replay of the code fails.
    assert_eq!(token(&sim, &ok).await.0, 400);
    // Refresh rotates: the old refresh token is then invalid.
    let mut r = base.to_vec();
    r.extend([
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh.as_str()),
    ]);
    let (s, t2) = token(&sim, &r).await;
    assert_eq!(s, 200, "{t2}");
    assert_ne!(t2["refresh_token"], json!(refresh));
    assert_eq!(token(&sim, &r).await.0, 400, "a used refresh token is invalid");
}

#[tokio::test]
async fn expired_access_tokens_are_rejected() {
    let sim = contoso_sim().await;
    sim.state.set_knobs(palisade_ado_sim::Knobs {
        token_lifetime_secs: 1,
        ..sim.state.knobs()
    });
    let (s, t) = token(
        &sim,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "11111111-aaaa-4bbb-8ccc-000000000001"),
            ("client_secret", "sim-secret-app-one-Xy7Qp2Lm"),
            ("scope", "499b84ac-1321-427f-aa17-267ca6975798/.default"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["expires_in"], 1);
    let tok = t["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        bearer_get(&sim, &tok, "/contoso/_apis/projects?api-version=7.1").await,
        200
    );
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        bearer_get(&sim, &tok, "/contoso/_apis/projects?api-version=7.1").await,
        401
    );
}

#[tokio::test]
async fn client_credentials_secret_and_federated_assertion() {
    let sim = contoso_sim().await;
    let bad = token(
        &sim,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "11111111-aaaa-4bbb-8ccc-000000000001"),
            ("client_secret", "wrong"),
            ("scope", "499b84ac-1321-427f-aa17-267ca6975798/.default"),
        ],
    )
    .await;
    assert_eq!(bad.0, 401);
    assert_eq!(bad.1["error"], "invalid_client");
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let exp = chrono::Utc::now().timestamp() + 600;
    let jwt = |sub: &str| {
        format!(
            "{}.{}.sig",
            b64(&json!({"alg": "RS256", "typ": "JWT"})),
            b64(
                &json!({"iss": "https://token.actions.githubusercontent.com", "sub": sub, "aud": "api://AzureADTokenExchange", "exp": exp})
            )
        )
    };
    let good = jwt("repo:contoso/infra:ref:refs/heads/main");
    let form = |assertion: &str| {
        vec![
            ("grant_type", "client_credentials".to_string()),
            ("client_id", "11111111-aaaa-4bbb-8ccc-000000000002".to_string()),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_string(),
            ),
            ("client_assertion", assertion.to_string()),
            (
                "scope",
                "499b84ac-1321-427f-aa17-267ca6975798/.default".to_string(),
            ),
        ]
    };
    let f = form(&good);
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, t) = token(&sim, &f).await;
    assert_eq!(s, 200, "{t}");
    let tok = t["access_token"].as_str().unwrap();
    assert_eq!(
        bearer_get(&sim, tok, "/contoso/_apis/git/repositories?api-version=7.1").await,
        200
    );
    let evil = jwt("repo:evil/infra:ref:refs/heads/main");
    let f = form(&evil);
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (s, e) = token(&sim, &f).await;
    assert_eq!(s, 400);
    assert_eq!(e["error_codes"][0], 700_213);
    sim.state.set_knobs(palisade_ado_sim::Knobs {
        token_endpoint_down: true,
        ..sim.state.knobs()
    });
    let (s, _) = token(&sim, &[("grant_type", "client_credentials")]).await;
    assert_eq!(s, 503);
}
