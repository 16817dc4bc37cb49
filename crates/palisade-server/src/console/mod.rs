//! The web console: pages rendered on the server (askama templates in
//! `templates/`, HTML-escaped by default), one stylesheet and no script a
//! page needs, no resource from another origin. Every page asks for a
//! signed-in [`session::Viewer`] and shows only what the viewer's roles
//! reach; every form carries the session's CSRF token and is refused from
//! another origin.

mod chart;
mod connectors;
mod findings;
mod inventory;
mod overview;
mod posture;
pub(crate) mod session;

use std::fmt::Write as _;

use askama::Template;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use palisade_auth::Action;
use palisade_store::StoreError;

use crate::AppState;

/// Why a console request failed, as a page.
#[derive(Debug)]
pub(crate) enum ConsoleError {
    /// Not signed in: to the sign-in page, then back to this path.
    SignIn(String),
    Forbidden(Action),
    /// A form without this session's token.
    Csrf,
    /// A state-changing request from another site.
    CrossSite,
    NotFound(String),
    BadRequest(String),
    Unavailable(String),
}

impl From<StoreError> for ConsoleError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => Self::NotFound(m),
            StoreError::Conflict(m) => Self::BadRequest(m),
            other => {
                tracing::warn!(error = %other, "store error in a console page");
                Self::Unavailable("The database is not available. Retry in a moment.".into())
            }
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: &'static str,
    message: String,
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            Self::SignIn(next) => {
                let next: String = url_escape(&next);
                return Redirect::to(&format!("/login?next={next}")).into_response();
            }
            Self::Forbidden(action) => (
                StatusCode::FORBIDDEN,
                "Not allowed",
                format!("Your roles do not allow {action}. Ask an administrator for a role that does."),
            ),
            Self::Csrf => (
                StatusCode::FORBIDDEN,
                "Form expired",
                "This form is out of date or was not sent by palisade. Go back, reload the page and try again.".into(),
            ),
            Self::CrossSite => (
                StatusCode::FORBIDDEN,
                "Refused",
                "This request came from another site.".into(),
            ),
            Self::NotFound(what) => (StatusCode::NOT_FOUND, "Not found", format!("Not found: {what}.")),
            Self::BadRequest(m) => (StatusCode::BAD_REQUEST, "Bad request", m),
            Self::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, "Unavailable", m),
        };
        let mut r = page(&ErrorPage { title, message });
        *r.status_mut() = status;
        r
    }
}

/// Percent-encodes a query value.
pub(crate) fn url_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Renders a template as a page.
pub(crate) fn page(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a console template failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered",
            )
                .into_response()
        }
    }
}

/// Headers on every console answer: no framing, no foreign resources, no
/// inline script, nothing cached.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

const STYLESHEET: &str = include_str!("../../static/console.css");

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// The console's routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/overview") }))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/overview", get(overview::overview))
        .route("/inventory", get(inventory::inventory))
        .route("/findings", get(findings::findings))
        .route("/findings/triage", post(findings::triage))
        .route("/findings/{id}", get(findings::finding))
        .route("/connectors", get(connectors::list).post(connectors::create))
        .route("/connectors/new", get(connectors::new_form))
        .route("/connectors/{id}", get(connectors::detail))
        .route("/connectors/{id}/{action}", post(connectors::act))
        .route("/posture", get(posture::posture))
        .route("/posture/checks/{id}", get(posture::check))
        .route(
            "/posture/exemptions",
            get(posture::exemptions).post(posture::exempt),
        )
        .route("/posture/exemptions/{id}/revoke", post(posture::revoke))
        .route("/static/console.css", get(stylesheet))
        .layer(axum::middleware::from_fn(security_headers))
}
