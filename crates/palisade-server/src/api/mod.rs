//! The REST API, `/api/v1`: API tokens as bearer credentials, each call
//! allowed by the caller's roles at the connectors it touches, typed JSON
//! errors with a stable `code` and a message a person can act on.
//!
//! One module per area; each has its routes and its part of the OpenAPI
//! document ([`openapi`]), which is served at `/api/v1/openapi.json` and
//! kept in `docs/openapi.json` (a test checks it is current).

mod access;
mod connectors;
mod findings;
mod inventory;
mod posture;
mod scans;
mod shared;
mod stats;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use palisade_auth::Action;
use palisade_domain::{Grant, Timestamp, Username};
use palisade_store::{ConnectorId, StoreError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{OpenApi, ToSchema};

use crate::AppState;

/// Most results one call returns.
pub(crate) const MAX_LIMIT: u32 = 10_000;

/// Largest request body accepted unless a route says otherwise.
pub(crate) const MAX_BODY: usize = 64 * 1024;

/// An error as the API answers it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

/// The body of every error answer.
#[derive(Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    /// Stable, for programs: `unauthorized`, `forbidden`, `bad-request`,
    /// `not-found`, `conflict`, `payload-too-large`, `unsupported-media-type`, `unavailable`.
    code: &'static str,
    /// For people: what went wrong and what to do.
    message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub(crate) fn forbidden(action: Action) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("your roles do not allow {action}; ask an administrator for a role that does"),
        )
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => Self::not_found(format!("not found: {m}")),
            StoreError::Conflict(m) => Self::new(StatusCode::CONFLICT, "conflict", m),
            other => {
                // Details stay in the log: they may name tables or hosts.
                tracing::warn!(error = %other, "store error in an API call");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the database is not available; retry later",
                )
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "the request body is too large",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "send the body as JSON with Content-Type: application/json",
            ),
            _ => Self::bad_request(e.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(e: QueryRejection) -> Self {
        Self::bad_request(e.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (
            self.status,
            Json(ErrorBody {
                code: self.code,
                message: self.message,
            }),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"palisade\""),
            );
        }
        r
    }
}

/// A JSON body whose every rejection is a typed [`ApiError`].
#[derive(Debug)]
pub(crate) struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(v) = Json::<T>::from_request(req, state).await?;
        Ok(Self(v))
    }
}

/// A query string whose every rejection is a typed [`ApiError`].
#[derive(Debug)]
pub(crate) struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Query(v) = axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Self(v))
    }
}

/// The authenticated caller.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Caller {
    pub user_id: String,
    pub username: Username,
    pub grants: Vec<Grant>,
    /// Id of the API token used.
    pub token: String,
}

impl Caller {
    /// Fails unless the caller may do `action` at `connector` (`None`: the
    /// whole installation).
    pub(crate) fn require(&self, action: Action, connector: Option<&str>) -> Result<(), ApiError> {
        if palisade_auth::allows(&self.grants, action, connector) {
            Ok(())
        } else {
            Err(ApiError::forbidden(action))
        }
    }

    /// The connectors where the caller may do `action`: `None` for all of
    /// them, or a set (possibly empty). Fails when the caller may do it nowhere.
    pub(crate) fn connectors(
        &self,
        action: Action,
    ) -> Result<Option<std::collections::BTreeSet<ConnectorId>>, ApiError> {
        crate::scope::connectors(&self.grants, action).map_err(ApiError::forbidden)
    }
}

pub(crate) fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    Timestamp::from_millis(ms)
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("send an API token: Authorization: Bearer pal_..."))?;
        let text = value
            .to_str()
            .map_err(|_| ApiError::unauthorized("the Authorization header is not text"))?;
        let token = text
            .strip_prefix("Bearer ")
            .ok_or_else(|| ApiError::unauthorized("use the Bearer scheme: Authorization: Bearer pal_..."))?
            .trim();
        let (id, secret) =
            palisade_auth::token::parse(token).map_err(|e| ApiError::unauthorized(e.to_string()))?;
        // One answer for every way a token is wrong: no oracle for ids.
        let invalid = || ApiError::unauthorized("the API token is unknown, revoked or expired");
        let store = state.engine.store();
        let record = match store.api_token(id).await {
            Ok(r) => r,
            Err(StoreError::NotFound(_)) => return Err(invalid()),
            Err(e) => return Err(e.into()),
        };
        let at = now();
        if !palisade_auth::token::matches(&record.secret_hash, secret) || !record.is_active(at) {
            return Err(invalid());
        }
        let user = store.get_user(&record.user_id).await.map_err(|_| invalid())?;
        if user.disabled_at.is_some() {
            return Err(invalid());
        }
        // A failed bookkeeping write never fails the call.
        if record
            .last_used_at
            .is_none_or(|t| at.millis() - t.millis() > 60_000)
            && let Err(e) = store.touch_api_token(&record.id, at).await
        {
            tracing::warn!(error = %e, "could not record an API token's use");
        }
        Ok(Self {
            user_id: user.id,
            username: user.username,
            grants: user.grants,
            token: record.id,
        })
    }
}

/// A comma-separated query parameter parsed item by item; an unknown item
/// is a 400 naming it.
pub(crate) fn list<T>(
    text: Option<&str>,
    parse: impl Fn(&str) -> Option<T>,
    what: &str,
) -> Result<Vec<T>, ApiError> {
    text.into_iter()
        .flat_map(|t| t.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| parse(s).ok_or_else(|| ApiError::bad_request(format!("unknown {what} {s:?}"))))
        .collect()
}

/// `limit` checked against [`MAX_LIMIT`], `default` when absent.
pub(crate) fn limit(value: Option<u32>, default: u32) -> Result<u32, ApiError> {
    let limit = value.unwrap_or(default);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::bad_request(format!("limit must be 1 to {MAX_LIMIT}")));
    }
    Ok(limit)
}

pub(crate) fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    let t = text.trim();
    // Refuse absurd lengths before parsing.
    if t.len() > 40 {
        return None;
    }
    chrono::DateTime::parse_from_rfc3339(t)
        .ok()
        .map(|d| Timestamp::from_millis(d.timestamp_millis()))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "palisade",
        description = "palisade's REST API: connectors, discovery, inventory, scans, findings and posture of Azure DevOps estates. \
                       Every call needs an API token (`palisade tokens create`) as `Authorization: Bearer pal_...`; \
                       what it may see and change follows the token owner's roles.",
        license(name = "Apache-2.0")
    ),
    paths(me),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "access", description = "Who the caller is, the caller's API tokens, users and the audit log"),
        (name = "findings", description = "Findings of scans, their triage and exports"),
        (name = "connectors", description = "Connectors to Azure DevOps organizations, their credentials (write-only) and discovery runs"),
        (name = "inventory", description = "Discovered resources"),
        (name = "posture", description = "Configuration checks, results and exemptions"),
        (name = "scans", description = "Managed repositories, scans on demand, their logs and the jobs that run them"),
        (name = "statistics", description = "Open findings, coverage and posture at a glance, their trend, and the repository inventory"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("pal_<id>_<secret>")
                    .build(),
            ),
        );
        openapi.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "token",
            Vec::<String>::new(),
        )]);
    }
}

/// The OpenAPI document of `/api/v1`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(posture::Doc::openapi());
    doc.merge(inventory::Doc::openapi());
    doc.merge(connectors::Doc::openapi());
    doc.merge(scans::Doc::openapi());
    doc.merge(findings::Doc::openapi());
    doc.merge(stats::Doc::openapi());
    doc.merge(access::Doc::openapi());
    doc
}

/// The `/api/v1` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/openapi.json", get(|| async { Json(openapi()) }))
        .merge(posture::routes())
        .merge(inventory::routes())
        .merge(connectors::routes())
        .merge(scans::routes())
        .merge(findings::routes())
        .merge(stats::routes())
        .merge(access::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .fallback(|| async { ApiError::not_found("no such API endpoint; the API is under /api/v1") })
}

/// Who the caller is: user, roles and the token used.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "access",
    responses(
        (status = 200, body = Caller),
        (status = 401, body = ErrorBody, description = "No token, or an unknown, revoked or expired one"),
    )
)]
async fn me(caller: Caller) -> Json<Caller> {
    Json(caller)
}
