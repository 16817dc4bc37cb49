//! `/api/v1/overview` and `/api/v1/repos/inventory`: the estate's open
//! findings, scan coverage and posture failures, their daily trend, and
//! the managed repositories with their open findings; each limited to the
//! connectors the caller may read. Open findings are counted per
//! repository, as the console counts them: a secret leaked in two
//! repositories counts once in each.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use palisade_auth::Action;
use palisade_domain::{FindingKind, ManagedState, OrgName, Severity, Timestamp};
use palisade_store::{
    Coverage, DayCounts, FindingOverview, MAX_INVENTORY_PAGE, OverviewFilter, RepoGroupRow,
    RepoInventoryFilter, RepoInventoryRow, RepoSort,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::shared::{connector_id, readable, shown};
use super::{ApiError, ApiQuery, Caller, ErrorBody, list, now};
use crate::AppState;
use crate::scope::{PostureFailing, posture_failing};

/// A repository counts as covered when it was scanned successfully this
/// recently (as on the console's overview).
const FRESH_DAYS: i64 = 7;
const DAY_MS: i64 = 86_400_000;
/// Posture results counted for the overview, at most.
/// Longest trend asked for, in days.
const MAX_TREND_DAYS: u32 = 366;

#[derive(OpenApi)]
#[openapi(paths(overview, trend, repo_inventory))]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/overview", get(overview))
        .route("/api/v1/overview/trend", get(trend))
        .route("/api/v1/repos/inventory", get(repo_inventory))
}

/// The estate at a glance.
#[derive(Serialize, ToSchema)]
struct Overview {
    /// Open findings by kind and severity, per repository.
    findings: FindingOverview,
    /// Scan coverage of the managed repositories that are not archived.
    coverage: Coverage,
    /// A repository is `on` only with a successful scan within this many days.
    fresh_days: i64,
    posture: PostureFailing,
}

/// Open findings, scan coverage and failing posture results of the
/// connectors the caller may read.
#[utoipa::path(
    get,
    path = "/api/v1/overview",
    tag = "statistics",
    responses(
        (status = 200, body = Overview),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
async fn overview(caller: Caller, State(state): State<AppState>) -> Result<Json<Overview>, ApiError> {
    let filter = OverviewFilter {
        connectors: caller.connectors(Action::ReadFindings)?,
    };
    let store = state.engine.store();
    let at = now();
    let findings = store.finding_overview(&filter).await?;
    let coverage = store
        .coverage(&filter, Timestamp::from_millis(at.millis() - FRESH_DAYS * DAY_MS))
        .await?;
    let posture = posture_failing(
        state.engine.store().as_ref(),
        caller.connectors(Action::ReadInventory)?.as_ref(),
    )
    .await?;
    Ok(Json(Overview {
        findings,
        coverage,
        fresh_days: FRESH_DAYS,
        posture,
    }))
}

/// Query of `GET /api/v1/overview/trend`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct TrendQuery {
    /// Days ending today (UTC), 1 to 366; default 30.
    days: Option<u32>,
}

/// Open findings per day (from the daily snapshots; days without one are
/// left out, never shown as zero), oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/overview/trend",
    tag = "statistics",
    params(TrendQuery),
    responses(
        (status = 200, body = Vec<DayCounts>),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
async fn trend(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<TrendQuery>,
) -> Result<Json<Vec<DayCounts>>, ApiError> {
    let days = q.days.unwrap_or(30);
    if days == 0 || days > MAX_TREND_DAYS {
        return Err(ApiError::bad_request(format!(
            "days must be 1 to {MAX_TREND_DAYS}"
        )));
    }
    let filter = OverviewFilter {
        connectors: caller.connectors(Action::ReadFindings)?,
    };
    Ok(Json(
        state.engine.store().finding_trend(&filter, days, now()).await?,
    ))
}

/// Query of `GET /api/v1/repos/inventory`; unknown parameters are refused.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct RepoInventoryQuery {
    /// Only this connector's repositories (its id).
    connector: Option<String>,
    /// Only this organization's.
    org: Option<String>,
    /// Only this project's (its name, exactly).
    project: Option<String>,
    /// Part of the repository name, ignoring case.
    q: Option<String>,
    /// Comma-separated repository states (`offered`, `enabled`, `disabled`, `archived`); absent: all.
    state: Option<String>,
    /// Comma-separated kinds of findings counted; absent: all.
    kind: Option<String>,
    /// Lowest severity of findings counted.
    min_severity: Option<String>,
    /// Only repositories with at least one open finding counted.
    with_findings: Option<bool>,
    /// `name` (default), `findings` (most first) or `last-scanned` (newest first).
    sort: Option<String>,
    /// `project`: one row per organization and project instead of per
    /// repository (`sort`, `limit` and `offset` do not apply).
    group: Option<String>,
    /// At most this many repositories (1 to 500; default 100).
    limit: Option<u32>,
    /// Repositories to skip (in `sort` order).
    offset: Option<u32>,
}

/// The repository inventory: a page of repositories, or with
/// `group=project` every project's totals.
#[derive(Serialize, ToSchema)]
struct RepoInventory {
    /// Repositories the filter matches, whatever the page.
    total: u64,
    /// Without `group`: the page.
    #[serde(skip_serializing_if = "Option::is_none")]
    rows: Option<Vec<RepoInventoryRow>>,
    /// With `group=project`: one row per organization and project.
    #[serde(skip_serializing_if = "Option::is_none")]
    groups: Option<Vec<RepoGroupRow>>,
}

fn given(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// Managed repositories of the connectors the caller may read, with their
/// scan state, coverage and open findings (of the kinds and severities
/// asked).
#[utoipa::path(
    get,
    path = "/api/v1/repos/inventory",
    tag = "statistics",
    params(RepoInventoryQuery),
    responses(
        (status = 200, body = RepoInventory),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such connector, or not one the caller may see"),
    )
)]
async fn repo_inventory(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<RepoInventoryQuery>,
) -> Result<Json<RepoInventory>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_INVENTORY_PAGE {
        return Err(ApiError::bad_request(format!(
            "limit must be 1 to {MAX_INVENTORY_PAGE}"
        )));
    }
    let grouped = match given(q.group.as_deref()) {
        None => false,
        Some("project") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unknown group {:?}: project",
                shown(other)
            )));
        }
    };
    let sort = match given(q.sort.as_deref()) {
        None | Some("name") => RepoSort::Name,
        Some("findings") => RepoSort::Findings,
        Some("last-scanned") => RepoSort::LastScanned,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unknown sort {:?}: name, findings or last-scanned",
                shown(other)
            )));
        }
    };
    let org = given(q.org.as_deref())
        .map(|o| OrgName::parse(o).map_err(|e| ApiError::bad_request(e.to_string())))
        .transpose()?;
    let project = given(q.project.as_deref()).map(str::to_owned);
    if project.as_ref().is_some_and(|p| p.len() > 256) {
        return Err(ApiError::bad_request("project is a name of at most 256 bytes"));
    }
    let min_severity = given(q.min_severity.as_deref())
        .map(|s| {
            s.parse::<Severity>()
                .map_err(|_| ApiError::bad_request(format!("unknown severity {:?}", shown(s))))
        })
        .transpose()?;
    let reach = caller.connectors(Action::ReadFindings)?;
    let connectors = match given(q.connector.as_deref()) {
        None => reach,
        Some(text) => {
            let id = connector_id(text)?;
            // 404 for a connector that does not exist or is out of reach.
            readable(&state, &caller, &id).await?;
            if reach.as_ref().is_some_and(|r| !r.contains(&id)) {
                return Err(super::shared::no_connector(&id));
            }
            Some(BTreeSet::from([id]))
        }
    };
    let filter = RepoInventoryFilter {
        connectors,
        org,
        project,
        search: given(q.q.as_deref()).map(|s| s.chars().take(200).collect()),
        states: list(q.state.as_deref(), ManagedState::parse, "repository state")?,
        kinds: list(
            q.kind.as_deref(),
            |s| s.parse::<FindingKind>().ok(),
            "finding kind",
        )?,
        min_severity,
        with_findings_only: q.with_findings.unwrap_or(false),
        fresh_after: Some(Timestamp::from_millis(now().millis() - FRESH_DAYS * DAY_MS)),
        sort,
        limit: Some(limit),
        offset: q.offset.unwrap_or(0),
    };
    let store = state.engine.store();
    if grouped {
        let groups = store.repo_inventory_groups(&filter).await?;
        return Ok(Json(RepoInventory {
            total: groups.iter().map(|g| g.repos).sum(),
            rows: None,
            groups: Some(groups),
        }));
    }
    let page = store.repo_inventory(&filter).await?;
    Ok(Json(RepoInventory {
        total: page.total,
        rows: Some(page.rows),
        groups: None,
    }))
}
