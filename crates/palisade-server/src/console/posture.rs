//! Posture: results of the configuration checks (failures first), a page
//! per check with its rationale and remediation, and exemptions with expiry
//! (created and revoked here, audited).

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use palisade_auth::Action;
use palisade_domain::{ExemptionTarget, PostureStatus, ResourceKey, Severity, Timestamp};
use palisade_posture::Check;
use palisade_store::{ConnectorId, Exemption, NewExemption, PostureFilter, StoredPostureResult};
use serde::Deserialize;

use super::session::{Viewer, same_origin};
use super::{ConsoleError, page, url_escape};
use crate::AppState;
use crate::api::now;

/// Results per page.
const PAGE: u32 = 100;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PostureQuery {
    status: Option<String>,
    severity: Option<String>,
    check: Option<String>,
    page: Option<u32>,
    done: Option<String>,
}

/// A result as shown, with whether an exemption covers it and whether the
/// viewer may exempt it.
#[derive(Debug)]
struct Row {
    r: StoredPostureResult,
    title: &'static str,
    exempt: bool,
    can_exempt: bool,
}

#[derive(Template)]
#[template(path = "posture.html")]
struct PosturePage {
    viewer: Viewer,
    query: PostureQuery,
    rows: Vec<Row>,
    page: u32,
    more: bool,
    base: String,
    checks: &'static [&'static Check],
    statuses: [PostureStatus; 4],
    severities: [Severity; 4],
    notice: Option<&'static str>,
}

fn text(v: Option<&String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn in_reach(connectors: Option<&BTreeSet<ConnectorId>>) -> Vec<ConnectorId> {
    connectors
        .map(|c| c.iter().cloned().collect())
        .unwrap_or_default()
}

pub(crate) async fn posture(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<PostureQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ConsoleError> {
    let Query(query) = query.map_err(|e| ConsoleError::BadRequest(e.body_text()))?;
    let bad = |what: &str, v: &str| ConsoleError::BadRequest(format!("unknown {what} {v:?}"));
    let connectors = viewer.connectors(Action::ReadInventory)?;
    let statuses = match text(query.status.as_ref()).as_deref() {
        None => vec![PostureStatus::Fail],
        Some("all") => Vec::new(),
        Some(s) => vec![PostureStatus::parse(s).map_err(|_| bad("status", s))?],
    };
    let severities = match text(query.severity.as_ref()) {
        None => Vec::new(),
        Some(s) => vec![s.parse::<Severity>().map_err(|_| bad("severity", &s))?],
    };
    let checks = match text(query.check.as_ref()) {
        None => Vec::new(),
        Some(c) => vec![
            palisade_posture::find(&c)
                .ok_or_else(|| bad("check", &c))?
                .id
                .to_owned(),
        ],
    };
    let page_no = query.page.unwrap_or(1).max(1);
    let mut rows = Vec::new();
    if connectors.as_ref().is_none_or(|c| !c.is_empty()) {
        let store = state.engine.store();
        // One more than a page tells whether there is a next one.
        let results = store
            .posture_results(&PostureFilter {
                connectors: in_reach(connectors.as_ref()),
                statuses,
                severities,
                checks,
                limit: PAGE + 1,
                offset: (page_no - 1).saturating_mul(PAGE),
                ..PostureFilter::default()
            })
            .await?;
        let at = now();
        let exemptions = store.list_exemptions(false, at).await?;
        rows = results
            .into_iter()
            .map(|r| {
                let exempt = r.row.status == PostureStatus::Fail
                    && exemptions
                        .iter()
                        .any(|e| e.covers(&r.row.check_id, &r.row.resource, &r.row.scope_key(), at));
                Row {
                    title: palisade_posture::find(&r.row.check_id).map_or("", |c| c.title),
                    can_exempt: r.row.status == PostureStatus::Fail
                        && !exempt
                        && viewer.may(Action::ManagePosture, Some(r.connector.as_str())),
                    exempt,
                    r,
                }
            })
            .collect();
    }
    let more = rows.len() > PAGE as usize;
    rows.truncate(PAGE as usize);
    let base = [
        ("status", &query.status),
        ("severity", &query.severity),
        ("check", &query.check),
    ]
    .iter()
    .filter_map(|(k, v)| text(v.as_ref()).map(|v| format!("{k}={}", url_escape(&v))))
    .collect::<Vec<_>>()
    .join("&");
    Ok(page(&PosturePage {
        notice: query.done.is_some().then_some("Exemption saved."),
        viewer,
        query,
        rows,
        page: page_no,
        more,
        base,
        checks: palisade_posture::all(),
        statuses: [
            PostureStatus::Fail,
            PostureStatus::Unknown,
            PostureStatus::Pass,
            PostureStatus::NotApplicable,
        ],
        severities: [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
        ],
    }))
}

#[derive(Template)]
#[template(path = "posture_check.html")]
struct CheckPage {
    viewer: Viewer,
    check: &'static Check,
}

pub(crate) async fn check(viewer: Viewer, Path(id): Path<String>) -> Result<Response, ConsoleError> {
    viewer.connectors(Action::ReadInventory)?;
    let check =
        palisade_posture::find(&id).ok_or_else(|| ConsoleError::NotFound(format!("posture check {id}")))?;
    Ok(page(&CheckPage { viewer, check }))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ExemptForm {
    csrf: String,
    check: String,
    resource: String,
    reason: String,
    /// `YYYY-MM-DD` (end of that day, UTC); empty: until revoked.
    #[serde(default)]
    expires: String,
}

/// The end of a `YYYY-MM-DD` day, UTC.
fn end_of_day(day: &str) -> Option<Timestamp> {
    let d = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").ok()?;
    let end = d.and_hms_opt(23, 59, 59)?.and_utc();
    Some(Timestamp::from_millis(end.timestamp_millis()))
}

pub(crate) async fn exempt(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(f): Form<ExemptForm>,
) -> Result<Response, ConsoleError> {
    same_origin(&headers)?;
    viewer.check_csrf(&f.csrf)?;
    let check = palisade_posture::find(f.check.trim())
        .ok_or_else(|| ConsoleError::BadRequest(format!("unknown posture check {:?}", f.check)))?;
    let reason = f.reason.trim();
    if reason.is_empty() || reason.len() > 2000 {
        return Err(ConsoleError::BadRequest(
            "Say why the failure is accepted (1 to 2000 bytes).".into(),
        ));
    }
    let at = now();
    let expires_at = match f.expires.trim() {
        "" => None,
        day => {
            let t = end_of_day(day).ok_or_else(|| {
                ConsoleError::BadRequest(format!("The expiry {day:?} is not a date (YYYY-MM-DD)."))
            })?;
            if t <= at {
                return Err(ConsoleError::BadRequest(
                    "The expiry must be in the future.".into(),
                ));
            }
            Some(t)
        }
    };
    let key = ResourceKey::from_stored(f.resource.trim().to_ascii_lowercase());
    let store = state.engine.store();
    let covered = store
        .posture_results(&PostureFilter {
            checks: vec![check.id.to_owned()],
            resource: Some(key.clone()),
            ..PostureFilter::default()
        })
        .await?;
    if covered.is_empty() {
        return Err(ConsoleError::NotFound(format!(
            "a result of {} on that resource",
            check.id
        )));
    }
    if !covered
        .iter()
        .all(|r| viewer.may(Action::ManagePosture, Some(r.connector.as_str())))
    {
        return Err(ConsoleError::Forbidden(Action::ManagePosture));
    }
    store
        .create_exemption(
            &NewExemption {
                check_id: check.id.to_owned(),
                target: ExemptionTarget::Resource(key),
                reason: reason.to_owned(),
                author: viewer.username.to_string(),
                expires_at,
            },
            at,
        )
        .await?;
    Ok(Redirect::to(&format!("/posture?check={}&done=1", url_escape(check.id))).into_response())
}

/// An exemption as listed, with whether the viewer may revoke it.
#[derive(Debug)]
struct ExemptionRow {
    e: Exemption,
    active: bool,
    can_revoke: bool,
}

#[derive(Template)]
#[template(path = "exemptions.html")]
struct ExemptionsPage {
    viewer: Viewer,
    rows: Vec<ExemptionRow>,
}

/// The connectors whose results an exemption covers.
async fn exemption_connectors(state: &AppState, e: &Exemption) -> Result<BTreeSet<String>, ConsoleError> {
    let mut filter = PostureFilter {
        checks: vec![e.check_id.clone()],
        ..PostureFilter::default()
    };
    match &e.target {
        ExemptionTarget::Resource(k) => filter.resource = Some(k.clone()),
        ExemptionTarget::Scope(s) => {
            let (org, project) = s
                .split_once('/')
                .map_or((s.as_str(), None), |(o, p)| (o, Some(p)));
            filter.org_id = Some(org.to_owned());
            filter.project_id = project.map(str::to_owned);
        }
    }
    Ok(state
        .engine
        .store()
        .posture_results(&filter)
        .await?
        .into_iter()
        .map(|r| r.connector.to_string())
        .collect())
}

pub(crate) async fn exemptions(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, ConsoleError> {
    let reach = viewer.connectors(Action::ReadInventory)?;
    let at = now();
    let mut rows = Vec::new();
    for e in state.engine.store().list_exemptions(true, at).await? {
        let connectors = exemption_connectors(&state, &e).await?;
        // Shown where the viewer reads one of the connectors it covers.
        if let Some(reach) = &reach
            && !connectors.iter().any(|c| reach.iter().any(|r| r.as_str() == c))
        {
            continue;
        }
        rows.push(ExemptionRow {
            active: e.is_active(at),
            can_revoke: e.revoked_at.is_none()
                && !connectors.is_empty()
                && connectors
                    .iter()
                    .all(|c| viewer.may(Action::ManagePosture, Some(c))),
            e,
        });
    }
    Ok(page(&ExemptionsPage { viewer, rows }))
}

#[derive(Debug, Deserialize)]
pub(crate) struct RevokeForm {
    csrf: String,
    reason: String,
}

pub(crate) async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<RevokeForm>,
) -> Result<Response, ConsoleError> {
    same_origin(&headers)?;
    viewer.check_csrf(&f.csrf)?;
    let store = state.engine.store();
    let e = store
        .list_exemptions(true, now())
        .await?
        .into_iter()
        .find(|e| e.id == id)
        .ok_or_else(|| ConsoleError::NotFound(format!("exemption {id}")))?;
    let connectors = exemption_connectors(&state, &e).await?;
    if connectors.is_empty()
        || !connectors
            .iter()
            .all(|c| viewer.may(Action::ManagePosture, Some(c)))
    {
        return Err(ConsoleError::Forbidden(Action::ManagePosture));
    }
    let reason = f.reason.trim();
    let reason = if reason.is_empty() {
        "revoked in the console"
    } else {
        reason
    };
    store
        .revoke_exemption(&e.id, viewer.username.as_str(), reason, now())
        .await?;
    Ok(Redirect::to("/posture/exemptions").into_response())
}
