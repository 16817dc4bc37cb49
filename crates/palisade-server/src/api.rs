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
use palisade_domain::{ExemptionTarget, Grant, PostureStatus, ResourceKey, Severity, Timestamp, Username};
use palisade_store::{
    ConnectorId, Exemption, NewAuditEntry, NewExemption, PostureFilter, ResourceFilter, StoreError,
    StoredResource,
};
use serde::{Deserialize, Serialize};

use crate::AppState;

/// Most results one call returns.
const MAX_LIMIT: u32 = 10_000;

/// Largest request body accepted.
const MAX_BODY: usize = 64 * 1024;

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
        .route("/api/v1/inventory", get(inventory))
        .route("/api/v1/posture/results", get(posture_results))
        .route(
            "/api/v1/posture/exemptions",
            get(list_exemptions)
                .post(create_exemption)
                .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY)),
        )
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
    // Connector-scoped callers see their connectors' results only.
    let connectors = match palisade_auth::reach(&caller.grants, Action::ReadInventory) {
        Reach::Nowhere => return Err(ApiError::forbidden(Action::ReadInventory)),
        Reach::All => Vec::new(),
        Reach::Connectors(ids) => ids.iter().filter_map(|id| ConnectorId::parse(id)).collect(),
    };
    if connectors.is_empty() && !palisade_auth::allows(&caller.grants, Action::ReadInventory, None) {
        // Grants naming no valid connector reach nothing.
        return Ok(Json(Vec::<palisade_store::StoredPostureResult>::new()).into_response());
    }
    let filter = PostureFilter {
        connectors,
        statuses: list(q.status.as_deref(), |s| PostureStatus::parse(s).ok(), "status")?,
        severities: list(q.severity.as_deref(), |s| s.parse::<Severity>().ok(), "severity")?,
        checks: list(
            q.check.as_deref(),
            |s| palisade_posture::find(s).map(|c| c.id.to_owned()),
            "check",
        )?,
        limit,
        ..PostureFilter::default()
    };
    Ok(Json(state.engine.store().posture_results(&filter).await?).into_response())
}

async fn list_exemptions(
    caller: Caller,
    State(state): State<AppState>,
) -> Result<Json<Vec<Exemption>>, ApiError> {
    if matches!(
        palisade_auth::reach(&caller.grants, Action::ReadInventory),
        Reach::Nowhere
    ) {
        return Err(ApiError::forbidden(Action::ReadInventory));
    }
    Ok(Json(state.engine.store().list_exemptions(true, now()).await?))
}

/// Body of `POST /api/v1/posture/exemptions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExemptionBody {
    check: String,
    /// One resource, by key.
    resource: Option<String>,
    /// `{org id}` or `{org id}/{project id}`.
    scope: Option<String>,
    reason: String,
    /// RFC 3339; absent: until revoked.
    expires_at: Option<String>,
}

async fn create_exemption(
    caller: Caller,
    State(state): State<AppState>,
    body: Result<Json<ExemptionBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(b) = body.map_err(|e| {
        let status = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            StatusCode::PAYLOAD_TOO_LARGE
        } else if e.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        } else {
            StatusCode::BAD_REQUEST
        };
        ApiError::new(status, "bad-request", e.body_text())
    })?;
    let check = palisade_posture::find(b.check.trim())
        .ok_or_else(|| ApiError::bad_request(format!("unknown posture check {:?}", b.check)))?;
    let reason = b.reason.trim();
    if reason.is_empty() || reason.len() > 2000 {
        return Err(ApiError::bad_request(
            "reason must say why the failure is accepted (1 to 2000 bytes)",
        ));
    }
    let at = now();
    let expires_at = match &b.expires_at {
        None => None,
        Some(t) => {
            let ts = parse_rfc3339(t)
                .ok_or_else(|| ApiError::bad_request(format!("expires_at {t:?} is not RFC 3339")))?;
            if ts <= at {
                return Err(ApiError::bad_request("expires_at must be in the future"));
            }
            Some(ts)
        }
    };
    let (target, mut filter) = match (&b.resource, &b.scope) {
        (Some(r), None) => {
            let key = ResourceKey::from_stored(r.trim().to_ascii_lowercase());
            (
                ExemptionTarget::Resource(key.clone()),
                PostureFilter {
                    resource: Some(key),
                    ..PostureFilter::default()
                },
            )
        }
        (None, Some(s)) => {
            let s = s.trim().to_ascii_lowercase();
            let (org, project) = match s.split_once('/') {
                Some((o, p)) => (o.to_owned(), Some(p.to_owned())),
                None => (s.clone(), None),
            };
            (
                ExemptionTarget::Scope(s),
                PostureFilter {
                    org_id: Some(org),
                    project_id: project,
                    ..PostureFilter::default()
                },
            )
        }
        _ => return Err(ApiError::bad_request("give exactly one of resource and scope")),
    };
    // The connectors the exemption touches: those of the results it covers.
    filter.checks = vec![check.id.to_owned()];
    let covered = state.engine.store().posture_results(&filter).await?;
    if covered.is_empty() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("{} has no result there: nothing to exempt", check.id),
        ));
    }
    for r in &covered {
        caller.require(Action::ManagePosture, Some(r.connector.as_str()))?;
    }
    let store = state.engine.store();
    let e = store
        .create_exemption(
            &NewExemption {
                check_id: check.id.to_owned(),
                target,
                reason: reason.to_owned(),
                author: caller.username.to_string(),
                expires_at,
            },
            at,
        )
        .await?;
    store
        .append_audit(&NewAuditEntry {
            at,
            actor: caller.username.to_string(),
            action: "exemption.create".into(),
            target: e.id.clone(),
            source: Some("api".into()),
            details: serde_json::json!({"check": e.check_id, "target": e.target, "expires_at": e.expires_at}),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(e)).into_response())
}

fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    let t = text.trim();
    // Refuse absurd lengths before parsing.
    if t.len() > 40 {
        return None;
    }
    chrono::DateTime::parse_from_rfc3339(t)
        .ok()
        .map(|d| Timestamp::from_millis(d.timestamp_millis()))
}

/// Query of `GET /api/v1/inventory`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryQuery {
    /// Comma-separated resource kinds.
    kind: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

/// The discovered resources of the connectors the caller may read, a page at a time.
async fn inventory(
    caller: Caller,
    State(state): State<AppState>,
    query: Result<Query<InventoryQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<StoredResource>>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = q.limit.unwrap_or(1000);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::bad_request(format!("limit must be 1 to {MAX_LIMIT}")));
    }
    let kinds = list(
        q.kind.as_deref(),
        palisade_domain::ResourceKind::parse,
        "resource kind",
    )?;
    let offset = q.offset.unwrap_or(0);
    let store = state.engine.store();
    let page = |connector: Option<ConnectorId>, limit: u32, offset: u32| ResourceFilter {
        connector,
        kinds: kinds.clone(),
        limit: Some(limit),
        offset,
        ..ResourceFilter::default()
    };
    match palisade_auth::reach(&caller.grants, Action::ReadInventory) {
        Reach::Nowhere => Err(ApiError::forbidden(Action::ReadInventory)),
        Reach::All => Ok(Json(store.list_resources(&page(None, limit, offset)).await?)),
        Reach::Connectors(ids) => {
            // Few connectors per caller: their pages in connector order.
            let mut out = Vec::new();
            let mut skip = offset as usize;
            for id in ids {
                let Some(id) = ConnectorId::parse(&id) else {
                    continue;
                };
                let want = skip + limit as usize - out.len();
                let rows = store
                    .list_resources(&page(Some(id), u32::try_from(want).unwrap_or(u32::MAX), 0))
                    .await?;
                let n = rows.len();
                out.extend(rows.into_iter().skip(skip));
                skip = skip.saturating_sub(n);
                if out.len() >= limit as usize {
                    break;
                }
            }
            out.truncate(limit as usize);
            Ok(Json(out))
        }
    }
}
