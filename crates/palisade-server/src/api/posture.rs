//! `/api/v1/posture`: the check catalogue, results (only of the connectors
//! the caller may read) and exemptions.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use palisade_auth::Action;
use palisade_domain::{ExemptionTarget, PostureStatus, ResourceKey, ResourceKind, Severity};
use palisade_store::{Exemption, NewExemption, PostureFilter, ResourceFilter, StoredPostureResult};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{ApiError, ApiJson, ApiQuery, Caller, ErrorBody, limit, list, now, parse_rfc3339};
use crate::AppState;

#[derive(OpenApi)]
#[openapi(paths(posture_checks, posture_results, list_exemptions, create_exemption))]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/posture/checks", get(posture_checks))
        .route("/api/v1/posture/results", get(posture_results))
        .route(
            "/api/v1/posture/exemptions",
            get(list_exemptions).post(create_exemption),
        )
}

/// A posture check of the catalogue.
#[derive(Serialize, ToSchema)]
struct CheckInfo {
    id: &'static str,
    title: &'static str,
    severity: Severity,
    /// The kind of resource it judges.
    resource: &'static str,
    rationale: &'static str,
    remediation: &'static [&'static str],
    references: &'static [&'static str],
    /// The permission discovery needs to read its data.
    permissions: &'static str,
    /// The Defender for Cloud recommendation it covers.
    defender: Option<&'static str>,
}

/// Every posture check palisade runs.
#[utoipa::path(
    get,
    path = "/api/v1/posture/checks",
    tag = "posture",
    responses(
        (status = 200, body = Vec<CheckInfo>),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
async fn posture_checks(caller: Caller) -> Result<Json<Vec<CheckInfo>>, ApiError> {
    // The catalogue is the same for everyone who may read anything.
    caller.connectors(Action::ReadInventory)?;
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
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ResultsQuery {
    /// Comma-separated statuses (`pass`, `fail`, `unknown`, `not-applicable`).
    status: Option<String>,
    /// Comma-separated severities.
    severity: Option<String>,
    /// Comma-separated check ids.
    check: Option<String>,
    /// At most this many results (1 to 10,000; default 1,000).
    limit: Option<u32>,
}

/// Current posture results of the connectors the caller may read.
#[utoipa::path(
    get,
    path = "/api/v1/posture/results",
    tag = "posture",
    params(ResultsQuery),
    responses(
        (status = 200, body = Vec<StoredPostureResult>),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
async fn posture_results(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ResultsQuery>,
) -> Result<Json<Vec<StoredPostureResult>>, ApiError> {
    let limit = limit(q.limit, 1000)?;
    let connectors = caller.connectors(Action::ReadInventory)?;
    if connectors.as_ref().is_some_and(BTreeSet::is_empty) {
        return Ok(Json(Vec::new()));
    }
    let filter = PostureFilter {
        connectors: connectors.map(|c| c.into_iter().collect()).unwrap_or_default(),
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
    Ok(Json(state.engine.store().posture_results(&filter).await?))
}

/// The organization ids of `connectors`' inventories.
async fn org_ids(
    state: &AppState,
    connectors: &BTreeSet<palisade_store::ConnectorId>,
) -> Result<BTreeSet<String>, ApiError> {
    let mut orgs = BTreeSet::new();
    for c in connectors {
        let found = state
            .engine
            .store()
            .list_resources(&ResourceFilter {
                connector: Some(c.clone()),
                kinds: vec![ResourceKind::Organization],
                ..ResourceFilter::default()
            })
            .await?;
        orgs.extend(found.into_iter().map(|r| org_of(r.key.as_str()).to_owned()));
    }
    Ok(orgs)
}

/// The organization id an exemption target or resource key starts with.
fn org_of(key: &str) -> &str {
    key.split('/').next().unwrap_or_default()
}

/// Exemptions, active and past, of the organizations the caller may read.
#[utoipa::path(
    get,
    path = "/api/v1/posture/exemptions",
    tag = "posture",
    responses(
        (status = 200, body = Vec<Exemption>),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
async fn list_exemptions(
    caller: Caller,
    State(state): State<AppState>,
) -> Result<Json<Vec<Exemption>>, ApiError> {
    let connectors = caller.connectors(Action::ReadInventory)?;
    let mut all = state.engine.store().list_exemptions(true, now()).await?;
    if let Some(connectors) = connectors {
        let orgs = org_ids(&state, &connectors).await?;
        all.retain(|e| {
            let target = match &e.target {
                ExemptionTarget::Resource(k) => k.as_str(),
                ExemptionTarget::Scope(s) => s.as_str(),
            };
            orgs.contains(org_of(target))
        });
    }
    Ok(Json(all))
}

/// Body of `POST /api/v1/posture/exemptions`: exactly one of `resource` and `scope`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ExemptionBody {
    /// The check whose failure is accepted.
    check: String,
    /// One resource, by key.
    resource: Option<String>,
    /// `{org id}` or `{org id}/{project id}`.
    scope: Option<String>,
    /// Why the failure is accepted (1 to 2,000 bytes).
    reason: String,
    /// RFC 3339, in the future; absent: until revoked.
    expires_at: Option<String>,
}

/// Accepts a check's failure on a resource or a scope, until a date or until revoked.
#[utoipa::path(
    post,
    path = "/api/v1/posture/exemptions",
    tag = "posture",
    request_body = ExemptionBody,
    responses(
        (status = 201, body = Exemption),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "The caller may not manage posture on a connector the exemption touches"),
        (status = 404, body = ErrorBody, description = "The check has no result there"),
        (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
    )
)]
async fn create_exemption(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(b): ApiJson<ExemptionBody>,
) -> Result<Response, ApiError> {
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
    let store = state.engine.store();
    let covered = store.posture_results(&filter).await?;
    if covered.is_empty() {
        return Err(ApiError::not_found(format!(
            "{} has no result there: nothing to exempt",
            check.id
        )));
    }
    for r in &covered {
        caller.require(Action::ManagePosture, Some(r.connector.as_str()))?;
    }
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
    Ok((StatusCode::CREATED, Json(e)).into_response())
}
