//! Findings: a filtered, sorted, paged list with triage of many at once,
//! and a page per finding with its locations, history and triage form.
//! Previews are redacted by the scanners; no page ever shows more.

use std::collections::BTreeSet;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use palisade_auth::Action;
use palisade_domain::{FindingId, FindingKind, Severity, TriageState};
use palisade_store::{ConnectorId, FindingFilter, FindingSort, MAX_TRIAGE_BATCH, StoredFinding, Triage};
use serde::Deserialize;

use super::session::{Viewer, same_origin};
use super::{ConsoleError, page, url_escape};
use crate::AppState;
use crate::api::now;

/// Findings per page.
const PAGE: u32 = 50;
/// Longest triage comment kept.
const MAX_COMMENT: usize = 2000;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FindingsQuery {
    state: Option<String>,
    kind: Option<String>,
    severity: Option<String>,
    repo: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    page: Option<u32>,
    /// Set after a triage, to say it was saved.
    done: Option<String>,
}

fn text(v: Option<&String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl FindingsQuery {
    fn base(&self) -> String {
        [
            ("state", &self.state),
            ("kind", &self.kind),
            ("severity", &self.severity),
            ("repo", &self.repo),
            ("q", &self.q),
            ("sort", &self.sort),
        ]
        .iter()
        .filter_map(|(k, v)| text(v.as_ref()).map(|v| format!("{k}={}", url_escape(&v))))
        .collect::<Vec<_>>()
        .join("&")
    }

    fn filter(&self, connectors: Option<BTreeSet<ConnectorId>>) -> Result<FindingFilter, ConsoleError> {
        let bad = |what: &str, v: &str| ConsoleError::BadRequest(format!("unknown {what} {v:?}"));
        // Open findings unless the viewer asks for a state (or `all`).
        let states = match text(self.state.as_ref()).as_deref() {
            None => vec![TriageState::Open],
            Some("all") => Vec::new(),
            Some(s) => vec![s.parse::<TriageState>().map_err(|_| bad("state", s))?],
        };
        let kinds = match text(self.kind.as_ref()) {
            None => Vec::new(),
            Some(k) => vec![k.parse::<FindingKind>().map_err(|_| bad("finding type", &k))?],
        };
        let min_severity = text(self.severity.as_ref())
            .map(|s| s.parse::<Severity>().map_err(|_| bad("severity", &s)))
            .transpose()?;
        let (sort, descending) = match text(self.sort.as_ref()).as_deref() {
            None | Some("severity") => (FindingSort::Severity, true),
            Some("last-seen") => (FindingSort::LastSeen, true),
            Some("first-seen") => (FindingSort::FirstSeen, true),
            Some("rule") => (FindingSort::Rule, false),
            Some(other) => return Err(bad("sort", other)),
        };
        let page = self.page.unwrap_or(1).max(1);
        Ok(FindingFilter {
            states,
            kinds,
            min_severity,
            target: text(self.repo.as_ref()),
            connectors,
            search: text(self.q.as_ref()).map(|s| s.chars().take(200).collect()),
            sort,
            descending,
            offset: (page - 1).saturating_mul(PAGE),
            limit: Some(PAGE),
            ..FindingFilter::default()
        })
    }
}

/// A finding as a list row.
#[derive(Debug)]
struct Row {
    f: StoredFinding,
    /// Where it is now: the first present location, else the newest.
    place: String,
}

fn place(f: &StoredFinding) -> String {
    f.locations
        .iter()
        .find(|l| l.gone_at.is_none())
        .or_else(|| f.locations.first())
        .map(|l| {
            format!(
                "{}: {}:{}",
                repo_name(&l.target),
                l.location.path,
                l.location.line
            )
        })
        .unwrap_or_default()
}

/// The last part of a scan target (`org/project/repo` for managed repositories).
fn repo_name(target: &str) -> &str {
    target.rsplit('/').next().unwrap_or(target)
}

#[derive(Template)]
#[template(path = "findings.html")]
struct FindingsPage {
    viewer: Viewer,
    query: FindingsQuery,
    rows: Vec<Row>,
    total: u64,
    page: u32,
    pages: u64,
    base: String,
    can_triage: bool,
    notice: Option<&'static str>,
    states: [TriageState; 4],
    kinds: [FindingKind; 4],
    severities: [Severity; 5],
}

const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

pub(crate) async fn findings(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<FindingsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ConsoleError> {
    let Query(query) = query.map_err(|e| ConsoleError::BadRequest(e.body_text()))?;
    let connectors = viewer.connectors(Action::ReadFindings)?;
    let filter = query.filter(connectors)?;
    let store = state.engine.store();
    let total = store.count_findings(&filter).await?;
    let rows = store
        .list_findings(&filter)
        .await?
        .into_iter()
        .map(|f| Row { place: place(&f), f })
        .collect();
    // Triage forms only where the viewer may triage everything listed.
    let can_triage = viewer.may(Action::TriageFindings, None);
    let notice = query.done.is_some().then_some("Triage saved.");
    Ok(page(&FindingsPage {
        base: query.base(),
        page: query.page.unwrap_or(1).max(1),
        pages: total.div_ceil(u64::from(PAGE)).max(1),
        viewer,
        query,
        rows,
        total,
        can_triage,
        notice,
        states: TriageState::ALL,
        kinds: FindingKind::ALL,
        severities: SEVERITIES,
    }))
}

/// The finding if the viewer may see it, with only the locations in reach.
async fn visible(state: &AppState, viewer: &Viewer, id: &str) -> Result<StoredFinding, ConsoleError> {
    let missing = || ConsoleError::NotFound(format!("finding {id}"));
    let id = FindingId::from_hex(id).map_err(|_| missing())?;
    let connectors = viewer.connectors(Action::ReadFindings)?;
    let store = state.engine.store();
    let found = store
        .list_findings(&FindingFilter {
            ids: vec![id],
            connectors,
            ..FindingFilter::default()
        })
        .await?;
    found.into_iter().next().ok_or_else(missing)
}

#[derive(Template)]
#[template(path = "finding.html")]
struct FindingPage {
    viewer: Viewer,
    f: StoredFinding,
    history: Vec<Triage>,
    can_triage: bool,
    states: [TriageState; 4],
    notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Notice {
    done: Option<String>,
}

pub(crate) async fn finding(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
) -> Result<Response, ConsoleError> {
    let f = visible(&state, &viewer, &id).await?;
    let history = state.engine.store().triage_history(f.id).await?;
    let can_triage = can_triage(&state, &viewer, &[f.id]).await?;
    Ok(page(&FindingPage {
        viewer,
        history,
        can_triage,
        states: TriageState::ALL,
        notice: notice.done.map(|_| "Triage saved.".to_owned()),
        f,
    }))
}

/// Whether the viewer may triage every one of `ids`: with triage rights
/// everywhere, yes; with triage rights on some connectors, only if each
/// finding is visible within those.
async fn can_triage(state: &AppState, viewer: &Viewer, ids: &[FindingId]) -> Result<bool, ConsoleError> {
    let connectors = match viewer.connectors(Action::TriageFindings) {
        Ok(None) => return Ok(true),
        Ok(Some(set)) => set,
        Err(_) => return Ok(false),
    };
    let seen = state
        .engine
        .store()
        .count_findings(&FindingFilter {
            ids: ids.to_vec(),
            connectors: Some(connectors),
            ..FindingFilter::default()
        })
        .await?;
    let distinct: BTreeSet<_> = ids.iter().collect();
    Ok(seen == distinct.len() as u64)
}

/// A triage form: `csrf`, `state`, `comment`, one or many `id`, and where
/// to return.
#[derive(Debug, Default)]
struct TriageForm {
    csrf: String,
    state: String,
    comment: String,
    ids: Vec<String>,
    back: String,
}

fn parse_form(body: &[u8]) -> TriageForm {
    let mut f = TriageForm::default();
    for (k, v) in url::form_urlencoded::parse(body) {
        match &*k {
            "csrf" => f.csrf = v.into_owned(),
            "state" => f.state = v.into_owned(),
            "comment" => f.comment = v.into_owned(),
            "id" => f.ids.push(v.into_owned()),
            "back" => f.back = v.into_owned(),
            _ => {}
        }
    }
    f
}

pub(crate) async fn triage(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ConsoleError> {
    same_origin(&headers)?;
    let form = parse_form(&body);
    viewer.check_csrf(&form.csrf)?;
    let new_state = form
        .state
        .parse::<TriageState>()
        .map_err(|e| ConsoleError::BadRequest(e.to_string()))?;
    let comment = form.comment.trim();
    if comment.len() > MAX_COMMENT {
        return Err(ConsoleError::BadRequest(format!(
            "A comment has at most {MAX_COMMENT} bytes."
        )));
    }
    if form.ids.is_empty() {
        return Err(ConsoleError::BadRequest("Select at least one finding.".into()));
    }
    if form.ids.len() > MAX_TRIAGE_BATCH {
        return Err(ConsoleError::BadRequest(format!(
            "At most {MAX_TRIAGE_BATCH} findings at once."
        )));
    }
    let ids = form
        .ids
        .iter()
        .map(|i| FindingId::from_hex(i.trim()).map_err(|_| ConsoleError::NotFound(format!("finding {i}"))))
        .collect::<Result<Vec<_>, _>>()?;
    if !can_triage(&state, &viewer, &ids).await? {
        return Err(ConsoleError::Forbidden(Action::TriageFindings));
    }
    let at = now();
    let store = state.engine.store();
    let triage = Triage {
        state: new_state,
        comment: (!comment.is_empty()).then(|| comment.to_owned()),
        at,
    };
    store.triage_many(&ids, &triage).await?;
    let hex: Vec<String> = ids.iter().map(FindingId::to_hex).collect();
    let entry = palisade_store::NewAuditEntry {
        at,
        actor: viewer.username.to_string(),
        action: "finding.triage".into(),
        target: if hex.len() == 1 {
            hex[0].clone()
        } else {
            format!("{} findings", hex.len())
        },
        source: Some("console".into()),
        details: serde_json::json!({ "state": new_state, "ids": hex, "comment": triage.comment }),
    };
    store.append_audit(&entry).await?;
    let back = if form.back.starts_with("/findings") && !form.back.contains("//") {
        form.back
    } else {
        "/findings".to_owned()
    };
    let sep = if back.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!("{back}{sep}done=1")).into_response())
}
