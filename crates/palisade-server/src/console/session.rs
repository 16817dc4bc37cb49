//! Signing in to the console: local users with passwords, sessions kept as
//! digests in the store, cookies that scripts cannot read and other sites
//! cannot send, a CSRF token per session on every form, and a limit on
//! failed sign-ins per user name.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::{ConnectInfo, Form, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use palisade_auth::Action;
use palisade_auth::session::SessionSecret;
use palisade_domain::{Grant, Timestamp, Username};
use palisade_store::{ConnectorId, NewAuditEntry, NewSession, StoreError};
use serde::Deserialize;

use super::{ConsoleError, page};
use crate::AppState;
use crate::api::now;

/// The session cookie's name.
pub(crate) const COOKIE: &str = "palisade_session";
/// A session ends this long after sign-in, however active.
const SESSION_MS: i64 = 12 * 3_600_000;
/// A session ends after this long without a request.
const IDLE_MS: i64 = 30 * 60_000;
/// Failed sign-ins allowed per user name within [`LOCK_MS`].
const MAX_FAILURES: usize = 5;
const LOCK_MS: i64 = 15 * 60_000;

/// Failed sign-ins per user name (lowercase), newest last. In memory: a
/// restart forgets them, which only shortens a lock.
#[derive(Debug, Default)]
pub(crate) struct LoginLimiter(Mutex<HashMap<String, Vec<i64>>>);

impl LoginLimiter {
    /// Minutes left before `name` may try again, if locked.
    fn locked(&self, name: &str, at: i64) -> Option<i64> {
        let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let list = map.get_mut(name)?;
        list.retain(|t| at - t < LOCK_MS);
        (list.len() >= MAX_FAILURES).then(|| ((list[0] + LOCK_MS - at + 59_999) / 60_000).max(1))
    }

    fn failed(&self, name: &str, at: i64) {
        let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Bounded: a flood of made-up names must not grow memory forever.
        if map.len() > 100_000 {
            map.retain(|_, l| l.last().is_some_and(|t| at - t < LOCK_MS));
        }
        map.entry(name.to_owned()).or_default().push(at);
    }

    fn succeeded(&self, name: &str) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(name);
    }
}

/// Console settings that come from `palisade serve`.
#[derive(Debug)]
pub(crate) struct ConsoleConfig {
    /// Mark the cookie `Secure` (browsers then send it only over HTTPS, and
    /// to `localhost` over HTTP).
    pub secure_cookies: bool,
    pub limiter: LoginLimiter,
}

/// The signed-in user of a console request.
#[derive(Clone, Debug)]
pub(crate) struct Viewer {
    pub username: Username,
    pub grants: Vec<Grant>,
    /// The form token of this session.
    pub csrf: String,
    secret: SessionSecret,
}

impl Viewer {
    pub(crate) fn may(&self, action: Action, connector: Option<&str>) -> bool {
        palisade_auth::allows(&self.grants, action, connector)
    }

    /// The connectors where the viewer may do `action`: `None` for all.
    pub(crate) fn connectors(
        &self,
        action: Action,
    ) -> Result<Option<std::collections::BTreeSet<ConnectorId>>, ConsoleError> {
        crate::scope::connectors(&self.grants, action).map_err(ConsoleError::Forbidden)
    }

    /// Fails unless `token` is this session's form token.
    pub(crate) fn check_csrf(&self, token: &str) -> Result<(), ConsoleError> {
        if self.secret.csrf_matches(token) {
            Ok(())
        } else {
            Err(ConsoleError::Csrf)
        }
    }
}

fn cookie_value(headers: &HeaderMap) -> Option<SessionSecret> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .and_then(|(_, v)| SessionSecret::parse(v))
}

/// Where to go after signing in: only a path of this site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && n.len() < 2000 => {
            n.to_owned()
        }
        _ => "/overview".to_owned(),
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ConsoleError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let here = parts
            .uri
            .path_and_query()
            .map_or_else(|| "/overview".to_owned(), |p| p.as_str().to_owned());
        let sign_in = || ConsoleError::SignIn(here.clone());
        let secret = cookie_value(&parts.headers).ok_or_else(sign_in)?;
        let store = state.engine.store();
        let session = match store.session(&secret.digest()).await {
            Ok(s) => s,
            Err(StoreError::NotFound(_)) => return Err(sign_in()),
            Err(e) => return Err(e.into()),
        };
        let at = now().millis();
        if session.expires_at.millis() <= at || session.last_seen_at.millis() + IDLE_MS <= at {
            return Err(sign_in());
        }
        let user = store.get_user(&session.user_id).await.map_err(|_| sign_in())?;
        if user.disabled_at.is_some() {
            return Err(sign_in());
        }
        if at - session.last_seen_at.millis() > 60_000
            && let Err(e) = store
                .touch_session(&session.id_hash, Timestamp::from_millis(at))
                .await
        {
            tracing::warn!(error = %e, "could not record a session's activity");
        }
        Ok(Self {
            username: user.username,
            grants: user.grants,
            csrf: secret.csrf_token(),
            secret,
        })
    }
}

/// Refuses a state-changing request sent by another site: a browser names
/// the page's origin in `Origin` (or at least `Sec-Fetch-Site`).
pub(crate) fn same_origin(headers: &HeaderMap) -> Result<(), ConsoleError> {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Err(ConsoleError::CrossSite);
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let origin_host = origin.split_once("://").map(|(_, h)| h);
        if origin == "null" || origin_host.is_none() || origin_host != host {
            return Err(ConsoleError::CrossSite);
        }
    }
    Ok(())
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    next: String,
    error: Option<String>,
    username: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

pub(crate) async fn login_form(Query(q): Query<NextQuery>) -> Response {
    page(&LoginPage {
        next: safe_next(q.next.as_deref()),
        error: None,
        username: String::new(),
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// A PHC hash to verify against when the user does not exist, so an unknown
/// name takes as long as a wrong password.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| palisade_auth::hash_password("palisade-dummy-password").unwrap_or_default())
}

pub(crate) async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, ConsoleError> {
    same_origin(&headers)?;
    let next = safe_next(f.next.as_deref());
    let name = f.username.trim().to_ascii_lowercase();
    let at = now();
    let refuse = |status: StatusCode, message: String| {
        let mut r = page(&LoginPage {
            next: next.clone(),
            error: Some(message),
            username: f.username.chars().take(64).collect(),
        });
        *r.status_mut() = status;
        r
    };
    let limiter = &state.console.limiter;
    if let Some(minutes) = limiter.locked(&name, at.millis()) {
        return Ok(refuse(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many failed sign-ins for this user. Try again in {minutes} minutes."),
        ));
    }
    let store = state.engine.store().clone();
    let user = match store.get_user(&name).await {
        Ok(u) => Some(u),
        Err(StoreError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let hash = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    let password = f.password;
    // argon2 takes tens of milliseconds of CPU: off the async threads.
    let ok = tokio::task::spawn_blocking(move || palisade_auth::verify_password(&hash, &password))
        .await
        .unwrap_or(false);
    let user = match user {
        Some(u) if ok && u.password_hash.is_some() && u.disabled_at.is_none() => u,
        _ => {
            limiter.failed(&name, at.millis());
            let entry = NewAuditEntry {
                at,
                actor: "anonymous".into(),
                action: "session.refused".into(),
                target: name.chars().take(64).collect(),
                source: Some(peer.ip().to_string()),
                details: serde_json::json!({}),
            };
            if let Err(e) = store.append_audit(&entry).await {
                tracing::warn!(error = %e, "could not audit a failed sign-in");
            }
            return Ok(refuse(
                StatusCode::UNAUTHORIZED,
                "Wrong user name or password.".to_owned(),
            ));
        }
    };
    limiter.succeeded(&name);
    let secret = SessionSecret::generate()
        .map_err(|e| ConsoleError::Unavailable(format!("no randomness for a session: {e}")))?;
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|a| a.chars().take(500).collect());
    store
        .create_session(
            &NewSession {
                id_hash: secret.digest(),
                user_id: user.id,
                expires_at: Timestamp::from_millis(at.millis() + SESSION_MS),
                source: Some(peer.ip().to_string()),
                user_agent: agent,
            },
            at,
        )
        .await?;
    let mut r = Redirect::to(&next).into_response();
    let cookie = format!(
        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        secret.expose(),
        SESSION_MS / 1000,
        if state.console.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| ConsoleError::Unavailable(e.to_string()))?,
    );
    Ok(r)
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Result<Response, ConsoleError> {
    same_origin(&headers)?;
    viewer.check_csrf(&f.csrf)?;
    state
        .engine
        .store()
        .end_session(&viewer.secret.digest(), now())
        .await?;
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("palisade_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(r)
}

/// Shared by the server's state.
pub(crate) fn config(secure_cookies: bool) -> Arc<ConsoleConfig> {
    Arc::new(ConsoleConfig {
        secure_cookies,
        limiter: LoginLimiter::default(),
    })
}
