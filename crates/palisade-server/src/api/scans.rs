//! `/api/v1/scans`, `/api/v1/repos` and `/api/v1/jobs`: managed
//! repositories and their scanning switches, full scans queued on demand,
//! scans with their logs, and the jobs that run them.
//!
//! A scan or job belongs to the connector it ran for; one without a
//! connector (`palisade scan` of a local path) only to callers whose roles
//! cover the whole installation. What the caller may not read answers 404,
//! as what does not exist.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use palisade_auth::Action;
use palisade_domain::{
    ArchiveReason, ManagedState, OrgName, ScanStatus, ScanSummary, ScanTrigger, Timestamp,
};
use palisade_engine::RepoSelector;
use palisade_store::{ConnectorId, Job, JobId, ManagedRepo, ManagedRepoFilter, StoreError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::shared::{ApiPath, allowed, audit, connector_id, engine_error, shown};
use super::{ApiError, ApiJson, ApiQuery, Caller, ErrorBody, MAX_LIMIT, limit, list};
use crate::AppState;

#[derive(OpenApi)]
#[openapi(paths(list_scans, get_scan, scan_log, queue_scans, list_repos, edit_repo, get_job))]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/scans", get(list_scans))
        .route("/api/v1/scans/{id}", get(get_scan))
        .route("/api/v1/scans/{id}/log", get(scan_log))
        .route("/api/v1/connectors/{id}/scans", post(queue_scans))
        .route("/api/v1/repos", get(list_repos))
        .route("/api/v1/repos/{org}/{repo_id}", axum::routing::patch(edit_repo))
        .route("/api/v1/jobs/{id}", get(get_job))
}

/// A UUID in its usual text form, lowercase; `None` for anything else.
fn uuid_text(text: &str) -> Option<String> {
    let t = text.trim();
    let ok = t.len() == 36
        && t.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    ok.then(|| t.to_ascii_lowercase())
}

/// Whether the caller may read what belongs to `connector` (`None`: the
/// whole installation).
fn may(caller: &Caller, action: Action, connector: Option<&str>) -> bool {
    palisade_auth::allows(&caller.grants, action, connector)
}

// ---- scans ----

/// Where a managed scan came from.
#[derive(Serialize, ToSchema)]
struct ScanContextView {
    connector: String,
    org: String,
    /// ADO repository id.
    repo_id: String,
    /// `project/repo` at scan time.
    repo_name: String,
    branch: Option<String>,
    /// `manual`, `schedule`, `enable`, `push` or `pull-request`.
    trigger: &'static str,
    /// The job that ran it.
    job: Option<String>,
    pull_request: Option<i64>,
    /// Only objects new since the previous scan were read.
    incremental: bool,
}

/// An input a scan could not read.
#[derive(Serialize, ToSchema)]
struct ScanErrorView {
    subject: String,
    message: String,
}

/// A scan: status, counters and where it came from.
#[derive(Serialize, ToSchema)]
struct ScanView {
    id: String,
    /// What was scanned (`ado:{org}/{project}/{repo}` for managed scans).
    target: String,
    /// `folder` or `git-history`.
    kind: &'static str,
    commit: Option<String>,
    status: ScanStatus,
    started_at: Timestamp,
    finished_at: Option<Timestamp>,
    duration_ms: u64,
    files: u64,
    bytes: u64,
    blobs: u64,
    skipped_binary: u64,
    skipped_too_large: u64,
    rules_version: String,
    rules_count: u32,
    findings: u64,
    suppressed: u64,
    errors: Vec<ScanErrorView>,
    /// Absent for scans not run for a connector.
    context: Option<ScanContextView>,
}

impl From<&ScanSummary> for ScanView {
    fn from(s: &ScanSummary) -> Self {
        Self {
            id: s.id.clone(),
            target: s.target.clone(),
            kind: s.kind.as_str(),
            commit: s.commit.clone(),
            status: s.status,
            started_at: s.started_at,
            finished_at: s.finished_at,
            duration_ms: s.duration_ms,
            files: s.files,
            bytes: s.bytes,
            blobs: s.blobs,
            skipped_binary: s.skipped_binary,
            skipped_too_large: s.skipped_too_large,
            rules_version: s.rules_version.clone(),
            rules_count: s.rules_count,
            findings: s.findings,
            suppressed: s.suppressed,
            errors: s
                .errors
                .iter()
                .map(|e| ScanErrorView {
                    subject: e.subject.clone(),
                    message: e.message.clone(),
                })
                .collect(),
            context: s.context.as_ref().map(|c| ScanContextView {
                connector: c.connector.clone(),
                org: c.org.clone(),
                repo_id: c.repo_id.clone(),
                repo_name: c.repo_name.clone(),
                branch: c.branch.clone(),
                trigger: c.trigger.as_str(),
                job: c.job.clone(),
                pull_request: c.pull_request,
                incremental: c.incremental,
            }),
        }
    }
}

fn scan_connector(s: &ScanSummary) -> Option<&str> {
    s.context.as_ref().map(|c| c.connector.as_str())
}

/// Query of `GET /api/v1/scans`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ScansQuery {
    /// Only scans run for this connector (id).
    connector: Option<String>,
    /// At most this many scans, newest first (1 to 10,000; default 100).
    limit: Option<u32>,
}

/// Recent scans the caller may read, newest first. A caller whose roles are
/// scoped to connectors (or who filters by one) sees them among the 10,000
/// most recent scans of the installation.
#[utoipa::path(
    get,
    path = "/api/v1/scans",
    tag = "scans",
    params(ScansQuery),
    responses(
        (status = 200, body = Vec<ScanView>),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
async fn list_scans(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ScansQuery>,
) -> Result<Json<Vec<ScanView>>, ApiError> {
    let limit = limit(q.limit, 100)? as usize;
    let only = q.connector.as_deref().map(connector_id).transpose()?;
    let reach = caller.connectors(Action::ReadFindings)?;
    let store = state.engine.store();
    if reach.is_none() && only.is_none() {
        let scans = store
            .list_scans(u32::try_from(limit).unwrap_or(MAX_LIMIT))
            .await?;
        return Ok(Json(scans.iter().map(ScanView::from).collect()));
    }
    // The store lists scans of the whole installation: filter a window.
    let wanted = |s: &ScanSummary| {
        let Some(c) = scan_connector(s) else {
            return false;
        };
        only.as_ref().is_none_or(|o| o.as_str() == c)
            && reach
                .as_ref()
                .is_none_or(|ids| ids.iter().any(|id| id.as_str() == c))
    };
    let scans = store.list_scans(MAX_LIMIT).await?;
    Ok(Json(
        scans
            .iter()
            .filter(|s| wanted(s))
            .take(limit)
            .map(ScanView::from)
            .collect(),
    ))
}

/// The scan, if the caller may read its findings (404 otherwise).
async fn readable_scan(state: &AppState, caller: &Caller, text: &str) -> Result<ScanSummary, ApiError> {
    let id = uuid_text(text)
        .ok_or_else(|| ApiError::bad_request(format!("{:?} is not a scan id (a UUID)", shown(text))))?;
    let missing = || ApiError::not_found(format!("no scan {id} that you may see"));
    let scan = match state.engine.store().get_scan(&id).await {
        Ok(s) => s,
        Err(StoreError::NotFound(_)) => return Err(missing()),
        Err(e) => return Err(e.into()),
    };
    if !may(caller, Action::ReadFindings, scan_connector(&scan)) {
        return Err(missing());
    }
    Ok(scan)
}

/// One scan: status and metadata.
#[utoipa::path(
    get,
    path = "/api/v1/scans/{id}",
    tag = "scans",
    params(("id" = String, Path, description = "Scan id")),
    responses(
        (status = 200, body = ScanView),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
async fn get_scan(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ScanView>, ApiError> {
    Ok(Json(ScanView::from(&readable_scan(&state, &caller, &id).await?)))
}

/// A line of a scan's log (palisade's own messages, never file content).
#[derive(Serialize, ToSchema)]
struct LogLineView {
    at: Timestamp,
    /// `info`, `warn` or `error`.
    level: String,
    message: String,
}

/// A scan's log, oldest line first (scans run by `palisade scan` keep none).
#[utoipa::path(
    get,
    path = "/api/v1/scans/{id}/log",
    tag = "scans",
    params(("id" = String, Path, description = "Scan id")),
    responses(
        (status = 200, body = Vec<LogLineView>),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
async fn scan_log(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<LogLineView>>, ApiError> {
    let scan = readable_scan(&state, &caller, &id).await?;
    let lines = state.engine.store().scan_log(&scan.id).await?;
    Ok(Json(
        lines
            .into_iter()
            .map(|l| LogLineView {
                at: l.at,
                level: l.level,
                message: l.message,
            })
            .collect(),
    ))
}

// ---- scans on demand ----

/// A JSON body that may be left out (no `Content-Type`, nothing sent).
struct OptionalJson<T>(Option<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if req.headers().contains_key(header::CONTENT_TYPE) {
            let ApiJson(v) = ApiJson::<T>::from_request(req, state).await?;
            return Ok(Self(Some(v)));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload-too-large",
                    "the request body is too large",
                )
            } else {
                ApiError::bad_request(e.body_text())
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            Ok(Self(None))
        } else {
            Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "send the body as JSON with Content-Type: application/json",
            ))
        }
    }
}

/// Body of `POST /api/v1/connectors/{id}/scans`; absent: every repository
/// with full scans on.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct QueueBody {
    /// Repositories by `project/repo`, `org/project/repo` or ADO id (at most
    /// 1,000); each must have full scans on.
    #[serde(default)]
    repos: Vec<String>,
    /// Read the whole history again instead of only what is new.
    #[serde(default)]
    from_scratch: bool,
}

/// A full scan queued.
#[derive(Serialize, ToSchema)]
struct QueuedScan {
    org: String,
    repo_id: String,
    /// `project/repo`.
    repo: String,
    /// `GET /api/v1/jobs/{job}`; the scan shows in `GET /api/v1/scans` once it starts.
    job: JobId,
    /// `false` when the same scan was already waiting (this is its job).
    queued: bool,
}

/// Full scans queued for a connector's repositories.
#[derive(Serialize, ToSchema)]
struct QueuedScans {
    jobs: Vec<QueuedScan>,
}

/// Queues full scans now: every repository of the connector with full scans
/// on, or those named. Workers run them; poll the jobs or the scans.
#[utoipa::path(
    post,
    path = "/api/v1/connectors/{id}/scans",
    tag = "scans",
    params(("id" = String, Path, description = "Connector id")),
    request_body(content = Option<QueueBody>, description = "Optional: which repositories"),
    responses(
        (status = 202, body = QueuedScans),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such connector, or a repository named is not one of its"),
        (status = 409, body = ErrorBody, description = "A repository named (or every one) has full scans off"),
        (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
    )
)]
async fn queue_scans(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    OptionalJson(body): OptionalJson<QueueBody>,
) -> Result<Response, ApiError> {
    let id = connector_id(&id)?;
    let record = allowed(&state, &caller, &id, Action::ManageScans).await?;
    let body = body.unwrap_or(QueueBody {
        repos: Vec::new(),
        from_scratch: false,
    });
    if body.repos.len() > 1000 {
        return Err(ApiError::bad_request("name at most 1,000 repositories"));
    }
    let repos = state
        .engine
        .store()
        .list_managed_repos(&ManagedRepoFilter {
            connector: Some(id.clone()),
            ..ManagedRepoFilter::default()
        })
        .await?;
    let scanned = |r: &ManagedRepo| r.state == ManagedState::Enabled && r.full_scans;
    let chosen: Vec<&ManagedRepo> = if body.repos.is_empty() {
        let all: Vec<&ManagedRepo> = repos.iter().filter(|r| scanned(r)).collect();
        if all.is_empty() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!(
                    "no repository of connector {} has full scans on: turn them on with \
                     PATCH /api/v1/repos/{{org}}/{{repo_id}}",
                    record.config.name
                ),
            ));
        }
        all
    } else {
        let mut out: Vec<&ManagedRepo> = Vec::new();
        for name in &body.repos {
            let selector = RepoSelector::Repos(vec![name.trim().to_owned()]);
            let r = repos.iter().find(|r| selector.matches(r)).ok_or_else(|| {
                ApiError::not_found(format!(
                    "connector {} has no repository {:?}; see GET /api/v1/repos?connector={id}",
                    record.config.name,
                    shown(name)
                ))
            })?;
            if !scanned(r) {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    format!(
                        "{}/{} does not have full scans on: turn them on with PATCH /api/v1/repos/{}/{}",
                        r.project, r.name, r.org, r.repo_id
                    ),
                ));
            }
            if !out.iter().any(|o| o.repo_id == r.repo_id && o.org == r.org) {
                out.push(r);
            }
        }
        out
    };
    let mut jobs = Vec::with_capacity(chosen.len());
    for r in chosen {
        let (job, queued) = state
            .engine
            .queue_full_scan(r, ScanTrigger::Manual, body.from_scratch)
            .await
            .map_err(engine_error)?;
        jobs.push(QueuedScan {
            org: r.org.to_string(),
            repo_id: r.repo_id.clone(),
            repo: format!("{}/{}", r.project, r.name),
            job,
            queued,
        });
    }
    audit(
        &state,
        &caller,
        "scan.queue",
        record.config.name.as_str(),
        serde_json::json!({
            "id": id,
            "repos": jobs.iter().map(|j| j.repo.as_str()).collect::<Vec<_>>(),
            "from_scratch": body.from_scratch,
        }),
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(QueuedScans { jobs })).into_response())
}

// ---- managed repositories ----

/// A repository known to managed scans, with its scanning state.
#[derive(Serialize, ToSchema)]
struct RepoView {
    org: String,
    /// ADO repository id.
    repo_id: String,
    /// The connector responsible; absent once it was revoked.
    connector: Option<ConnectorId>,
    project: String,
    name: String,
    web_url: String,
    default_branch: Option<String>,
    /// Size ADO reports, bytes.
    size: u64,
    /// Scan target of its findings.
    target: String,
    state: ManagedState,
    /// Why it is archived: `removed`, `disabled-in-ado` or `revoked`.
    archive_reason: Option<&'static str>,
    full_scans: bool,
    pr_scans: bool,
    labels: Vec<String>,
    last_scan_id: Option<String>,
    last_scan_at: Option<Timestamp>,
    last_status: Option<ScanStatus>,
    /// One line about the last failure.
    last_error: Option<String>,
    last_success_at: Option<Timestamp>,
    first_seen_at: Timestamp,
    updated_at: Timestamp,
}

impl From<&ManagedRepo> for RepoView {
    fn from(r: &ManagedRepo) -> Self {
        Self {
            org: r.org.to_string(),
            repo_id: r.repo_id.clone(),
            connector: r.connector.clone(),
            project: r.project.clone(),
            name: r.name.clone(),
            web_url: r.web_url.clone(),
            default_branch: r.default_branch.clone(),
            size: r.size,
            target: r.target.clone(),
            state: r.state,
            archive_reason: r.archive_reason.map(ArchiveReason::as_str),
            full_scans: r.full_scans,
            pr_scans: r.pr_scans,
            labels: r.labels.clone(),
            last_scan_id: r.last_scan_id.clone(),
            last_scan_at: r.last_scan_at,
            last_status: r.last_status,
            last_error: r.last_error.clone(),
            last_success_at: r.last_success_at,
            first_seen_at: r.first_seen_at,
            updated_at: r.updated_at,
        }
    }
}

/// Query of `GET /api/v1/repos`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ReposQuery {
    /// Only this connector's repositories (id).
    connector: Option<String>,
    /// Comma-separated states (`offered`, `enabled`, `disabled`, `archived`).
    state: Option<String>,
    /// At most this many (1 to 10,000; default 1,000).
    limit: Option<u32>,
}

/// Managed repositories of the connectors the caller may read (archived ones
/// of revoked connectors only for installation-wide roles), by organization,
/// project and name.
#[utoipa::path(
    get,
    path = "/api/v1/repos",
    tag = "scans",
    params(ReposQuery),
    responses(
        (status = 200, body = Vec<RepoView>),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
async fn list_repos(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ReposQuery>,
) -> Result<Json<Vec<RepoView>>, ApiError> {
    let limit = limit(q.limit, 1000)?;
    let states = list(q.state.as_deref(), ManagedState::parse, "state")?;
    let only = q.connector.as_deref().map(connector_id).transpose()?;
    let reach = caller.connectors(Action::ReadInventory)?;
    let connectors: Vec<Option<ConnectorId>> = match (reach, only) {
        (None, only) => vec![only],
        (Some(ids), Some(only)) => {
            if ids.contains(&only) {
                vec![Some(only)]
            } else {
                Vec::new()
            }
        }
        (Some(ids), None) => ids.into_iter().map(Some).collect(),
    };
    let mut out = Vec::new();
    for connector in connectors {
        let rows = state
            .engine
            .store()
            .list_managed_repos(&ManagedRepoFilter {
                connector,
                states: states.clone(),
                limit: Some(limit),
                ..ManagedRepoFilter::default()
            })
            .await?;
        out.extend(rows.iter().map(RepoView::from));
        if out.len() >= limit as usize {
            break;
        }
    }
    out.truncate(limit as usize);
    Ok(Json(out))
}

/// Body of `PATCH /api/v1/repos/{org}/{repo_id}`: absent switches keep their value.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RepoBody {
    /// Scheduled and push-triggered full (history) scans.
    full_scans: Option<bool>,
    /// Diff-aware pull-request scans (service hooks, comments, status).
    pr_scans: Option<bool>,
}

/// A repository after its switches changed.
#[derive(Serialize, ToSchema)]
struct RepoChanged {
    repo: RepoView,
    /// Full scans queued now (a repository that just got them is scanned soon).
    scans_queued: u64,
    /// The connector's service-hook subscriptions will be updated by a worker.
    webhooks_update_queued: bool,
}

/// Turns full and pull-request scans of one repository on or off (both off:
/// disabled; findings kept).
#[utoipa::path(
    patch,
    path = "/api/v1/repos/{org}/{repo_id}",
    tag = "scans",
    params(
        ("org" = String, Path, description = "Organization name"),
        ("repo_id" = String, Path, description = "ADO repository id"),
    ),
    request_body = RepoBody,
    responses(
        (status = 200, body = RepoChanged),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The repository's connector was revoked"),
        (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
    )
)]
async fn edit_repo(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath((org, repo_id)): ApiPath<(String, String)>,
    ApiJson(b): ApiJson<RepoBody>,
) -> Result<Json<RepoChanged>, ApiError> {
    let org = OrgName::parse(org.trim()).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let repo_id = uuid_text(&repo_id).ok_or_else(|| {
        ApiError::bad_request(format!(
            "{:?} is not an Azure DevOps repository id (a GUID)",
            shown(&repo_id)
        ))
    })?;
    if b.full_scans.is_none() && b.pr_scans.is_none() {
        return Err(ApiError::bad_request("send full_scans, pr_scans or both"));
    }
    let missing = || ApiError::not_found(format!("no managed repository {org}/{repo_id} that you may see"));
    let store = state.engine.store();
    let repo = match store.get_managed_repo(&org, &repo_id).await {
        Ok(r) => r,
        Err(StoreError::NotFound(_)) => return Err(missing()),
        Err(e) => return Err(e.into()),
    };
    let Some(connector) = repo.connector.clone() else {
        if !may(&caller, Action::ReadInventory, None) {
            return Err(missing());
        }
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "{}/{} is archived: its connector was revoked; connect the organization again to scan it",
                repo.project, repo.name
            ),
        ));
    };
    if !may(&caller, Action::ReadInventory, Some(connector.as_str())) {
        return Err(missing());
    }
    let record = allowed(&state, &caller, &connector, Action::ManageScans).await?;
    let full = b.full_scans.unwrap_or(repo.full_scans);
    let pr = b.pr_scans.unwrap_or(repo.pr_scans);
    let report = state
        .engine
        .set_scanning(
            &record,
            &RepoSelector::Repos(vec![repo.repo_id.clone()]),
            full,
            pr,
        )
        .await
        .map_err(engine_error)?;
    audit(
        &state,
        &caller,
        "repo.scanning",
        &repo.target,
        serde_json::json!({
            "org": org,
            "repo_id": repo_id,
            "full_scans": full,
            "pr_scans": pr,
        }),
    )
    .await?;
    let now = store.get_managed_repo(&org, &repo_id).await?;
    Ok(Json(RepoChanged {
        repo: RepoView::from(&now),
        scans_queued: report.scans_queued,
        webhooks_update_queued: report.hooks_job,
    }))
}

// ---- jobs ----

/// A background job (discovery, full scan, PR scan, webhook subscriptions).
#[derive(Serialize, ToSchema)]
struct JobView {
    id: JobId,
    /// `discover`, `full-scan`, `pr-scan` or `subscriptions`.
    kind: String,
    /// `queued`, `running`, `succeeded`, `dead` or `cancelled`.
    state: &'static str,
    attempts: u32,
    max_attempts: u32,
    /// When it runs (again), if queued.
    run_after: Timestamp,
    /// One line from the last failed attempt.
    last_error: Option<String>,
    connector: Option<ConnectorId>,
    created_at: Timestamp,
    updated_at: Timestamp,
    finished_at: Option<Timestamp>,
}

impl From<&Job> for JobView {
    fn from(j: &Job) -> Self {
        Self {
            id: j.id.clone(),
            kind: j.kind.clone(),
            state: j.state.as_str(),
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_after: j.run_after,
            last_error: j.last_error.clone(),
            connector: j.connector.clone(),
            created_at: j.created_at,
            updated_at: j.updated_at,
            finished_at: j.finished_at,
        }
    }
}

/// A job, to poll what `POST .../discovery` or `POST .../scans` queued.
#[utoipa::path(
    get,
    path = "/api/v1/jobs/{id}",
    tag = "scans",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 200, body = JobView),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
async fn get_job(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<JobView>, ApiError> {
    let id = JobId::parse(&id)
        .ok_or_else(|| ApiError::bad_request(format!("{:?} is not a job id (a UUID)", shown(&id))))?;
    let missing = || ApiError::not_found(format!("no job {id} that you may see"));
    let job = match state.engine.store().get_job(&id).await {
        Ok(j) => j,
        Err(StoreError::NotFound(_)) => return Err(missing()),
        Err(e) => return Err(e.into()),
    };
    if !may(
        &caller,
        Action::ReadInventory,
        job.connector.as_ref().map(ConnectorId::as_str),
    ) {
        return Err(missing());
    }
    Ok(Json(JobView::from(&job)))
}
