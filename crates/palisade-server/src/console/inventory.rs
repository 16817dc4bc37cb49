//! The inventory: every managed repository with its scan coverage, PR
//! annotation status and open findings; flat or grouped by organization and
//! project; filtered, searched and paged on the server.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use palisade_auth::Action;
use palisade_domain::{FindingKind, ManagedState, OrgName, Severity, Timestamp};
use palisade_store::{
    ConnectorId, CoverageStatus, RepoGroupRow, RepoInventoryFilter, RepoInventoryRow, RepoSort,
};
use serde::Deserialize;

use super::overview::FRESH_DAYS;
use super::session::Viewer;
use super::{ConsoleError, page, url_escape};
use crate::AppState;
use crate::api::now;

/// Rows per page.
const PAGE: u32 = 50;

/// The inventory's query string; every field optional, bad values refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InventoryQuery {
    connector: Option<String>,
    org: Option<String>,
    project: Option<String>,
    q: Option<String>,
    kind: Option<String>,
    severity: Option<String>,
    with_findings: Option<String>,
    /// Show archived repositories too (gone from ADO or their connector revoked).
    archived: Option<String>,
    sort: Option<String>,
    view: Option<String>,
    page: Option<u32>,
}

/// One row as shown.
#[derive(Debug)]
struct Row {
    repo: RepoInventoryRow,
    coverage: &'static str,
    pr: &'static str,
}

#[derive(Template)]
#[template(path = "inventory.html")]
struct InventoryPage {
    viewer: Viewer,
    query: InventoryQuery,
    grouped: bool,
    rows: Vec<Row>,
    groups: Vec<RepoGroupRow>,
    total: u64,
    page: u32,
    pages: u64,
    first: u64,
    last: u64,
    /// The query string without `page`, to build page links.
    base: String,
    kinds: [FindingKind; 4],
    severities: [Severity; 5],
}

fn coverage_label(row: &RepoInventoryRow) -> (&'static str, &'static str) {
    let coverage = match row.coverage {
        CoverageStatus::On => "On",
        CoverageStatus::Partial => "Partially enabled",
        CoverageStatus::Off => "Off",
        CoverageStatus::NotApplicable => "N/A",
    };
    let pr = match row.coverage {
        CoverageStatus::NotApplicable => "N/A",
        _ if row.pr_scans => "On",
        _ => "Off",
    };
    (coverage, pr)
}

impl InventoryQuery {
    fn text(v: Option<&String>) -> Option<String> {
        v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
    }

    /// The query string of this query, without `page`.
    fn base(&self) -> String {
        let pairs = [
            ("connector", &self.connector),
            ("org", &self.org),
            ("project", &self.project),
            ("q", &self.q),
            ("kind", &self.kind),
            ("severity", &self.severity),
            ("with_findings", &self.with_findings),
            ("archived", &self.archived),
            ("sort", &self.sort),
            ("view", &self.view),
        ];
        pairs
            .iter()
            .filter_map(|(k, v)| Self::text(v.as_ref()).map(|v| format!("{k}={}", url_escape(&v))))
            .collect::<Vec<_>>()
            .join("&")
    }

    fn filter(&self, viewer: &Viewer) -> Result<RepoInventoryFilter, ConsoleError> {
        let bad = |what: &str, v: &str| ConsoleError::BadRequest(format!("unknown {what} {v:?}"));
        let mut connectors = viewer.connectors(Action::ReadInventory)?;
        if let Some(c) = Self::text(self.connector.as_ref()) {
            let id = ConnectorId::parse(&c).ok_or_else(|| bad("connector", &c))?;
            // Narrowing only: a connector outside the viewer's reach shows nothing.
            connectors = Some(match connectors {
                None => [id].into(),
                Some(set) => set.into_iter().filter(|s| *s == id).collect(),
            });
        }
        let org = Self::text(self.org.as_ref())
            .map(|o| OrgName::parse(&o).map_err(|e| ConsoleError::BadRequest(e.to_string())))
            .transpose()?;
        let kinds = match Self::text(self.kind.as_ref()) {
            None => Vec::new(),
            Some(k) => vec![k.parse::<FindingKind>().map_err(|_| bad("finding type", &k))?],
        };
        let min_severity = Self::text(self.severity.as_ref())
            .map(|s| s.parse::<Severity>().map_err(|_| bad("severity", &s)))
            .transpose()?;
        let sort = match Self::text(self.sort.as_ref()).as_deref() {
            None | Some("name") => RepoSort::Name,
            Some("findings") => RepoSort::Findings,
            Some("last-scanned") => RepoSort::LastScanned,
            Some(other) => return Err(bad("sort", other)),
        };
        let page = self.page.unwrap_or(1).max(1);
        Ok(RepoInventoryFilter {
            connectors,
            org,
            project: Self::text(self.project.as_ref()),
            search: Self::text(self.q.as_ref()).map(|s| s.chars().take(200).collect()),
            kinds,
            min_severity,
            with_findings_only: matches!(self.with_findings.as_deref(), Some("on" | "true" | "1")),
            // As the overview's coverage: archived repositories only when asked.
            states: if matches!(self.archived.as_deref(), Some("on" | "true" | "1")) {
                Vec::new()
            } else {
                vec![
                    ManagedState::Offered,
                    ManagedState::Enabled,
                    ManagedState::Disabled,
                ]
            },
            fresh_after: Some(Timestamp::from_millis(now().millis() - FRESH_DAYS * 86_400_000)),
            sort,
            limit: Some(PAGE),
            offset: (page - 1).saturating_mul(PAGE),
        })
    }
}

pub(crate) async fn inventory(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<InventoryQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ConsoleError> {
    let Query(query) = query.map_err(|e| ConsoleError::BadRequest(e.body_text()))?;
    let filter = query.filter(&viewer)?;
    let store = state.engine.store();
    let grouped = query.view.as_deref() == Some("grouped");
    let (rows, groups, total) = if grouped {
        let groups = store.repo_inventory_groups(&filter).await?;
        let total = groups.iter().map(|g| g.repos).sum();
        (Vec::new(), groups, total)
    } else {
        let p = store.repo_inventory(&filter).await?;
        let rows = p
            .rows
            .into_iter()
            .map(|repo| {
                let (coverage, pr) = coverage_label(&repo);
                Row { repo, coverage, pr }
            })
            .collect();
        (rows, Vec::new(), p.total)
    };
    let page_no = query.page.unwrap_or(1).max(1);
    let pages = total.div_ceil(u64::from(PAGE)).max(1);
    let first = u64::from(filter.offset) + 1;
    let last = (u64::from(filter.offset) + rows.len() as u64).max(first.saturating_sub(1));
    Ok(page(&InventoryPage {
        base: query.base(),
        viewer,
        query,
        grouped,
        rows,
        groups,
        total,
        page: page_no,
        pages,
        first,
        last,
        kinds: FindingKind::ALL,
        severities: [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ],
    }))
}
