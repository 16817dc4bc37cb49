//! A tiny loopback HTTP server that replays ADO bodies and quirks.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use palisade_ado::{AdoClient, AdoClientBuilder, Credential, RetryPolicy};
use palisade_domain::{Deployment, OrgName};

/// What the server saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub query: HashMap<String, String>,
    pub headers: HeaderMap,
    pub body: String,
}

type Handler = dyn Fn(&Seen) -> Response + Send + Sync;

pub struct Server {
    pub addr: SocketAddr,
    pub url: String,
    pub log: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    pub fn requests(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }

    pub fn count(&self, path_contains: &str) -> usize {
        self.requests()
            .iter()
            .filter(|s| s.path.contains(path_contains))
            .count()
    }

    pub fn deployment(&self) -> Deployment {
        Deployment::Cloud {
            api_url: self.url.clone(),
            profile_url: self.url.clone(),
            login_url: self.url.clone(),
        }
    }

    pub fn builder(&self, credential: Credential) -> AdoClientBuilder {
        AdoClient::builder(self.deployment(), org(), credential).retry(fast_retry())
    }

    pub fn client(&self) -> AdoClient {
        self.builder(Credential::pat(PAT)).build().unwrap()
    }
}

pub const PAT: &str = "patsecret0123456789abcdefghijklmnopqrstuvwxyz";

pub fn org() -> OrgName {
    OrgName::parse("fabrikam").unwrap()
}

pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
    }
}

pub async fn serve(handler: impl Fn(&Seen) -> Response + Send + Sync + 'static) -> Server {
    let handler: Arc<Handler> = Arc::new(handler);
    let log = Arc::new(Mutex::new(Vec::new()));
    let log2 = Arc::clone(&log);
    let app = axum::Router::new().fallback(move |req: Request| {
        let handler = Arc::clone(&handler);
        let log = Arc::clone(&log2);
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
            let query = parts
                .uri
                .query()
                .map(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .into_owned()
                        .collect::<HashMap<_, _>>()
                })
                .unwrap_or_default();
            let seen = Seen {
                method: parts.method,
                path: percent_encoding::percent_decode_str(parts.uri.path())
                    .decode_utf8_lossy()
                    .into_owned(),
                query,
                headers: parts.headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            };
            log.lock().unwrap().push(seen.clone());
            handler(&seen)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    Server {
        addr,
        url: format!("http://{addr}"),
        log,
    }
}

pub fn data(name: &str) -> String {
    let path = format!("{}/tests/ado/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn json(status: u16, body: impl Into<String>) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", "application/json; charset=utf-8; api-version=7.1")
        .body(Body::from(body.into()))
        .unwrap()
}

pub fn json_with(status: u16, body: impl Into<String>, headers: &[(&str, String)]) -> Response {
    let mut r = json(status, body);
    for (k, v) in headers {
        r.headers_mut().insert(
            axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    r
}

/// ADO's `WrappedException` body.
pub fn ado_error(status: u16, type_key: &str, message: &str) -> Response {
    let body = serde_json::json!({
        "$id": "1",
        "innerException": null,
        "message": message,
        "typeName": format!("Microsoft.TeamFoundation.{type_key}, Microsoft.TeamFoundation.Framework.Server"),
        "typeKey": type_key,
        "errorCode": 0,
        "eventId": 3000
    });
    json(status, body.to_string())
}

pub fn list(values: &serde_json::Value) -> String {
    let arr = values.as_array().unwrap();
    serde_json::json!({"count": arr.len(), "value": arr}).to_string()
}
