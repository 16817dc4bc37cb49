//! What the web console and the REST API show about findings across the
//! estate: open findings by kind and severity, their daily trend, scan
//! coverage, and the inventory of repositories with their findings; each
//! limited, when asked, to the repositories of some connectors (a reader
//! granted only some connectors sees only theirs).
//!
//! They read `target_finding_counts` (findings per scan target, kind,
//! severity and state), which every backend rewrites for a target in the
//! same transaction as each change of that target's findings or locations
//! (recording a scan, triage): at a million findings over ten thousand
//! repositories, counting locations on every page view would be too slow.
//!
//! **The unit of counting is a finding per repository** (per scan target
//! with a present location): a secret leaked in two repositories counts
//! twice, once in each, because each repository has to be cleaned. Findings
//! lists ([`crate::Store::list_findings`], [`crate::Store::count_findings`])
//! count each finding once.
//!
//! Connector scope: `None` is everything, scan targets that are not managed
//! repositories included (local `palisade scan` runs); `Some(set)` is only
//! the managed repositories whose connector is in the set, archived ones
//! included (their findings are kept); `Some(empty)` is nothing. A revoked
//! repository belongs to no connector, so only `None` sees it.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use palisade_domain::{FindingKind, ManagedState, OrgName, ScanStatus, Severity, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{ConnectorId, FindingId, Result, StoreError};

/// Most rows one page of [`OverviewStore::repo_inventory`] returns.
pub const MAX_INVENTORY_PAGE: u32 = 500;

/// Most findings one [`crate::Store::triage_many`] call changes: one
/// transaction holds the write lock, so a batch must stay short.
pub const MAX_TRIAGE_BATCH: usize = 1000;

/// Which repositories an overview covers.
#[derive(Clone, Debug, Default)]
pub struct OverviewFilter {
    /// `None`: everything (targets that are not managed repositories
    /// included); `Some(set)`: only managed repositories of these connectors;
    /// `Some(empty)`: nothing.
    pub connectors: Option<BTreeSet<ConnectorId>>,
}

/// Counts per severity, with their sum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SeverityCounts {
    pub critical: u64,
    pub high: u64,
    pub medium: u64,
    pub low: u64,
    pub info: u64,
    /// Sum of the others.
    pub total: u64,
}

impl SeverityCounts {
    /// Adds `n` to `severity` (and to the total).
    pub fn add(&mut self, severity: Severity, n: u64) {
        *self.slot(severity) += n;
        self.total += n;
    }

    pub fn get(&self, severity: Severity) -> u64 {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
            Severity::Info => self.info,
        }
    }

    fn slot(&mut self, severity: Severity) -> &mut u64 {
        match severity {
            Severity::Critical => &mut self.critical,
            Severity::High => &mut self.high,
            Severity::Medium => &mut self.medium,
            Severity::Low => &mut self.low,
            Severity::Info => &mut self.info,
        }
    }
}

/// Open findings of the repositories in scope, counted per repository (see
/// the module docs: a finding in two repositories counts twice).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FindingOverview {
    /// Per kind, every kind present (zeros included) so the shape is stable.
    pub by_kind: BTreeMap<FindingKind, SeverityCounts>,
    /// All kinds together.
    pub total: SeverityCounts,
    /// Repositories (scan targets) with at least one open finding.
    pub repos_with_open: u64,
}

/// Open findings on one day, as the day's snapshot
/// ([`OverviewStore::snapshot_finding_counts`]) counted them, per
/// repository like [`FindingOverview`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DayCounts {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub open: SeverityCounts,
}

/// Whether a repository is scanned as it should be.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum CoverageStatus {
    /// Full and pull-request scans on, and a successful scan since `fresh_after`.
    On,
    /// Only one of full and pull-request scans on, or both on but no
    /// successful scan since `fresh_after`.
    Partial,
    /// Neither on (offered and disabled repositories).
    Off,
    /// Nothing to scan: an empty repository (no default branch), or an
    /// archived one (gone from ADO, disabled there, or its connector revoked).
    NotApplicable,
}

impl CoverageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::On => "on",
            Self::Partial => "partial",
            Self::Off => "off",
            Self::NotApplicable => "not-applicable",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::On, Self::Partial, Self::Off, Self::NotApplicable]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// Scan coverage of the managed repositories in scope that are not archived
/// (archived ones are gone from the estate: counting them would make
/// coverage look worse for nothing anyone can fix). A scan setting counts
/// only on an `enabled` repository, which is what the scheduler scans.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    /// Repositories counted: `on + partial + off + not_applicable`.
    pub repos: u64,
    pub on: u64,
    pub partial: u64,
    pub off: u64,
    /// Empty repositories.
    pub not_applicable: u64,
    /// Repositories with content whose pull requests are scanned and
    /// annotated (`pr_scans` on an enabled repository).
    pub pr_annotations_on: u64,
    /// Repositories with content whose pull requests are not.
    pub pr_annotations_off: u64,
}

/// Order of [`OverviewStore::repo_inventory`] rows; ties are broken by name,
/// organization and repository id, so pages never overlap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RepoSort {
    /// Repository name, ignoring ASCII case.
    #[default]
    Name,
    /// Most open findings (of the kinds and severities selected) first.
    Findings,
    /// Most recently scanned first; never scanned last.
    LastScanned,
}

/// Which managed repositories [`OverviewStore::repo_inventory`] lists and
/// which findings it counts. Empty fields match everything.
#[derive(Clone, Debug, Default)]
pub struct RepoInventoryFilter {
    /// Connector scope, as [`OverviewFilter::connectors`]; only managed
    /// repositories are listed either way.
    pub connectors: Option<BTreeSet<ConnectorId>>,
    pub org: Option<OrgName>,
    /// Project name, exactly.
    pub project: Option<String>,
    /// Part of the repository name, ignoring case (only ASCII case on
    /// `SQLite`); `%`, `_` and `\` match themselves.
    pub search: Option<String>,
    /// States (any of); empty: all, archived included.
    pub states: Vec<ManagedState>,
    /// Kinds of findings counted; empty: all.
    pub kinds: Vec<FindingKind>,
    /// Lowest severity of findings counted.
    pub min_severity: Option<Severity>,
    /// Only repositories with at least one open finding counted.
    pub with_findings_only: bool,
    /// A repository is covered (`on`) when it had a successful scan at or
    /// after this; `None`: any successful scan.
    pub fresh_after: Option<Timestamp>,
    pub sort: RepoSort,
    /// Rows per page, at most (and by default) [`MAX_INVENTORY_PAGE`].
    pub limit: Option<u32>,
    /// Rows skipped (in `sort` order).
    pub offset: u32,
}

impl RepoInventoryFilter {
    /// The rows one page returns.
    pub fn page_size(&self) -> u32 {
        self.limit
            .map_or(MAX_INVENTORY_PAGE, |l| l.min(MAX_INVENTORY_PAGE))
    }

    /// The severities counted, lowest first (all without `min_severity`).
    pub fn severities(&self) -> Vec<Severity> {
        Severity::ALL
            .into_iter()
            .filter(|s| self.min_severity.is_none_or(|min| *s >= min))
            .collect()
    }
}

/// A managed repository with its scan state and open findings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RepoInventoryRow {
    pub org: OrgName,
    pub project: String,
    pub name: String,
    /// ADO repository id (GUID, lowercase).
    pub repo_id: String,
    /// Scan target of its findings.
    pub target: String,
    /// `None` once its connector was revoked.
    pub connector: Option<ConnectorId>,
    pub state: ManagedState,
    pub full_scans: bool,
    pub pr_scans: bool,
    pub coverage: CoverageStatus,
    pub last_scan_at: Option<Timestamp>,
    pub last_success_at: Option<Timestamp>,
    pub last_status: Option<ScanStatus>,
    /// Open findings of the kinds and severities the filter selects.
    pub open: SeverityCounts,
}

/// One page of the repository inventory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RepoInventoryPage {
    /// Repositories the filter matches, whatever the page.
    pub total: u64,
    pub rows: Vec<RepoInventoryRow>,
}

/// The repositories of one project that a filter matches, for the grouped
/// view of the inventory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RepoGroupRow {
    pub org: OrgName,
    pub project: String,
    pub repos: u64,
    /// Repositories with at least one open finding counted.
    pub repos_with_open: u64,
    /// Open findings of the kinds and severities the filter selects, summed
    /// over the repositories (per repository, as everywhere here).
    pub open: SeverityCounts,
}

/// Findings across the estate, as the console and the API show them.
#[async_trait]
pub trait OverviewStore: Send + Sync {
    /// Open findings by kind and severity, and how many repositories have any.
    async fn finding_overview(&self, filter: &OverviewFilter) -> Result<FindingOverview>;

    /// Open findings per day for the `days` days ending with the UTC day of
    /// `at`, oldest first, from the daily snapshots: days without a snapshot
    /// are left out (never shown as zero). With a connector scope, the
    /// snapshots of the organizations of those connectors' repositories.
    async fn finding_trend(
        &self,
        filter: &OverviewFilter,
        days: u32,
        at: Timestamp,
    ) -> Result<Vec<DayCounts>>;

    /// Records the open findings of the UTC day of `at` per organization
    /// (`''` for targets that are not managed repositories), kind and
    /// severity, replacing an earlier snapshot of the same day. The
    /// scheduler calls it; calling it again is harmless.
    async fn snapshot_finding_counts(&self, at: Timestamp) -> Result<()>;

    /// Scan coverage of the managed repositories in scope.
    async fn coverage(&self, filter: &OverviewFilter, fresh_after: Timestamp) -> Result<Coverage>;

    /// One page of managed repositories with their open findings, and how
    /// many the filter matches.
    async fn repo_inventory(&self, filter: &RepoInventoryFilter) -> Result<RepoInventoryPage>;

    /// The repositories the filter matches per organization and project
    /// (ordered so; `sort`, `limit` and `offset` do not apply).
    async fn repo_inventory_groups(&self, filter: &RepoInventoryFilter) -> Result<Vec<RepoGroupRow>>;
}

// ---- shared by the backends ----

/// The UTC day of `at`, `YYYY-MM-DD`.
pub fn utc_day(at: Timestamp) -> String {
    // Days to civil date (Howard Hinnant's algorithm, proleptic Gregorian).
    let z = at.millis().div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The UTC days of a trend: `days` days ending with the day of `at`, oldest first.
#[doc(hidden)]
pub fn trend_days(days: u32, at: Timestamp) -> Vec<String> {
    (0..i64::from(days))
        .rev()
        .map(|back| utc_day(Timestamp::from_millis(at.millis() - back * 86_400_000)))
        .collect()
}

/// A `LIKE` pattern matching text that contains `search`, with `%`, `_`
/// and the escape character `\` in it matching themselves (use with
/// `ESCAPE '\'`). Case is left alone: each backend compares ignoring case
/// its own way.
#[doc(hidden)]
pub fn contains_pattern(search: &str) -> String {
    let mut pattern = String::with_capacity(search.len() + 2);
    pattern.push('%');
    for c in search.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The SQL expression (over `managed_repos r`) of a repository's
/// [`CoverageStatus`] name: the one rule both backends, the counts and the
/// rows share. `fresh_after` is written in as an integer literal (never user
/// text).
#[doc(hidden)]
pub fn coverage_sql(fresh_after: Option<Timestamp>) -> String {
    let fresh = match fresh_after {
        Some(t) => format!("r.last_success_at >= {}", t.millis()),
        None => "r.last_success_at IS NOT NULL".to_owned(),
    };
    format!(
        "CASE WHEN r.default_branch IS NULL OR r.state = 'archived' THEN 'not-applicable' \
         WHEN r.state <> 'enabled' OR NOT (r.full_scans OR r.pr_scans) THEN 'off' \
         WHEN r.full_scans AND r.pr_scans AND {fresh} THEN 'on' \
         ELSE 'partial' END"
    )
}

/// The SQL expression (over `managed_repos r`) of whether pull requests are
/// scanned and annotated: `on` or `off`.
#[doc(hidden)]
pub const PR_ANNOTATIONS_SQL: &str = "CASE WHEN r.state = 'enabled' AND r.pr_scans THEN 'on' ELSE 'off' END";

/// Open findings per scan target from `target_finding_counts c`, one column
/// per severity plus `total`; the caller appends its conditions on `c` and
/// then ` GROUP BY c.target`.
#[doc(hidden)]
pub const OPEN_BY_TARGET_SQL: &str = "SELECT c.target, \
     CAST(sum(CASE WHEN c.severity = 'critical' THEN c.n ELSE 0 END) AS BIGINT) AS critical, \
     CAST(sum(CASE WHEN c.severity = 'high' THEN c.n ELSE 0 END) AS BIGINT) AS high, \
     CAST(sum(CASE WHEN c.severity = 'medium' THEN c.n ELSE 0 END) AS BIGINT) AS medium, \
     CAST(sum(CASE WHEN c.severity = 'low' THEN c.n ELSE 0 END) AS BIGINT) AS low, \
     CAST(sum(CASE WHEN c.severity = 'info' THEN c.n ELSE 0 END) AS BIGINT) AS info, \
     CAST(sum(c.n) AS BIGINT) AS total \
     FROM target_finding_counts c WHERE c.state = 'open'";

/// The columns of [`crate::rows::repo_inventory_row`] over `managed_repos r`
/// left-joined to [`OPEN_BY_TARGET_SQL`] as `o`, without the coverage
/// (see [`coverage_sql`]).
#[doc(hidden)]
pub const INVENTORY_COLS: &str = "r.org_name, r.project, r.name, r.repo_id, r.target, r.connector_id, r.state, \
     r.full_scans, r.pr_scans, r.last_scan_at, r.last_success_at, r.last_status, \
     coalesce(o.critical, 0) AS critical, coalesce(o.high, 0) AS high, coalesce(o.medium, 0) AS medium, \
     coalesce(o.low, 0) AS low, coalesce(o.info, 0) AS info, coalesce(o.total, 0) AS total";

/// The columns of [`crate::rows::repo_group_row`] over the same join,
/// grouped by `r.org_key, r.project`.
#[doc(hidden)]
pub const GROUP_COLS: &str = "min(r.org_name) AS org_name, r.project, CAST(count(*) AS BIGINT) AS repos, \
     CAST(sum(CASE WHEN coalesce(o.total, 0) > 0 THEN 1 ELSE 0 END) AS BIGINT) AS repos_with_open, \
     CAST(sum(coalesce(o.critical, 0)) AS BIGINT) AS critical, CAST(sum(coalesce(o.high, 0)) AS BIGINT) AS high, \
     CAST(sum(coalesce(o.medium, 0)) AS BIGINT) AS medium, CAST(sum(coalesce(o.low, 0)) AS BIGINT) AS low, \
     CAST(sum(coalesce(o.info, 0)) AS BIGINT) AS info, CAST(sum(coalesce(o.total, 0)) AS BIGINT) AS total";

/// ` ORDER BY ...` of the inventory (over the columns of [`INVENTORY_COLS`]).
#[doc(hidden)]
pub fn inventory_order_sql(sort: RepoSort) -> &'static str {
    match sort {
        RepoSort::Name => " ORDER BY lower(r.name), r.name, r.org_key, r.repo_id",
        RepoSort::Findings => {
            " ORDER BY coalesce(o.total, 0) DESC, lower(r.name), r.name, r.org_key, r.repo_id"
        }
        RepoSort::LastScanned => {
            " ORDER BY (r.last_scan_at IS NULL), r.last_scan_at DESC, lower(r.name), r.name, r.org_key, r.repo_id"
        }
    }
}

/// Recounts `target_finding_counts` of the targets bound as `{targets}` (a
/// set expression each backend writes its way): the rows of those targets
/// are deleted by [`RECOUNT_DELETE_SQL`] and inserted again by this.
#[doc(hidden)]
pub const RECOUNT_INSERT_SQL: &str = "INSERT INTO target_finding_counts (target, kind, severity, state, n) \
     SELECT l.target, f.kind, f.severity, f.state, count(DISTINCT f.id) \
     FROM locations l JOIN findings f ON f.id = l.finding_id \
     WHERE l.gone_at IS NULL AND l.target IN ({targets}) \
     GROUP BY l.target, f.kind, f.severity, f.state";

/// See [`RECOUNT_INSERT_SQL`].
#[doc(hidden)]
pub const RECOUNT_DELETE_SQL: &str = "DELETE FROM target_finding_counts WHERE target IN ({targets})";

/// Replaces the day's snapshot rows (`$1`: the day); run after deleting them.
#[doc(hidden)]
pub const SNAPSHOT_INSERT_SQL: &str = "INSERT INTO finding_count_days (day, org, kind, severity, open_count) \
     SELECT $1, coalesce(m.org_key, ''), c.kind, c.severity, CAST(sum(c.n) AS BIGINT) \
     FROM target_finding_counts c \
     LEFT JOIN (SELECT target, min(org_key) AS org_key FROM managed_repos GROUP BY target) m \
         ON m.target = c.target \
     WHERE c.state = 'open' \
     GROUP BY coalesce(m.org_key, ''), c.kind, c.severity";

/// The ids of a [`crate::Store::triage_many`] call, each once and sorted;
/// more than [`MAX_TRIAGE_BATCH`] is a [`StoreError::Conflict`] saying so.
#[doc(hidden)]
pub fn triage_batch(ids: &[FindingId]) -> Result<Vec<FindingId>> {
    if ids.len() > MAX_TRIAGE_BATCH {
        return Err(StoreError::Conflict(format!(
            "cannot triage {} findings at once: at most {MAX_TRIAGE_BATCH} per call",
            ids.len()
        )));
    }
    let unique: BTreeSet<FindingId> = ids.iter().copied().collect();
    Ok(unique.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_days() {
        assert_eq!(utc_day(Timestamp::from_millis(0)), "1970-01-01");
        assert_eq!(utc_day(Timestamp::from_millis(-1)), "1969-12-31");
        assert_eq!(utc_day(Timestamp::from_millis(951_782_400_000)), "2000-02-29");
        assert_eq!(utc_day(Timestamp::from_millis(1_700_000_000_000)), "2023-11-14");
        assert_eq!(utc_day(Timestamp::from_millis(1_709_251_199_999)), "2024-02-29");
        assert_eq!(utc_day(Timestamp::from_millis(1_709_251_200_000)), "2024-03-01");
        assert_eq!(
            trend_days(3, Timestamp::from_millis(1_709_251_200_000)),
            vec!["2024-02-28", "2024-02-29", "2024-03-01"]
        );
        assert!(trend_days(0, Timestamp::from_millis(0)).is_empty());
    }

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(contains_pattern("a_b"), "%a\\_b%");
        assert_eq!(contains_pattern("100%"), "%100\\%%");
        assert_eq!(contains_pattern("c:\\x"), "%c:\\\\x%");
        assert_eq!(contains_pattern(""), "%%");
    }

    #[test]
    fn coverage_names_round_trip() {
        for s in [
            CoverageStatus::On,
            CoverageStatus::Partial,
            CoverageStatus::Off,
            CoverageStatus::NotApplicable,
        ] {
            assert_eq!(CoverageStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn triage_batches_are_capped() {
        let ids = vec![FindingId::from_hex(&"a".repeat(32)).expect("id"); MAX_TRIAGE_BATCH + 1];
        assert!(matches!(triage_batch(&ids), Err(StoreError::Conflict(_))));
        assert_eq!(triage_batch(&ids[..3]).expect("small batch").len(), 1);
    }

    #[test]
    fn page_size_is_capped() {
        let mut f = RepoInventoryFilter::default();
        assert_eq!(f.page_size(), MAX_INVENTORY_PAGE);
        f.limit = Some(10_000);
        assert_eq!(f.page_size(), MAX_INVENTORY_PAGE);
        f.limit = Some(7);
        assert_eq!(f.page_size(), 7);
        f.min_severity = Some(Severity::High);
        assert_eq!(f.severities(), vec![Severity::High, Severity::Critical]);
    }
}
