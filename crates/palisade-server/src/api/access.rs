//! `/api/v1/users`, `/api/v1/audit` and `/api/v1/tokens`: local users and
//! the audit log (installation admins only), and the caller's own API
//! tokens. A new token's text is in the answer that creates it and nowhere
//! else: the store keeps only the digest of its secret.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use palisade_auth::Action;
use palisade_domain::Timestamp;
use palisade_store::{ApiTokenRecord, AuditEntry, AuditFilter, NewApiToken, StoreError, UserRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::shared::{ApiPath, shown};
use super::{ApiError, ApiJson, ApiQuery, Caller, ErrorBody, limit, now, parse_rfc3339};
use crate::AppState;

const DAY_MS: i64 = 86_400_000;
/// Longest life of a token created through the API, in days.
const MAX_TOKEN_DAYS: u32 = 366;
/// Longest token name, in bytes.
const MAX_TOKEN_NAME: usize = 200;

#[derive(OpenApi)]
#[openapi(paths(list_users, audit_log, list_tokens, create_token, revoke_token))]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(list_users))
        .route("/api/v1/audit", get(audit_log))
        .route("/api/v1/tokens", get(list_tokens).post(create_token))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
}

/// Every local user with their roles (never a password hash).
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "access",
    responses(
        (status = 200, body = Vec<UserRecord>),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Only an administrator of the whole installation may list users"),
    )
)]
async fn list_users(
    caller: Caller,
    State(state): State<AppState>,
) -> Result<Json<Vec<UserRecord>>, ApiError> {
    caller.require(Action::ManageUsers, None)?;
    Ok(Json(state.engine.store().list_users().await?))
}

/// Query of `GET /api/v1/audit`; unknown parameters are refused.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    /// Only changes by this actor (a user name, `cli:{os user}`, `system`), exactly.
    actor: Option<String>,
    /// Only actions starting with this (`token.`, `finding.triage`, ...).
    action: Option<String>,
    /// Only changes at or after this time (RFC 3339).
    since: Option<String>,
    /// At most this many entries (1 to 10,000; default 100).
    limit: Option<u32>,
}

/// The audit log, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "access",
    params(AuditQuery),
    responses(
        (status = 200, body = Vec<AuditEntry>),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "Only an administrator of the whole installation may read the audit log"),
    )
)]
async fn audit_log(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    caller.require(Action::ReadAudit, None)?;
    let limit = limit(q.limit, 100)?;
    let text = |v: Option<String>, what: &str| -> Result<Option<String>, ApiError> {
        let v = v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        if v.as_ref().is_some_and(|s| s.len() > 200) {
            return Err(ApiError::bad_request(format!("{what} has at most 200 bytes")));
        }
        Ok(v)
    };
    let since = match q.since.as_deref() {
        None => None,
        Some(t) => Some(
            parse_rfc3339(t)
                .ok_or_else(|| ApiError::bad_request(format!("since {:?} is not RFC 3339", shown(t))))?,
        ),
    };
    let filter = AuditFilter {
        actor: text(q.actor, "actor")?,
        action_prefix: text(q.action, "action")?,
        since,
        limit,
    };
    Ok(Json(state.engine.store().audit_log(&filter).await?))
}

/// One of the caller's API tokens (never its secret or digest).
#[derive(Serialize, ToSchema)]
struct TokenView {
    /// The public id (in the token's text after `pal_`).
    id: String,
    name: String,
    /// `active`, `revoked` or `expired`.
    state: &'static str,
    /// The token of this very call.
    current: bool,
    created_at: Timestamp,
    expires_at: Option<Timestamp>,
    revoked_at: Option<Timestamp>,
    last_used_at: Option<Timestamp>,
}

impl TokenView {
    fn new(t: &ApiTokenRecord, caller: &Caller, at: Timestamp) -> Self {
        let state = if t.revoked_at.is_some() {
            "revoked"
        } else if t.is_active(at) {
            "active"
        } else {
            "expired"
        };
        Self {
            id: t.id.clone(),
            name: t.name.clone(),
            state,
            current: t.id == caller.token,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            last_used_at: t.last_used_at,
        }
    }
}

/// The caller's own API tokens, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "access",
    responses(
        (status = 200, body = Vec<TokenView>),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
async fn list_tokens(
    caller: Caller,
    State(state): State<AppState>,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    caller.require(Action::ManageOwnTokens, None)?;
    let at = now();
    let tokens = state
        .engine
        .store()
        .list_api_tokens(Some(&caller.user_id))
        .await?;
    Ok(Json(
        tokens.iter().map(|t| TokenView::new(t, &caller, at)).collect(),
    ))
}

/// Body of `POST /api/v1/tokens`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewTokenBody {
    /// What the token is for (1 to 200 bytes).
    name: String,
    /// Days until it expires, 1 to 366.
    expires_in_days: u32,
}

/// A token just created: its text is shown here once and never again.
#[derive(Serialize, ToSchema)]
struct CreatedToken {
    /// The whole token, `pal_<id>_<secret>`: send it as `Authorization: Bearer ...`.
    token: String,
    #[serde(flatten)]
    record: TokenView,
}

/// Creates an API token for the caller, with the caller's roles (audited as
/// `token.create`, without its secret).
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "access",
    request_body = NewTokenBody,
    responses(
        (status = 201, body = CreatedToken, description = "The token's text is in this answer only"),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
    )
)]
async fn create_token(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(b): ApiJson<NewTokenBody>,
) -> Result<Response, ApiError> {
    caller.require(Action::ManageOwnTokens, None)?;
    let name = b.name.trim();
    if name.is_empty() || name.len() > MAX_TOKEN_NAME || name.chars().any(char::is_control) {
        return Err(ApiError::bad_request(format!(
            "name says what the token is for: 1 to {MAX_TOKEN_NAME} bytes, no control characters"
        )));
    }
    if b.expires_in_days == 0 || b.expires_in_days > MAX_TOKEN_DAYS {
        return Err(ApiError::bad_request(format!(
            "expires_in_days must be 1 to {MAX_TOKEN_DAYS}"
        )));
    }
    let at = now();
    let expires_at = Timestamp::from_millis(at.millis() + i64::from(b.expires_in_days) * DAY_MS);
    let (id, token) = palisade_auth::token::generate().map_err(|e| {
        tracing::error!(error = %e, "cannot read random bytes for an API token");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the server cannot make a token now; retry later",
        )
    })?;
    let record = state
        .engine
        .store()
        .create_api_token(
            &NewApiToken {
                id,
                user_id: caller.user_id.clone(),
                name: name.to_owned(),
                secret_hash: token.digest(),
                expires_at: Some(expires_at),
            },
            caller.username.as_str(),
            at,
        )
        .await?;
    let body = CreatedToken {
        token: token.expose().to_owned(),
        record: TokenView::new(&record, &caller, at),
    };
    let mut r = (StatusCode::CREATED, Json(body)).into_response();
    // The secret must not linger in a cache.
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// Revokes one of the caller's tokens; an installation admin may revoke
/// anyone's (audited as `token.revoke`).
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    tag = "access",
    params(("id" = String, Path, description = "Token id (16 hex digits, as GET /api/v1/tokens shows)")),
    responses(
        (status = 200, body = TokenView, description = "The token, revoked"),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such token, or not one of the caller's"),
        (status = 409, body = ErrorBody, description = "Already revoked"),
    )
)]
async fn revoke_token(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<TokenView>, ApiError> {
    caller.require(Action::ManageOwnTokens, None)?;
    let id = id.trim();
    if id.len() != palisade_auth::token::ID_LEN || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(ApiError::bad_request(format!(
            "{:?} is not a token id (16 lowercase hex digits, as GET /api/v1/tokens shows)",
            shown(id)
        )));
    }
    let missing = || ApiError::not_found(format!("no token {id} of yours"));
    let store = state.engine.store();
    let token = match store.api_token(id).await {
        Ok(t) => t,
        Err(StoreError::NotFound(_)) => return Err(missing()),
        Err(e) => return Err(e.into()),
    };
    let admin = palisade_auth::allows(&caller.grants, Action::ManageUsers, None);
    if token.user_id != caller.user_id && !admin {
        return Err(missing());
    }
    let at = now();
    let revoked = match store.revoke_api_token(id, caller.username.as_str(), at).await {
        Ok(t) => t,
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("token {id} is already revoked"),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(Json(TokenView::new(&revoked, &caller, at)))
}
