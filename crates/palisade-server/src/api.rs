//! The REST API, `/api/v1`: API tokens as bearer credentials, each call
//! allowed by the caller's roles at the connectors it touches, typed JSON
//! errors with a stable `code` and a message a person can act on.
//!
//! First endpoints: who the caller is, the posture catalogue and posture
//! results (only of the connectors the caller may read).

use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use palisade_auth::{Action, Reach};
use palisade_domain::{Grant, PostureStatus, Severity, Timestamp, Username};
use palisade_store::{PostureFilter, StoreError};
use serde::{Deserialize, Serialize};

use crate::AppState;

/// Most results one call returns.
const MAX_LIMIT: u32 = 10_000;

/// An error as the API answers it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    fn forbidden(action: Action) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("your roles do not allow {action}; ask an administrator for a role that does"),
        )
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => {
                Self::new(StatusCode::NOT_FOUND, "not-found", format!("not found: {m}"))
            }
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (
            self.status,
            Json(serde_json::json!({ "code": self.code, "message": self.message })),
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

/// The authenticated caller.
#[derive(Clone, Debug, Serialize)]
pub struct Caller {
    pub user_id: String,
    pub username: Username,
    pub grants: Vec<Grant>,
    /// The API token used.
    pub token: String,
}

impl Caller {
    fn require(&self, action: Action, connector: Option<&str>) -> Result<(), ApiError> {
        if palisade_auth::allows(&self.grants, action, connector) {
            Ok(())
        } else {
            Err(ApiError::forbidden(action))
        }
    }
}

fn now() -> Timestamp {
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

/// The `/api/v1` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/posture/checks", get(posture_checks))
        .route("/api/v1/posture/results", get(posture_results))
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not-found",
                "no such API endpoint; the API is under /api/v1",
            )
        })
}

async fn me(caller: Caller) -> Json<Caller> {
    Json(caller)
}

#[derive(Serialize)]
struct CheckInfo {
    id: &'static str,
    title: &'static str,
    severity: Severity,
    resource: &'static str,
    rationale: &'static str,
    remediation: &'static [&'static str],
    references: &'static [&'static str],
    permissions: &'static str,
    defender: Option<&'static str>,
}

async fn posture_checks(caller: Caller) -> Result<Json<Vec<CheckInfo>>, ApiError> {
    // The catalogue is the same for everyone who may read anything.
    if matches!(
        palisade_auth::reach(&caller.grants, Action::ReadInventory),
        Reach::Nowhere
    ) {
        return Err(ApiError::forbidden(Action::ReadInventory));
    }
    Ok(Json(
        palisade_posture::all()
            .iter()
            .map(|c| CheckInfo {
                id: c.id,
                title: c.title,
                severity: c.severity,
                resource: c.target.as_str(),
                rationale: c.rationale,
                remediation: c.remediation,
                references: c.references,
                permissions: c.permissions,
                defender: c.defender,
            })
            .collect(),
    ))
}

/// Query of `GET /api/v1/posture/results`; unknown parameters are refused.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResultsQuery {
    /// Comma-separated statuses.
    status: Option<String>,
    /// Comma-separated severities.
    severity: Option<String>,
    /// Comma-separated check ids.
    check: Option<String>,
    limit: Option<u32>,
}

fn list<T>(text: Option<&str>, parse: impl Fn(&str) -> Option<T>, what: &str) -> Result<Vec<T>, ApiError> {
    text.into_iter()
        .flat_map(|t| t.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| parse(s).ok_or_else(|| ApiError::bad_request(format!("unknown {what} {s:?}"))))
        .collect()
}

async fn posture_results(
    caller: Caller,
    State(state): State<AppState>,
    query: Result<Query<ResultsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = q.limit.unwrap_or(1000);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::bad_request(format!("limit must be 1 to {MAX_LIMIT}")));
    }
    let reach = palisade_auth::reach(&caller.grants, Action::ReadInventory);
    if matches!(reach, Reach::Nowhere) {
        caller.require(Action::ReadInventory, None)?;
    }
    let filter = PostureFilter {
        statuses: list(q.status.as_deref(), |s| PostureStatus::parse(s).ok(), "status")?,
        severities: list(q.severity.as_deref(), |s| s.parse::<Severity>().ok(), "severity")?,
        checks: list(
            q.check.as_deref(),
            |s| palisade_posture::find(s).map(|c| c.id.to_owned()),
            "check",
        )?,
        limit: if matches!(reach, Reach::All) { limit } else { 0 },
        ..PostureFilter::default()
    };
    let mut rows = state.engine.store().posture_results(&filter).await?;
    // Connector-scoped callers see their connectors' results only.
    if !matches!(reach, Reach::All) {
        rows.retain(|r| reach.covers(r.connector.as_str()));
        rows.truncate(limit as usize);
    }
    Ok(Json(rows).into_response())
}
