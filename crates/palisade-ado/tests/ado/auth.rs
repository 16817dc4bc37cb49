use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use palisade_ado::{
    AdoError, ClientSecret, Credential, FederatedAssertion, OAuthRefresh, Pkce, TokenEndpoint, TokenError,
    TokenSource, exchange_code,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::support::{Seen, data, json, serve};

const TOKEN_PATH: &str = "/contoso-tenant/oauth2/v2.0/token";

fn form(req: &Seen) -> std::collections::HashMap<String, String> {
    url::form_urlencoded::parse(req.body.as_bytes())
        .into_owned()
        .collect()
}

fn token_body(access: &str, refresh: Option<&str>, expires_in: u64) -> String {
    let mut v = json!({"token_type": "Bearer", "scope": "499b84ac-1321-427f-aa17-267ca6975798/user_impersonation", "expires_in": expires_in, "ext_expires_in": expires_in, "access_token": access});
    if let Some(r) = refresh {
        v["refresh_token"] = json!(r);
    }
    v.to_string()
}

#[tokio::test]
async fn oauth_refreshes_ahead_of_expiry_and_rotates_the_refresh_token() {
    let n = Arc::new(AtomicUsize::new(0));
    let cd = data("connection_data.json");
    let srv = serve(move |req| {
        if req.path == TOKEN_PATH {
            let i = n.fetch_add(1, Ordering::SeqCst) + 1;
            // A 2-second token: refreshed once less than half its life is left.
            json(
                200,
                token_body(&format!("access-{i}"), Some(&format!("rt-{}", i + 1)), 2),
            )
        } else {
            assert_eq!(
                req.headers["authorization"]
                    .to_str()
                    .unwrap()
                    .split_once(' ')
                    .unwrap()
                    .0,
                "Bearer"
            );
            json(200, cd.clone())
        }
    })
    .await;
    let rotated: Arc<Mutex<Vec<String>>> = Arc::default();
    let rotated2 = Arc::clone(&rotated);
    let src = OAuthRefresh::new(
        TokenEndpoint::new(&srv.url, "contoso-tenant", "client-1"),
        SecretString::from("rt-1"),
    )
    .on_new_refresh_token(Arc::new(move |t: SecretString| {
        rotated2.lock().unwrap().push(t.expose_secret().to_owned());
    }));
    let src = Arc::new(src);
    assert_eq!(src.token().await.unwrap().expose_secret(), "access-1");
    assert_eq!(
        src.token().await.unwrap().expose_secret(),
        "access-1",
        "still fresh: cached"
    );
    assert_eq!(srv.count("oauth2"), 1);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Still valid for ~0.9 s, but inside the refresh margin.
    assert_eq!(src.token().await.unwrap().expose_secret(), "access-2");
    let token_reqs: Vec<_> = srv
        .requests()
        .into_iter()
        .filter(|r| r.path == TOKEN_PATH)
        .collect();
    assert_eq!(token_reqs.len(), 2);
    let first = form(&token_reqs[0]);
    assert_eq!(first["grant_type"], "refresh_token");
    assert_eq!(first["refresh_token"], "rt-1");
    assert_eq!(first["client_id"], "client-1");
    assert!(first["scope"].contains("499b84ac-1321-427f-aa17-267ca6975798/.default"));
    assert_eq!(
        form(&token_reqs[1])["refresh_token"],
        "rt-2",
        "the rotated token is used"
    );
    assert_eq!(*rotated.lock().unwrap(), ["rt-2", "rt-3"]);

    let c = srv.builder(Credential::Bearer(src)).build().unwrap();
    c.connection_data().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callers_share_one_refresh() {
    let srv = serve(|req| {
        assert_eq!(req.path, TOKEN_PATH);
        std::thread::sleep(Duration::from_millis(150));
        json(200, token_body("shared", Some("rt-next"), 3600))
    })
    .await;
    let src = Arc::new(OAuthRefresh::new(
        TokenEndpoint::new(&srv.url, "contoso-tenant", "client-1"),
        SecretString::from("rt-1"),
    ));
    let calls = (0..20).map(|_| {
        let s = Arc::clone(&src);
        tokio::spawn(async move { s.token().await.unwrap().expose_secret().to_owned() })
    });
    for h in futures_util::future::join_all(calls).await {
        assert_eq!(h.unwrap(), "shared");
    }
    assert_eq!(srv.requests().len(), 1);
}

#[tokio::test]
async fn client_secret_uses_client_credentials() {
    let srv = serve(|_| json(200, token_body("app-token", None, 3599))).await;
    let src = ClientSecret::new(
        TokenEndpoint::new(&srv.url, "contoso-tenant", "app-1"),
        SecretString::from("s3cr3t-value"),
    );
    assert_eq!(src.token().await.unwrap().expose_secret(), "app-token");
    let f = form(&srv.requests()[0]);
    assert_eq!(f["grant_type"], "client_credentials");
    assert_eq!(f["client_secret"], "s3cr3t-value");
    assert_eq!(f["scope"], "499b84ac-1321-427f-aa17-267ca6975798/.default");
    assert!(!format!("{src:?}").contains("s3cr3t-value"));
}

#[tokio::test]
async fn federated_assertion_is_read_from_the_file_at_every_request() {
    let srv = serve(|req| {
        let f = form(req);
        json(
            200,
            token_body(&format!("for-{}", f["client_assertion"]), None, 0),
        )
    })
    .await;
    let dir = std::env::temp_dir().join(format!("palisade-ado-fed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    std::fs::write(&file, "jwt-one\n").unwrap();
    let src = FederatedAssertion::new(TokenEndpoint::new(&srv.url, "contoso-tenant", "mi-1"), &file);
    assert_eq!(src.token().await.unwrap().expose_secret(), "for-jwt-one");
    std::fs::write(&file, "jwt-two").unwrap();
    assert_eq!(src.token().await.unwrap().expose_secret(), "for-jwt-two");
    let f = form(&srv.requests()[0]);
    assert_eq!(f["grant_type"], "client_credentials");
    assert_eq!(
        f["client_assertion_type"],
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    );
    std::fs::remove_file(&file).unwrap();
    let e = src.token().await.unwrap_err();
    assert!(matches!(e, TokenError::AssertionFile { .. }), "{e:?}");
}

#[tokio::test]
async fn entra_errors_keep_the_aadsts_code() {
    let srv = serve(|_| {
        json(
            400,
            json!({
                "error": "invalid_grant",
                "error_description": "AADSTS700082: The refresh token has expired due to inactivity.\r\nTrace ID: 0000\r\nCorrelation ID: 1111\r\nTimestamp: 2024-01-01 00:00:00Z",
                "error_codes": [700_082],
                "timestamp": "2024-01-01 00:00:00Z",
                "trace_id": "0000",
                "correlation_id": "1111"
            })
            .to_string(),
        )
    })
    .await;
    let src = Arc::new(OAuthRefresh::new(
        TokenEndpoint::new(&srv.url, "contoso-tenant", "client-1"),
        SecretString::from("old-refresh-token-value"),
    ));
    let e = src.token().await.unwrap_err();
    assert_eq!(e.aadsts(), Some("AADSTS700082"));
    assert!(!e.to_string().contains("old-refresh-token-value"));
    assert!(!e.to_string().contains("Trace ID"));

    let c = srv.builder(Credential::Bearer(src)).build().unwrap();
    let e = c.projects().await.unwrap_err();
    assert!(matches!(e, AdoError::Token(TokenError::Entra { .. })), "{e:?}");
    assert!(e.is_auth_failure());
}

#[tokio::test]
async fn an_unreachable_token_endpoint_is_a_typed_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let src = ClientSecret::new(TokenEndpoint::new(&url, "t", "c"), SecretString::from("x"));
    let e = src.token().await.unwrap_err();
    assert!(matches!(e, TokenError::Unreachable { .. }), "{e:?}");
    assert!(e.is_retryable());
    assert!(e.to_string().contains("token endpoint"), "{e}");
}

#[tokio::test]
async fn authorization_code_is_exchanged_with_pkce() {
    let srv = serve(|req| {
        let f = form(req);
        assert_eq!(f["grant_type"], "authorization_code");
        assert_eq!(f["code"], "the-code");
        assert_eq!(f["redirect_uri"], "http://localhost:8400/callback");
        let challenge = palisade_ado::auth::pkce_challenge(&f["code_verifier"]);
        assert_eq!(challenge.len(), 43);
        json(200, token_body("user-access", Some("user-refresh"), 3600))
    })
    .await;
    let pkce = Pkce::generate().unwrap();
    let ep = TokenEndpoint::new(&srv.url, "contoso-tenant", "client-1");
    let t = exchange_code(
        &ep,
        None,
        "http://localhost:8400/callback",
        &SecretString::from("the-code"),
        &pkce.verifier,
    )
    .await
    .unwrap();
    assert_eq!(t.access.expose_secret(), "user-access");
    assert_eq!(t.refresh.as_ref().unwrap().expose_secret(), "user-refresh");
    let shown = format!("{t:?}");
    assert!(
        !shown.contains("user-access") && !shown.contains("user-refresh"),
        "{shown}"
    );
    let url = palisade_ado::authorize_url(
        &srv.url,
        "contoso-tenant",
        "client-1",
        "http://localhost:8400/callback",
        "state-1",
        &pkce.challenge,
    )
    .unwrap();
    assert!(
        url.as_str()
            .contains(&format!("code_challenge={}", pkce.challenge))
    );
}
