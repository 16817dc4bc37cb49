//! `/api/v1/findings`: findings of the connectors the caller may read,
//! filtered, sorted and paged; one finding with its triage history; triage
//! of one or many (audited); and the export of a filtered list as CSV, JSON
//! or SARIF.
//!
//! A caller whose roles reach only some connectors sees only the findings
//! with a location in those connectors' repositories, and only those
//! locations: the store's connector scope does it, for lists and for one
//! finding alike. A finding the caller may not see answers 404, as one that
//! does not exist. Secrets are never in clear here: the store holds only
//! redacted previews and hashes.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use palisade_auth::Action;
use palisade_domain::{FindingDetails, FindingId, FindingKind, RuleId, Severity, Timestamp, TriageState};
use palisade_store::{ConnectorId, FindingFilter, FindingSort, MAX_TRIAGE_BATCH, StoredFinding, Triage};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::shared::{ApiPath, audit, shown};
use super::{ApiError, ApiJson, ApiQuery, Caller, ErrorBody, limit, list, now};
use crate::AppState;

/// Longest triage comment kept, in bytes.
const MAX_COMMENT: usize = 2000;
/// Most findings one export holds; `X-Palisade-Truncated` says when more matched.
pub(crate) const MAX_EXPORT: u32 = 100_000;
/// Findings read from the store at a time while exporting.
const EXPORT_PAGE: u32 = 1000;
/// Longest `q` kept.
const MAX_SEARCH: usize = 200;
/// Longest `repo` accepted.
const MAX_TARGET: usize = 1000;

#[derive(OpenApi)]
#[openapi(paths(
    list_findings,
    get_finding,
    finding_history,
    triage_one,
    triage_many,
    export_findings
))]
pub(super) struct Doc;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/findings", get(list_findings))
        .route("/api/v1/findings/export", get(export_findings))
        .route("/api/v1/findings/triage", post(triage_many))
        .route("/api/v1/findings/{id}", get(get_finding))
        .route("/api/v1/findings/{id}/history", get(finding_history))
        .route("/api/v1/findings/{id}/triage", post(triage_one))
}

// ---- filters ----

/// Query of `GET /api/v1/findings`; unknown parameters are refused.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct FindingsQuery {
    /// Comma-separated triage states (`open`, `false-positive`, `accepted-risk`, `fixed`); absent: all.
    state: Option<String>,
    /// Comma-separated kinds (`secret`, `dependency`, `iac`, `code`).
    kind: Option<String>,
    /// Comma-separated severities (`critical`, `high`, `medium`, `low`, `info`).
    severity: Option<String>,
    /// Lowest severity.
    min_severity: Option<String>,
    /// A rule id, exactly (e.g. `aws.access-key`).
    rule: Option<String>,
    /// A scan target, exactly: a managed repository's is `{org}/{project}/{repo}`
    /// (as `target` in `GET /api/v1/repos/inventory`).
    repo: Option<String>,
    /// Part of the rule id, the rule name or a location's path, ignoring case.
    q: Option<String>,
    /// `severity` (default), `last-seen`, `first-seen` or `rule`.
    sort: Option<String>,
    /// `desc` (default; `asc` for `sort=rule`) or `asc`.
    order: Option<String>,
    /// At most this many findings (1 to 10,000; default 100).
    limit: Option<u32>,
    /// Findings to skip (in `sort` order).
    offset: Option<u32>,
}

/// Query of `GET /api/v1/findings/export`: the filters of the list and the format.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    /// `csv` (default), `json` or `sarif`.
    format: Option<String>,
    /// Comma-separated triage states; absent: all.
    state: Option<String>,
    /// Comma-separated kinds.
    kind: Option<String>,
    /// Comma-separated severities.
    severity: Option<String>,
    /// Lowest severity.
    min_severity: Option<String>,
    /// A rule id, exactly.
    rule: Option<String>,
    /// A scan target, exactly.
    repo: Option<String>,
    /// Part of the rule id, the rule name or a location's path, ignoring case.
    q: Option<String>,
    /// `severity` (default), `last-seen`, `first-seen` or `rule`.
    sort: Option<String>,
    /// `desc` or `asc`.
    order: Option<String>,
}

/// The filter parameters both queries share.
struct FilterText<'a> {
    state: Option<&'a str>,
    kind: Option<&'a str>,
    severity: Option<&'a str>,
    min_severity: Option<&'a str>,
    rule: Option<&'a str>,
    repo: Option<&'a str>,
    q: Option<&'a str>,
    sort: Option<&'a str>,
    order: Option<&'a str>,
}

impl FindingsQuery {
    fn text(&self) -> FilterText<'_> {
        FilterText {
            state: self.state.as_deref(),
            kind: self.kind.as_deref(),
            severity: self.severity.as_deref(),
            min_severity: self.min_severity.as_deref(),
            rule: self.rule.as_deref(),
            repo: self.repo.as_deref(),
            q: self.q.as_deref(),
            sort: self.sort.as_deref(),
            order: self.order.as_deref(),
        }
    }
}

impl ExportQuery {
    fn text(&self) -> FilterText<'_> {
        FilterText {
            state: self.state.as_deref(),
            kind: self.kind.as_deref(),
            severity: self.severity.as_deref(),
            min_severity: self.min_severity.as_deref(),
            rule: self.rule.as_deref(),
            repo: self.repo.as_deref(),
            q: self.q.as_deref(),
            sort: self.sort.as_deref(),
            order: self.order.as_deref(),
        }
    }
}

/// A trimmed, non-empty parameter.
fn given(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// The store filter of the query, limited to `connectors`; `limit` and
/// `offset` are the caller's to set.
fn finding_filter(
    t: &FilterText<'_>,
    connectors: Option<BTreeSet<ConnectorId>>,
) -> Result<FindingFilter, ApiError> {
    let min_severity = given(t.min_severity)
        .map(|s| {
            s.parse::<Severity>()
                .map_err(|_| ApiError::bad_request(format!("unknown severity {:?}", shown(s))))
        })
        .transpose()?;
    let rule_id = given(t.rule)
        .map(|r| RuleId::parse(r).map_err(|e| ApiError::bad_request(e.to_string())))
        .transpose()?;
    let target = given(t.repo).map(str::to_owned);
    if target.as_ref().is_some_and(|r| r.len() > MAX_TARGET) {
        return Err(ApiError::bad_request(format!(
            "repo is a scan target of at most {MAX_TARGET} bytes"
        )));
    }
    let sort = match given(t.sort) {
        None | Some("severity") => FindingSort::Severity,
        Some("last-seen") => FindingSort::LastSeen,
        Some("first-seen") => FindingSort::FirstSeen,
        Some("rule") => FindingSort::Rule,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unknown sort {:?}: severity, last-seen, first-seen or rule",
                shown(other)
            )));
        }
    };
    let descending = match given(t.order) {
        None => sort != FindingSort::Rule,
        Some("desc") => true,
        Some("asc") => false,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unknown order {:?}: asc or desc",
                shown(other)
            )));
        }
    };
    Ok(FindingFilter {
        states: list(t.state, |s| s.parse::<TriageState>().ok(), "triage state")?,
        kinds: list(t.kind, |s| s.parse::<FindingKind>().ok(), "finding kind")?,
        severities: list(t.severity, |s| s.parse::<Severity>().ok(), "severity")?,
        min_severity,
        rule_id,
        target,
        connectors,
        search: given(t.q).map(|s| s.chars().take(MAX_SEARCH).collect()),
        sort,
        descending,
        ..FindingFilter::default()
    })
}

/// A finding id of a path or body: 32 hex digits, else a 400.
pub(crate) fn finding_id(text: &str) -> Result<FindingId, ApiError> {
    let t = text.trim();
    let bad = || {
        ApiError::bad_request(format!(
            "{:?} is not a finding id (32 hex digits, as GET /api/v1/findings shows)",
            shown(t)
        ))
    };
    if t.len() != 32 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    FindingId::from_hex(t).map_err(|_| bad())
}

/// The same answer for a finding that does not exist and one the caller may
/// not see: existence is not revealed.
fn no_finding(id: FindingId) -> ApiError {
    ApiError::not_found(format!("no finding {id} that you may see"))
}

/// The finding if `connectors` reach it (`None`: all), with only the
/// locations they reach.
async fn visible(
    state: &AppState,
    connectors: Option<BTreeSet<ConnectorId>>,
    id: FindingId,
) -> Result<StoredFinding, ApiError> {
    let found = state
        .engine
        .store()
        .list_findings(&FindingFilter {
            ids: vec![id],
            connectors,
            limit: Some(1),
            ..FindingFilter::default()
        })
        .await?;
    found.into_iter().next().ok_or_else(|| no_finding(id))
}

// ---- reading ----

/// One page of findings and how many the filter matches.
#[derive(Serialize, ToSchema)]
struct FindingsPage {
    /// Findings the filter matches, whatever the page.
    total: u64,
    findings: Vec<StoredFinding>,
}

/// Findings of the connectors the caller may read, each with its
/// locations in those connectors' repositories; redacted previews only.
#[utoipa::path(
    get,
    path = "/api/v1/findings",
    tag = "findings",
    params(FindingsQuery),
    responses(
        (status = 200, body = FindingsPage),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
async fn list_findings(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<FindingsQuery>,
) -> Result<Json<FindingsPage>, ApiError> {
    let limit = limit(q.limit, 100)?;
    let connectors = caller.connectors(Action::ReadFindings)?;
    let mut filter = finding_filter(&q.text(), connectors)?;
    let store = state.engine.store();
    let total = store.count_findings(&filter).await?;
    filter.offset = q.offset.unwrap_or(0);
    filter.limit = Some(limit);
    let findings = store.list_findings(&filter).await?;
    Ok(Json(FindingsPage { total, findings }))
}

/// One finding, with its locations in the caller's connectors.
#[utoipa::path(
    get,
    path = "/api/v1/findings/{id}",
    tag = "findings",
    params(("id" = String, Path, description = "Finding id (32 hex digits)")),
    responses(
        (status = 200, body = StoredFinding),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such finding, or not one the caller may see"),
    )
)]
async fn get_finding(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<StoredFinding>, ApiError> {
    let id = finding_id(&id)?;
    let connectors = caller.connectors(Action::ReadFindings)?;
    Ok(Json(visible(&state, connectors, id).await?))
}

/// A change of a finding's triage state.
#[derive(Serialize, ToSchema)]
struct TriageEvent {
    state: TriageState,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    at: Timestamp,
}

/// A finding's triage history, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/findings/{id}/history",
    tag = "findings",
    params(("id" = String, Path, description = "Finding id (32 hex digits)")),
    responses(
        (status = 200, body = Vec<TriageEvent>),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such finding, or not one the caller may see"),
    )
)]
async fn finding_history(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<TriageEvent>>, ApiError> {
    let id = finding_id(&id)?;
    let connectors = caller.connectors(Action::ReadFindings)?;
    let f = visible(&state, connectors, id).await?;
    let history = state.engine.store().triage_history(f.id).await?;
    Ok(Json(
        history
            .into_iter()
            .map(|t| TriageEvent {
                state: t.state,
                comment: t.comment,
                at: t.at,
            })
            .collect(),
    ))
}

// ---- triage ----

/// Body of `POST /api/v1/findings/{id}/triage`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TriageBody {
    state: TriageState,
    /// Why (at most 2,000 bytes).
    comment: Option<String>,
}

/// Body of `POST /api/v1/findings/triage`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TriageManyBody {
    /// Finding ids, 1 to 1,000.
    ids: Vec<String>,
    state: TriageState,
    /// Why (at most 2,000 bytes).
    comment: Option<String>,
}

/// How many findings a bulk triage set.
#[derive(Serialize, ToSchema)]
struct TriageOutcome {
    /// Findings set (an id given twice counts once).
    updated: u64,
    state: TriageState,
}

/// The comment trimmed, `None` when empty; a 400 when too long.
fn comment(text: Option<&str>) -> Result<Option<String>, ApiError> {
    let c = text.map(str::trim).unwrap_or_default();
    if c.len() > MAX_COMMENT {
        return Err(ApiError::bad_request(format!(
            "comment has at most {MAX_COMMENT} bytes"
        )));
    }
    Ok((!c.is_empty()).then(|| c.to_owned()))
}

/// Fails unless the caller may triage every one of `ids`: with triage
/// rights on every connector, yes (the store then answers for unknown ids);
/// with triage rights on some connectors, only when each finding is visible
/// within those. A finding the caller may not even read is a 404 (as one
/// that does not exist), one it may read but not triage a 403.
async fn may_triage(state: &AppState, caller: &Caller, ids: &BTreeSet<FindingId>) -> Result<(), ApiError> {
    let Some(reach) = caller.connectors(Action::TriageFindings)? else {
        return Ok(());
    };
    let store = state.engine.store();
    let count = |connectors: Option<BTreeSet<ConnectorId>>| FindingFilter {
        ids: ids.iter().copied().collect(),
        connectors,
        ..FindingFilter::default()
    };
    let n = ids.len() as u64;
    if store.count_findings(&count(Some(reach))).await? == n {
        return Ok(());
    }
    let readable = store
        .count_findings(&count(caller.connectors(Action::ReadFindings)?))
        .await?;
    if readable < n {
        return Err(match ids.iter().collect::<Vec<_>>().as_slice() {
            [one] => no_finding(**one),
            _ => ApiError::not_found(format!(
                "{} of the {n} findings do not exist or are not ones you may see; nothing was changed",
                n - readable
            )),
        });
    }
    Err(ApiError::forbidden(Action::TriageFindings))
}

/// Sets a finding's triage state (audited as `finding.triage`).
#[utoipa::path(
    post,
    path = "/api/v1/findings/{id}/triage",
    tag = "findings",
    params(("id" = String, Path, description = "Finding id (32 hex digits)")),
    request_body = TriageBody,
    responses(
        (status = 200, body = StoredFinding, description = "The finding after the change"),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "The caller may not triage findings of a connector the finding belongs to"),
        (status = 404, body = ErrorBody, description = "No such finding, or not one the caller may see"),
        (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
    )
)]
async fn triage_one(
    caller: Caller,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<TriageBody>,
) -> Result<Json<StoredFinding>, ApiError> {
    let id = finding_id(&id)?;
    let comment = comment(b.comment.as_deref())?;
    may_triage(&state, &caller, &BTreeSet::from([id])).await?;
    let triage = Triage {
        state: b.state,
        comment,
        at: now(),
    };
    let store = state.engine.store();
    match store.triage(id, &triage).await {
        Ok(_) => {}
        Err(palisade_store::StoreError::NotFound(_)) => return Err(no_finding(id)),
        Err(e) => return Err(e.into()),
    }
    audit(
        &state,
        &caller,
        "finding.triage",
        &id.to_hex(),
        serde_json::json!({ "state": b.state, "ids": [id.to_hex()], "comment": triage.comment }),
    )
    .await?;
    // Read back within the caller's reach: the store's answer has every location.
    let connectors = caller.connectors(Action::ReadFindings)?;
    Ok(Json(visible(&state, connectors, id).await?))
}

/// Sets the triage state of up to 1,000 findings at once, all or nothing
/// (audited as one `finding.triage`).
#[utoipa::path(
    post,
    path = "/api/v1/findings/triage",
    tag = "findings",
    request_body = TriageManyBody,
    responses(
        (status = 200, body = TriageOutcome),
        (status = 400, body = ErrorBody, description = "No ids, more than 1,000, or one that is not an id"),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "The caller may not triage findings of a connector one of them belongs to"),
        (status = 404, body = ErrorBody, description = "A finding does not exist or is not one the caller may see; nothing was changed"),
        (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
    )
)]
async fn triage_many(
    caller: Caller,
    State(state): State<AppState>,
    ApiJson(b): ApiJson<TriageManyBody>,
) -> Result<Json<TriageOutcome>, ApiError> {
    if b.ids.is_empty() || b.ids.len() > MAX_TRIAGE_BATCH {
        return Err(ApiError::bad_request(format!(
            "ids holds 1 to {MAX_TRIAGE_BATCH} finding ids; this has {}",
            b.ids.len()
        )));
    }
    let ids = b
        .ids
        .iter()
        .map(|i| finding_id(i))
        .collect::<Result<BTreeSet<_>, _>>()?;
    let comment = comment(b.comment.as_deref())?;
    may_triage(&state, &caller, &ids).await?;
    let ids: Vec<FindingId> = ids.into_iter().collect();
    let triage = Triage {
        state: b.state,
        comment,
        at: now(),
    };
    let updated = match state.engine.store().triage_many(&ids, &triage).await {
        Ok(n) => n,
        Err(palisade_store::StoreError::NotFound(m)) => {
            return Err(ApiError::not_found(format!("{m}; nothing was changed")));
        }
        Err(e) => return Err(e.into()),
    };
    let hex: Vec<String> = ids.iter().map(FindingId::to_hex).collect();
    let target = if let [one] = hex.as_slice() {
        one.clone()
    } else {
        format!("{} findings", hex.len())
    };
    audit(
        &state,
        &caller,
        "finding.triage",
        &target,
        serde_json::json!({ "state": b.state, "ids": hex, "comment": triage.comment }),
    )
    .await?;
    Ok(Json(TriageOutcome {
        updated,
        state: b.state,
    }))
}

// ---- export ----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Csv,
    Json,
    Sarif,
}

/// The findings of a filter, at most [`MAX_EXPORT`], read a page at a time,
/// and how many matched. Pages are read one after another, so a change
/// between two reads may move a finding across pages.
async fn export_rows(
    state: &AppState,
    mut filter: FindingFilter,
) -> Result<(u64, Vec<StoredFinding>), ApiError> {
    let store = state.engine.store();
    let total = store.count_findings(&filter).await?;
    let mut out = Vec::new();
    let mut offset = 0u32;
    while offset < MAX_EXPORT {
        filter.offset = offset;
        filter.limit = Some(EXPORT_PAGE.min(MAX_EXPORT - offset));
        let page = store.list_findings(&filter).await?;
        let n = u32::try_from(page.len()).unwrap_or(u32::MAX);
        out.extend(page);
        if n < EXPORT_PAGE {
            break;
        }
        offset = offset.saturating_add(n);
    }
    Ok((total, out))
}

/// The findings of the connectors the caller may read as a file: CSV (one
/// row per location, with a header row; cells that a spreadsheet would read
/// as a formula are prefixed with `'`), JSON (as the list answers) or SARIF
/// 2.1.0. At most 100,000 findings; `X-Palisade-Total` says how many matched
/// and `X-Palisade-Truncated: true` when that is more.
#[utoipa::path(
    get,
    path = "/api/v1/findings/export",
    tag = "findings",
    params(ExportQuery),
    responses(
        (status = 200, description = "An attachment",
            content(
                (String = "text/csv"),
                (FindingsPage = "application/json"),
                (serde_json::Value = "application/sarif+json"),
            )
        ),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
async fn export_findings(
    caller: Caller,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let format = match given(q.format.as_deref()) {
        None | Some("csv") => Format::Csv,
        Some("json") => Format::Json,
        Some("sarif") => Format::Sarif,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unknown format {:?}: csv, json or sarif",
                shown(other)
            )));
        }
    };
    let connectors = caller.connectors(Action::ReadFindings)?;
    let filter = finding_filter(&q.text(), connectors)?;
    let (total, findings) = export_rows(&state, filter).await?;
    let truncated = total > findings.len() as u64;
    let (content_type, file, body) = match format {
        Format::Csv => (
            "text/csv; charset=utf-8",
            "palisade-findings.csv",
            to_csv(&findings),
        ),
        Format::Json => (
            "application/json",
            "palisade-findings.json",
            serde_json::to_string(&FindingsPage { total, findings }).map_err(|e| internal(&e))?,
        ),
        Format::Sarif => (
            "application/sarif+json",
            "palisade-findings.sarif",
            serde_json::to_string(&to_sarif(&findings)).map_err(|e| internal(&e))?,
        ),
    };
    let mut r = body.into_response();
    let headers = r.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert("x-palisade-total", HeaderValue::from(total));
    if truncated {
        headers.insert("x-palisade-truncated", HeaderValue::from_static("true"));
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// Serializing our own types cannot fail; if it ever did, a 503 that says so.
fn internal(e: &serde_json::Error) -> ApiError {
    tracing::error!(error = %e, "could not serialize an export");
    ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "the export could not be written; retry later",
    )
}

const CSV_HEADER: [&str; 18] = [
    "finding_id",
    "kind",
    "severity",
    "confidence",
    "state",
    "rule_id",
    "rule_name",
    "preview",
    "details",
    "target",
    "path",
    "line",
    "commit",
    "location_gone_at",
    "first_seen_at",
    "last_seen_at",
    "state_updated_at",
    "state_comment",
];

/// One cell: quoted per RFC 4180, with a leading `'` when a spreadsheet
/// would read it as a formula (CSV injection).
fn csv_cell(out: &mut String, value: &str) {
    out.push('"');
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        out.push('\'');
    }
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

fn csv_row<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_cell(out, cell);
    }
    out.push_str("\r\n");
}

/// What a finding says beyond its rule, in a few words.
fn details_text(details: Option<&FindingDetails>) -> String {
    match details {
        None => String::new(),
        Some(FindingDetails::Dependency(d)) => match &d.fixed {
            Some(fixed) => format!("{} (fixed in {fixed})", d.advisory),
            None => d.advisory.clone(),
        },
        Some(FindingDetails::Rule(r)) => r.message.clone(),
    }
}

fn ts(t: Option<Timestamp>) -> String {
    t.map(Timestamp::to_rfc3339).unwrap_or_default()
}

/// One row per location (a finding without one in scope gets one row).
fn to_csv(findings: &[StoredFinding]) -> String {
    let mut out = String::new();
    csv_row(&mut out, CSV_HEADER);
    for f in findings {
        let id = f.id.to_hex();
        let details = details_text(f.details.as_ref());
        let first = f.first_seen_at.to_rfc3339();
        let last = f.last_seen_at.to_rfc3339();
        let updated = ts(f.state_updated_at);
        let comment = f.state_comment.clone().unwrap_or_default();
        let mut row = |target: &str, path: &str, line: &str, commit: &str, gone: &str| {
            csv_row(
                &mut out,
                [
                    id.as_str(),
                    f.kind.as_str(),
                    f.severity.as_str(),
                    f.confidence.as_str(),
                    f.state.as_str(),
                    f.rule_id.as_str(),
                    f.rule_name.as_str(),
                    f.preview.as_str(),
                    details.as_str(),
                    target,
                    path,
                    line,
                    commit,
                    gone,
                    first.as_str(),
                    last.as_str(),
                    updated.as_str(),
                    comment.as_str(),
                ],
            );
        };
        if f.locations.is_empty() {
            row("", "", "", "", "");
        }
        for l in &f.locations {
            let commit = l
                .location
                .commit
                .as_ref()
                .map(|c| c.id.as_str())
                .unwrap_or_default();
            row(
                &l.target,
                &l.location.path,
                &l.location.line.to_string(),
                commit,
                &ts(l.gone_at),
            );
        }
    }
    out
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// A minimal SARIF 2.1.0 log: one run, a rule per rule id, a result per
/// finding with its locations in scope (each naming its scan target), the
/// finding id as fingerprint, and triage that silences a finding as an
/// accepted external suppression.
fn to_sarif(findings: &[StoredFinding]) -> serde_json::Value {
    use serde_json::json;
    let mut rules: Vec<(&str, &StoredFinding)> = Vec::new();
    for f in findings {
        if !rules.iter().any(|(id, _)| *id == f.rule_id.as_str()) {
            rules.push((f.rule_id.as_str(), f));
        }
    }
    rules.sort_by(|a, b| a.0.cmp(b.0));
    let index = |rule: &str| {
        rules
            .binary_search_by(|(id, _)| (*id).cmp(rule))
            .unwrap_or_default()
    };
    let results: Vec<_> = findings
        .iter()
        .map(|f| {
            let locations: Vec<_> = f
                .locations
                .iter()
                .map(|l| {
                    json!({
                        "physicalLocation": {
                            "artifactLocation": { "uri": l.location.path },
                            "region": { "startLine": l.location.line.max(1), "startColumn": l.location.column.max(1) },
                        },
                        "properties": {
                            "target": l.target,
                            "goneAt": l.gone_at.map(Timestamp::to_rfc3339),
                        },
                    })
                })
                .collect();
            let mut result = json!({
                "ruleId": f.rule_id.as_str(),
                "ruleIndex": index(f.rule_id.as_str()),
                "level": sarif_level(f.severity),
                "message": { "text": format!("{}: {}", f.rule_name, f.preview) },
                "locations": locations,
                "partialFingerprints": { "palisadeFindingId/v1": f.id.to_hex() },
                "properties": {
                    "kind": f.kind.as_str(),
                    "severity": f.severity.as_str(),
                    "confidence": f.confidence.as_str(),
                    "state": f.state.as_str(),
                    "firstSeenAt": f.first_seen_at.to_rfc3339(),
                    "lastSeenAt": f.last_seen_at.to_rfc3339(),
                },
            });
            if matches!(f.state, TriageState::FalsePositive | TriageState::AcceptedRisk) {
                result["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": f.state_comment.clone().unwrap_or_else(|| f.state.as_str().to_owned()),
                }]);
            }
            result
        })
        .collect();
    let rules: Vec<_> = rules
        .iter()
        .map(|(id, f)| {
            json!({
                "id": id,
                "name": f.rule_name,
                "shortDescription": { "text": f.rule_name },
                "defaultConfiguration": { "level": sarif_level(f.severity) },
                "properties": { "kind": f.kind.as_str() },
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "palisade",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        let mut out = String::new();
        csv_row(
            &mut out,
            [
                "a\"b",
                "=cmd|' /C calc'!A0",
                "-1",
                "+x",
                "@SUM(1)",
                "plain",
                "x,y\nz",
            ],
        );
        assert_eq!(
            out,
            "\"a\"\"b\",\"'=cmd|' /C calc'!A0\",\"'-1\",\"'+x\",\"'@SUM(1)\",\"plain\",\"x,y\nz\"\r\n"
        );
    }

    #[test]
    fn finding_ids_are_32_hex_digits() {
        assert!(finding_id(&"a".repeat(32)).is_ok());
        assert!(finding_id(&"A".repeat(32)).is_ok());
        for bad in ["", "abc", &"g".repeat(32), &"a".repeat(33), "../../etc/passwd"] {
            assert!(finding_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn filters_parse_and_refuse_unknown_values() {
        let q = FindingsQuery {
            state: Some("open, fixed".into()),
            severity: Some("high".into()),
            sort: Some("rule".into()),
            ..FindingsQuery::default()
        };
        let f = finding_filter(&q.text(), None).expect("valid");
        assert_eq!(f.states, vec![TriageState::Open, TriageState::Fixed]);
        assert_eq!(f.sort, FindingSort::Rule);
        assert!(!f.descending, "rules ascending by default");
        for bad in [
            FindingsQuery {
                state: Some("closed".into()),
                ..FindingsQuery::default()
            },
            FindingsQuery {
                sort: Some("name".into()),
                ..FindingsQuery::default()
            },
            FindingsQuery {
                order: Some("up".into()),
                ..FindingsQuery::default()
            },
            FindingsQuery {
                rule: Some("NOT A RULE".into()),
                ..FindingsQuery::default()
            },
            FindingsQuery {
                min_severity: Some("urgent".into()),
                ..FindingsQuery::default()
            },
        ] {
            assert!(finding_filter(&bad.text(), None).is_err(), "{bad:?}");
        }
    }
}
