use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::response::Response;
use palisade_ado::{AdoClient, AdoError, Credential};
use palisade_domain::Deployment;

use crate::support::{PAT, ado_error, data, fast_retry, json, org, serve};

fn sign_in_html(status: u16) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        .body(Body::from(
            "<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head><body></body></html>",
        ))
        .unwrap()
}

#[tokio::test]
async fn a_203_sign_in_page_is_a_bad_credential() {
    let srv = serve(|_| sign_in_html(203)).await;
    let err = srv.client().projects().await.unwrap_err();
    assert!(matches!(err, AdoError::SignInPage { .. }), "{err:?}");
    assert!(err.is_auth_failure());
    assert!(err.to_string().contains("Invalid or expired token"));
}

#[tokio::test]
async fn a_200_with_html_or_a_redirect_to_sign_in_is_a_bad_credential() {
    let srv = serve(|req| {
        if req.path.ends_with("projects") {
            sign_in_html(200)
        } else {
            Response::builder()
                .status(302)
                .header(
                    "location",
                    "https://spsprodweu5.vssps.visualstudio.com/_signin?realm=dev.azure.com",
                )
                .body(Body::empty())
                .unwrap()
        }
    })
    .await;
    let c = srv.client();
    assert!(matches!(
        c.projects().await.unwrap_err(),
        AdoError::SignInPage { .. }
    ));
    assert!(matches!(
        c.agent_pools().await.unwrap_err(),
        AdoError::SignInPage { .. }
    ));
}

#[tokio::test]
async fn tf400813_on_a_valid_identity_names_the_missing_scope() {
    let cd = data("connection_data.json");
    let srv = serve(move |req| {
        if req.path.ends_with("connectionData") {
            json(200, cd.clone())
        } else {
            ado_error(
                401,
                "UnauthorizedRequestException",
                "TF400813: The user 'aaaa' is not authorized to access this resource.",
            )
        }
    })
    .await;
    let err = srv.client().repositories().await.unwrap_err();
    match &err {
        AdoError::ScopeMissing { scope, message } => {
            assert_eq!(scope.as_deref(), Some("vso.code"));
            assert_eq!(message, "Token lacks Code.Read permission (vso.code)");
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.is_auth_failure());
}

#[tokio::test]
async fn a_401_everywhere_is_an_invalid_token() {
    let srv = serve(|_| {
        ado_error(
            401,
            "UnauthorizedRequestException",
            "TF400813: The user '' is not authorized to access this resource.",
        )
    })
    .await;
    let err = srv.client().repositories().await.unwrap_err();
    assert!(matches!(err, AdoError::Unauthorized { .. }), "{err:?}");
    assert!(err.to_string().starts_with("Invalid or expired token"), "{err}");
    assert!(err.is_auth_failure());
}

#[tokio::test]
async fn a_500_is_retried_then_succeeds() {
    let n = Arc::new(AtomicUsize::new(0));
    let body = data("projects.json");
    let srv = serve(move |_| {
        if n.fetch_add(1, Ordering::SeqCst) < 2 {
            ado_error(500, "InternalServerError", "VS000000: transient")
        } else {
            json(200, body.clone())
        }
    })
    .await;
    let c = srv.client();
    assert_eq!(c.projects().await.unwrap().len(), 3);
    assert_eq!(srv.requests().len(), 3);
    assert_eq!(c.stats().retries, 2);
}

#[tokio::test]
async fn a_persistent_500_gives_up_after_the_attempts() {
    let srv = serve(|_| ado_error(503, "ServiceUnavailable", "down")).await;
    let err = srv.client().projects().await.unwrap_err();
    assert!(matches!(err, AdoError::Server { status: 503, .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(srv.requests().len(), 4, "max_attempts of the test policy");
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let srv = serve(|req| {
        if req.path.contains("forbidden") {
            ado_error(403, "InvalidAccessException", "VS403403: denied")
        } else if req.path.contains("missing") {
            ado_error(404, "GitRepositoryNotFoundException", "TF401019: The Git repository with name or identifier missing does not exist or you do not have permissions for the operation you are attempting.")
        } else {
            ado_error(400, "VssInvalidPreviewVersionException", "The -preview flag must be supplied")
        }
    })
    .await;
    let c = srv.client();
    let e = c.repository("p", "forbidden").await.unwrap_err();
    assert!(matches!(e, AdoError::Forbidden { .. }), "{e:?}");
    let e = c.repository("p", "missing").await.unwrap_err();
    assert!(matches!(e, AdoError::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains("TF401019"));
    let e = c.repository("p", "other").await.unwrap_err();
    match e {
        AdoError::BadRequest { type_key, .. } => {
            assert_eq!(type_key.as_deref(), Some("VssInvalidPreviewVersionException"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(srv.requests().len(), 3);
}

#[tokio::test]
async fn malformed_json_is_an_error_not_a_panic() {
    let srv = serve(|req| {
        if req.path.ends_with("projects") {
            json(200, "{\"count\": 1, \"value\": [")
        } else {
            json(200, "{\"count\": 1, \"value\": {\"not\": \"a list\"}}")
        }
    })
    .await;
    let c = srv.client();
    let e = c.projects().await.unwrap_err();
    assert!(matches!(e, AdoError::MalformedResponse { .. }), "{e:?}");
    let e = c.agent_pools().await.unwrap_err();
    assert!(matches!(e, AdoError::MalformedResponse { .. }), "{e:?}");
    assert!(e.to_string().contains("agent pools"), "{e}");
}

#[tokio::test]
async fn an_unreachable_server_is_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let url = format!("http://{addr}");
    let dep = Deployment::Cloud {
        api_url: url.clone(),
        profile_url: url.clone(),
        login_url: url,
    };
    let c = AdoClient::builder(dep, org(), Credential::pat(PAT))
        .retry(fast_retry())
        .build()
        .unwrap();
    let e = c.projects().await.unwrap_err();
    assert!(matches!(e, AdoError::Network { .. }), "{e:?}");
    assert!(e.is_retryable());
    assert_eq!(c.stats().retries, 3);
}

#[tokio::test]
async fn the_pat_never_shows_in_debug_or_errors() {
    let srv = serve(|_| ado_error(401, "UnauthorizedRequestException", "TF400813: no")).await;
    let cred = Credential::pat(PAT);
    let c = srv.builder(cred.clone()).build().unwrap();
    let e = c.projects().await.unwrap_err();
    for shown in [
        format!("{cred:?}"),
        format!("{c:?}"),
        format!("{e:?}"),
        e.to_string(),
        cred.identity_key(),
    ] {
        assert!(!shown.contains(PAT), "{shown}");
        assert!(!shown.contains(&PAT[..12]), "{shown}");
    }
    let empty = srv.builder(Credential::pat("")).build().unwrap();
    let e = empty.projects().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "Azure DevOps access token not configured. Please authenticate."
    );
}
