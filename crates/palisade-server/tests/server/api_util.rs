//! Helpers of the REST API stories: users with tokens, and calls that fail
//! the test on any 5xx answer.

use palisade_domain::{Grant, Role, RoleScope, Timestamp, Username};
use palisade_store::{NewApiToken, NewUser};
use reqwest::{Method, StatusCode};

use crate::harness::Ctx;

pub fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    Timestamp::from_millis(i64::try_from(ms).unwrap())
}

pub const DAY_MS: i64 = 86_400_000;

pub fn grant(role: Role, connector: Option<&str>) -> Grant {
    Grant {
        role,
        scope: connector.map_or(RoleScope::All, |c| RoleScope::Connector(c.to_owned())),
    }
}

/// A user with `grants` and a token for them; returns the token text and the user id.
pub async fn user_with_token(
    ctx: &Ctx,
    name: &str,
    grants: &[Grant],
    expires_in_ms: i64,
) -> (String, String) {
    let user = ctx
        .store
        .create_user(
            &NewUser {
                username: Username::parse(name).unwrap(),
                display_name: None,
                password_hash: None,
            },
            grants,
            "test",
            now(),
        )
        .await
        .unwrap();
    let (id, token) = palisade_auth::token::generate().unwrap();
    let created = Timestamp::from_millis(now().millis() - 3_600_000);
    ctx.store
        .create_api_token(
            &NewApiToken {
                id: id.clone(),
                user_id: user.id.clone(),
                name: "test".into(),
                secret_hash: token.digest(),
                expires_at: Some(Timestamp::from_millis(now().millis() + expires_in_ms)),
            },
            "test",
            created,
        )
        .await
        .unwrap();
    (token.expose().to_owned(), user.id)
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// Any call; the body as text. Never a 5xx.
pub async fn send_raw(
    ctx: &Ctx,
    method: Method,
    path: &str,
    auth: Option<&str>,
    body: Option<(Vec<u8>, &str)>,
) -> (StatusCode, String) {
    let mut req = reqwest::Client::new().request(method.clone(), format!("{}{path}", ctx.server_url()));
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    if let Some((bytes, content_type)) = body {
        req = req.header("content-type", content_type).body(bytes);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    assert!(!status.is_server_error(), "{method} {path}: {status} {text}");
    (status, text)
}

/// Any call; the body as JSON (`Null` when it is not JSON).
pub async fn send(
    ctx: &Ctx,
    method: Method,
    path: &str,
    auth: Option<&str>,
    body: Option<(Vec<u8>, &str)>,
) -> (StatusCode, serde_json::Value) {
    let (status, text) = send_raw(ctx, method, path, auth, body).await;
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

pub async fn call(ctx: &Ctx, path: &str, auth: Option<&str>) -> (StatusCode, serde_json::Value) {
    send(ctx, Method::GET, path, auth, None).await
}

pub async fn post(
    ctx: &Ctx,
    path: &str,
    auth: &str,
    body: String,
    content_type: &str,
) -> (StatusCode, serde_json::Value) {
    send(
        ctx,
        Method::POST,
        path,
        Some(auth),
        Some((body.into_bytes(), content_type)),
    )
    .await
}

/// Calls the API and keeps every answer, to check none shows a secret.
pub struct Api<'a> {
    pub ctx: &'a Ctx,
    seen: std::sync::Mutex<Vec<String>>,
}

impl<'a> Api<'a> {
    pub fn new(ctx: &'a Ctx) -> Self {
        Self {
            ctx,
            seen: std::sync::Mutex::new(Vec::new()),
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> (StatusCode, serde_json::Value) {
        let auth = bearer(token);
        let body = body.map(|b| (b.to_string().into_bytes(), "application/json"));
        let (status, text) = send_raw(self.ctx, method, path, Some(&auth), body).await;
        self.seen.lock().unwrap().push(text.clone());
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, serde_json::Value) {
        self.send(Method::GET, path, token, None).await
    }

    pub async fn post(
        &self,
        path: &str,
        token: &str,
        body: serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        self.send(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(
        &self,
        path: &str,
        token: &str,
        body: serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        self.send(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> (StatusCode, serde_json::Value) {
        self.send(Method::DELETE, path, token, None).await
    }

    /// A GET that must succeed.
    pub async fn ok(&self, path: &str, token: &str) -> serde_json::Value {
        let (status, body) = self.get(path, token).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// A download: status, headers and body. Never a 5xx.
    pub async fn download(
        &self,
        path: &str,
        token: &str,
    ) -> (StatusCode, reqwest::header::HeaderMap, String) {
        let resp = reqwest::Client::new()
            .get(format!("{}{path}", self.ctx.server_url()))
            .header("authorization", bearer(token))
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        assert!(!status.is_server_error(), "GET {path}: {status} {text}");
        self.seen.lock().unwrap().push(text.clone());
        (status, headers, text)
    }

    /// How many answers so far held `text`.
    pub fn times_shown(&self, text: &str) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|t| t.contains(text))
            .count()
    }

    /// No answer so far held any of `secrets`.
    pub fn assert_never_shown(&self, secrets: &[&str]) {
        let seen = self.seen.lock().unwrap();
        assert!(seen.len() > 10, "answers were recorded");
        for text in seen.iter() {
            for s in secrets {
                assert!(!text.contains(s), "an answer shows a secret: {text}");
            }
        }
    }
}

/// The password of users made by [`password_user`].
pub const PASSWORD: &str = "correct horse battery staple";

/// A user who signs in to the console with [`PASSWORD`].
pub async fn password_user(ctx: &Ctx, name: &str, grants: &[Grant]) {
    ctx.store
        .create_user(
            &NewUser {
                username: Username::parse(name).unwrap(),
                display_name: None,
                password_hash: Some(palisade_auth::hash_password(PASSWORD).unwrap()),
            },
            grants,
            "test",
            now(),
        )
        .await
        .unwrap();
}
