//! The overview: open findings by severity and kind, posture failures,
//! scan coverage and the trend of open findings.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use palisade_auth::Action;
use palisade_domain::{FindingKind, Timestamp};
use palisade_store::{Coverage, FindingOverview, OverviewFilter, SeverityCounts};

use super::chart::{self, Bar, Trend};
use super::session::Viewer;
use super::{ConsoleError, page};
use crate::AppState;
use crate::api::now;
use crate::scope::{PostureFailing, posture_failing};

/// A repository counts as covered when it was scanned successfully this recently.
pub(crate) const FRESH_DAYS: i64 = 7;
/// Days of trend shown.
const TREND_DAYS: u32 = 30;

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    viewer: Viewer,
    findings: FindingOverview,
    kinds: Vec<(&'static str, &'static str, SeverityCounts)>,
    bars: Vec<Bar>,
    bar_width: u64,
    posture: PostureFailing,
    coverage: Coverage,
    fresh_days: i64,
    trend: Option<Trend>,
    width: u32,
    height: u32,
}

pub(crate) fn kind_label(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Secret => "Secrets",
        FindingKind::Dependency => "Dependencies",
        FindingKind::Iac => "Infrastructure as code",
        FindingKind::Code => "Code",
    }
}

pub(crate) async fn overview(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, ConsoleError> {
    let connectors = viewer.connectors(Action::ReadFindings)?;
    let filter = OverviewFilter {
        connectors: connectors.clone(),
    };
    let store = state.engine.store();
    let at = now();
    let findings = store.finding_overview(&filter).await?;
    let fresh_after = Timestamp::from_millis(at.millis() - FRESH_DAYS * 86_400_000);
    let coverage = store.coverage(&filter, fresh_after).await?;
    let mut trend = store.finding_trend(&filter, TREND_DAYS, at).await?;
    // Today's point is the live count, not the last snapshot of the day.
    let today = palisade_store::utc_day(at);
    trend.retain(|d| d.day != today);
    trend.push(palisade_store::DayCounts {
        day: today,
        open: findings.total,
    });
    let posture = posture_failing(store.as_ref(), connectors.as_ref()).await?;
    let kinds = findings
        .by_kind
        .iter()
        .map(|(k, c)| (k.as_str(), kind_label(*k), *c))
        .collect();
    Ok(page(&OverviewPage {
        bars: chart::severity_bars(&findings.total),
        bar_width: chart::BAR_WIDTH,
        kinds,
        findings,
        posture,
        coverage,
        fresh_days: FRESH_DAYS,
        trend: chart::trend(&trend),
        width: chart::WIDTH_PX,
        height: chart::HEIGHT_PX,
        viewer,
    }))
}
