//! The seam between palisade and its databases.
//!
//! [`Store`] has one async method per operation; each backend crate
//! (`palisade-store-sqlite`, `palisade-store-postgres`) implements it with its
//! own migrations. Only the CLI and the story tests name a concrete backend.
//!
//! Invariants every backend keeps:
//! - [`Store::record_scan`] is one transaction: a killed process leaves either
//!   the whole scan result or none of it (the scan row then stays `running` and
//!   is marked `interrupted` by [`Store::recover_interrupted`]).
//! - Triage belongs to a finding id and is never overwritten by a rescan,
//!   except that `fixed` findings seen again are reopened.
//! - No secret in clear is ever stored: findings carry a keyed id, an unkeyed
//!   `sha256:` (the portable allowlist value) and a redacted preview;
//!   connector credentials are stored only as sealed by `palisade-vault`.
//! - One connector per name (ignoring case) and per organization: both are
//!   unique constraints, so concurrent creates cannot both win.
//! - [`Store::record_listing`] is one transaction and idempotent: recording
//!   the same listing again changes nothing but `last_seen_at`, which is how a
//!   resumed discovery stays exact. Resources are never deleted by discovery,
//!   only marked removed (and restored when seen again).
//! - `target_finding_counts` (what [`OverviewStore`] reads) is rewritten for
//!   every target whose findings or locations a write changes, in that
//!   write's transaction: it always equals counting the present locations.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use palisade_domain::{
    Confidence, ConnectorConfig, Finding, FindingDetails, FindingId, FindingKind, Location, OrgName,
    Resource, ResourceKind, RuleId, ScanSummary, Scope, SecretHash, Severity, Timestamp, TriageState,
};
use serde::{Deserialize, Serialize};

// `uuid_id!` (connector.rs) also makes the id of a job.
mod access;
mod advisories;
#[macro_use]
mod connector;
mod jobs;
mod managed;
mod overview;
mod posture;
#[doc(hidden)]
pub mod rows;

pub use access::{
    AccessStore, ApiTokenRecord, AuditEntry, AuditFilter, NewApiToken, NewAuditEntry, NewSession, NewUser,
    SessionRecord, UserRecord,
};
pub use advisories::{AdvisoryRow, AdvisoryStats, AdvisoryStore, ImportCounts};
pub use connector::{
    ConnectorId, ConnectorRecord, DiscoveryOutcome, DiscoveryRun, DiscoveryRunId, DiscoveryRunSummary,
    DiscoveryStatus, ExistingResource, ListingOutcome, ListingRow, PreparedResource, ResourceFilter,
    StoredResource, connector_not_found, kind_order_sql, listing_key, name_conflict, new_connector_id,
    org_conflict, prepare_listing, run_not_found,
};
pub use jobs::{
    AfterFailure, CancelSelector, DueJob, ENQUEUE_TRIES, FailOutcome, Job, JobFilter, JobId, JobQueue,
    JobState, Lease, LeaseToken, NewJob, check_retry, enqueue_gave_up, job_not_found, lease_end, priority,
    retry_blocked,
};
pub use managed::{
    HookSubscription, LogLine, ManagedRepo, ManagedRepoFilter, ManagedStore, PrState, PrThread, ScanStats,
    ScannedUpTo, check_log_lines, repo_not_found, scan_not_found, scan_outcome,
};
pub use overview::{
    Coverage, CoverageStatus, DayCounts, FindingOverview, GROUP_COLS, INVENTORY_COLS, MAX_INVENTORY_PAGE,
    MAX_TRIAGE_BATCH, OPEN_BY_TARGET_SQL, OverviewFilter, OverviewStore, PR_ANNOTATIONS_SQL,
    RECOUNT_DELETE_SQL, RECOUNT_INSERT_SQL, RepoGroupRow, RepoInventoryFilter, RepoInventoryPage,
    RepoInventoryRow, RepoSort, SNAPSHOT_INSERT_SQL, SeverityCounts, contains_pattern, coverage_sql,
    inventory_order_sql, trend_days, triage_batch, utc_day,
};
pub use posture::{
    Exemption, ExemptionAudit, NewExemption, PostureChanges, PostureEvaluation, PostureFilter, PosturePlan,
    PostureResultRow, PostureStore, PostureTransition, ScoreRow, StoredPostureResult, StoredScore,
    StoredState, new_posture_id, plan_posture,
};

/// Errors callers can branch on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    /// The change would break a uniqueness rule; the message says which and
    /// how to fix it.
    #[error("{0}")]
    Conflict(String),
    /// The database was initialised with another master key: ids and
    /// encrypted values would not match.
    #[error(
        "this database was created with a different palisade key (check value {expected}, this process has {actual}); \
         set PALISADE_KEY_FILE to the key used before"
    )]
    KeyMismatch { expected: String, actual: String },
    /// The schema is newer than this binary knows.
    #[error("database schema is newer than this palisade ({0}); upgrade palisade")]
    SchemaTooNew(String),
    #[error("cannot connect to the database: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Other(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A finding as the store knows it: what scans saw plus the triage on it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct StoredFinding {
    pub id: FindingId,
    pub rule_id: RuleId,
    pub kind: FindingKind,
    pub rule_name: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub preview: String,
    pub secret_hash: SecretHash,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<FindingDetails>,
    pub state: TriageState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_comment: Option<String>,
    pub state_updated_at: Option<Timestamp>,
    pub first_seen_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub first_seen_scan: String,
    pub last_seen_scan: String,
    /// Every location ever recorded, newest scan first.
    pub locations: Vec<StoredLocation>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct StoredLocation {
    /// The scan target the location belongs to.
    pub target: String,
    #[serde(flatten)]
    pub location: Location,
    pub first_seen_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// Set when a later scan of the same target no longer saw it.
    pub gone_at: Option<Timestamp>,
}

/// What recording a scan changed, per finding in the scan.
#[derive(Clone, Debug, Default)]
pub struct RecordOutcome {
    /// Findings this store had never seen.
    pub new: Vec<FindingId>,
    /// Triage state of every finding of the scan after recording.
    pub states: Vec<(FindingId, TriageState)>,
    /// Findings of the target not seen by this scan that were marked `fixed`.
    pub fixed: Vec<FindingId>,
}

/// Filter for [`Store::list_findings`] and [`Store::count_findings`].
/// Empty fields match everything.
#[derive(Clone, Debug)]
pub struct FindingFilter {
    /// These findings only (any of); empty: no restriction. With
    /// `connectors`, how a caller reads one finding it may see.
    pub ids: Vec<FindingId>,
    pub states: Vec<TriageState>,
    pub kinds: Vec<FindingKind>,
    pub min_severity: Option<Severity>,
    /// Severities (any of), on top of `min_severity`.
    pub severities: Vec<Severity>,
    pub rule_id: Option<RuleId>,
    pub target: Option<String>,
    /// `None`: every finding; `Some(set)`: only findings with a location
    /// (present or gone) in a managed repository of these connectors, with
    /// only those locations attached, so a reader of some connectors never
    /// sees where else a finding is; `Some(empty)`: nothing.
    pub connectors: Option<BTreeSet<ConnectorId>>,
    /// Part of the rule id, the rule name or a location's path (in scope),
    /// ignoring case (only ASCII case on `SQLite`); `%`, `_` and `\` match
    /// themselves.
    pub search: Option<String>,
    pub sort: FindingSort,
    /// Highest, newest or last first (the default); `false` is the exact
    /// reverse.
    pub descending: bool,
    /// Findings skipped (in `sort` order) before the first returned.
    pub offset: u32,
    pub limit: Option<u32>,
}

impl Default for FindingFilter {
    /// Everything, highest severity first (then last seen, newest first).
    fn default() -> Self {
        Self {
            ids: Vec::new(),
            states: Vec::new(),
            kinds: Vec::new(),
            min_severity: None,
            severities: Vec::new(),
            rule_id: None,
            target: None,
            connectors: None,
            search: None,
            sort: FindingSort::default(),
            descending: true,
            offset: 0,
            limit: None,
        }
    }
}

/// Order of [`Store::list_findings`]; every order ends with the finding id,
/// so pages never overlap, and each has an index that serves it both ways.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingSort {
    /// Severity, then last seen.
    #[default]
    Severity,
    LastSeen,
    FirstSeen,
    /// Rule id.
    Rule,
}

/// ` ORDER BY ...` of findings (`findings f`) for `sort`: `descending` is
/// the exact reverse of ascending, so one index serves both.
#[doc(hidden)]
pub fn finding_order_sql(sort: FindingSort, descending: bool) -> &'static str {
    match (sort, descending) {
        (FindingSort::Severity, true) => " ORDER BY f.severity_rank DESC, f.last_seen_at DESC, f.id",
        (FindingSort::Severity, false) => " ORDER BY f.severity_rank, f.last_seen_at, f.id DESC",
        (FindingSort::LastSeen, true) => " ORDER BY f.last_seen_at DESC, f.id DESC",
        (FindingSort::LastSeen, false) => " ORDER BY f.last_seen_at, f.id",
        (FindingSort::FirstSeen, true) => " ORDER BY f.first_seen_at DESC, f.id DESC",
        (FindingSort::FirstSeen, false) => " ORDER BY f.first_seen_at, f.id",
        (FindingSort::Rule, true) => " ORDER BY f.rule_id DESC, f.id DESC",
        (FindingSort::Rule, false) => " ORDER BY f.rule_id, f.id",
    }
}

/// A change of triage state.
#[derive(Clone, Debug)]
pub struct Triage {
    pub state: TriageState,
    pub comment: Option<String>,
    pub at: Timestamp,
}

#[async_trait]
/// Everything palisade keeps. The job queue ([`JobQueue`]) and managed-scan
/// state ([`ManagedStore`]) are part of every store.
pub trait Store:
    JobQueue + ManagedStore + AdvisoryStore + PostureStore + AccessStore + OverviewStore + Send + Sync
{
    /// Which backend this is, for messages (`sqlite`, `postgres`).
    fn backend(&self) -> &'static str;

    /// Binds the store to a key: stores `check_value` on first use and
    /// refuses a different one later with [`StoreError::KeyMismatch`].
    async fn check_key(&self, check_value: &str) -> Result<()>;

    /// Marks scans left `running` by a killed process as `interrupted`.
    /// Returns how many were marked.
    async fn recover_interrupted(&self, older_than: Timestamp) -> Result<u64>;

    /// Records that a scan started (status `running`).
    async fn begin_scan(&self, scan: &ScanSummary) -> Result<()>;

    /// Records a finished scan and its findings in one transaction.
    ///
    /// `complete` names the kinds of findings the scan looked for in the
    /// whole target (a history scan that read only new commits is complete
    /// for none): the target's locations of those kinds it did not see are
    /// marked gone, and their findings with no location left (state `open`)
    /// marked `fixed`. Findings seen again in state `fixed` are reopened.
    async fn record_scan(
        &self,
        scan: &ScanSummary,
        findings: &[Finding],
        complete: &[FindingKind],
    ) -> Result<RecordOutcome>;

    async fn get_scan(&self, id: &str) -> Result<ScanSummary>;

    /// Newest first.
    async fn list_scans(&self, limit: u32) -> Result<Vec<ScanSummary>>;

    async fn get_finding(&self, id: FindingId) -> Result<StoredFinding>;

    /// In the filter's order (by default severity, highest first, then last
    /// seen, newest first), `offset` skipped, at most `limit`; the findings
    /// and their locations read in one snapshot.
    async fn list_findings(&self, filter: &FindingFilter) -> Result<Vec<StoredFinding>>;

    /// How many findings the filter matches, `limit` and `offset` aside.
    async fn count_findings(&self, filter: &FindingFilter) -> Result<u64>;

    /// Sets the triage state of a finding and keeps a history entry.
    async fn triage(&self, id: FindingId, triage: &Triage) -> Result<StoredFinding>;

    /// Sets the triage state of findings in one transaction, all or nothing:
    /// an unknown id is [`StoreError::NotFound`] naming it and changes
    /// nothing. Each finding gets a history entry. More than
    /// [`MAX_TRIAGE_BATCH`] ids is a [`StoreError::Conflict`]. Returns how
    /// many findings were set (repeated ids count once).
    async fn triage_many(&self, ids: &[FindingId], triage: &Triage) -> Result<u64>;

    /// Triage history of a finding, oldest first.
    async fn triage_history(&self, id: FindingId) -> Result<Vec<Triage>>;

    // ---- connectors ----

    /// Saves a new connector with id `id` (from [`new_connector_id`]; the
    /// credential is sealed bound to it). One transaction; refuses with
    /// [`StoreError::Conflict`] a name already used (ignoring case) or an
    /// organization already claimed by another connector.
    async fn create_connector(
        &self,
        id: &ConnectorId,
        config: &ConnectorConfig,
        sealed_credential: Option<&[u8]>,
        at: Timestamp,
    ) -> Result<ConnectorRecord>;

    /// Replaces a connector's configuration (same rules as create, itself
    /// excepted). `None` keeps the stored credential.
    async fn update_connector(
        &self,
        id: &ConnectorId,
        config: &ConnectorConfig,
        sealed_credential: Option<&[u8]>,
        at: Timestamp,
    ) -> Result<ConnectorRecord>;

    /// A connector by id, or by name ignoring case.
    async fn get_connector(&self, name_or_id: &str) -> Result<ConnectorRecord>;

    /// Every connector, by name (ignoring case).
    async fn list_connectors(&self) -> Result<Vec<ConnectorRecord>>;

    /// Deletes connectors with their inventory and discovery runs, all or
    /// nothing: an unknown id deletes none and is [`StoreError::NotFound`].
    async fn delete_connectors(&self, ids: &[ConnectorId]) -> Result<u64>;

    /// The sealed credential of a connector, if it has one.
    async fn connector_credential(&self, id: &ConnectorId) -> Result<Option<Vec<u8>>>;

    /// Replaces the sealed credential (e.g. a rotated refresh token).
    async fn set_connector_credential(&self, id: &ConnectorId, sealed: &[u8], at: Timestamp) -> Result<()>;

    /// Claims an organization found by discovery for `connector`. `false`
    /// when another connector has it (the claim of `connector` itself is `true`).
    async fn claim_org(&self, connector: &ConnectorId, org: &OrgName, at: Timestamp) -> Result<bool>;

    // ---- discovery ----

    /// Starts a discovery run, or takes up the connector's unfinished one
    /// (`resumed: true`).
    async fn begin_discovery(&self, connector: &ConnectorId, at: Timestamp) -> Result<DiscoveryRun>;

    /// Whether the listing `listing_key` (see [`listing_key`]) was recorded in the run.
    async fn listing_done(&self, run: &DiscoveryRunId, listing_key: &str) -> Result<bool>;

    /// Records a complete listing of `kinds` in `scope`, in one transaction:
    /// upserts its resources, marks the scope's other resources of those
    /// kinds removed, and records the listing as done for the run.
    #[allow(clippy::too_many_arguments)]
    async fn record_listing(
        &self,
        run: &DiscoveryRunId,
        connector: &ConnectorId,
        scope: &Scope,
        kinds: &[ResourceKind],
        resources: &[Resource],
        org_id: &str,
        at: Timestamp,
    ) -> Result<ListingOutcome>;

    /// Ends a running discovery run.
    async fn finish_discovery(
        &self,
        run: &DiscoveryRunId,
        outcome: &DiscoveryOutcome,
        at: Timestamp,
    ) -> Result<DiscoveryRunSummary>;

    /// The connector's discovery runs, newest first.
    async fn list_discovery_runs(
        &self,
        connector: &ConnectorId,
        limit: u32,
    ) -> Result<Vec<DiscoveryRunSummary>>;

    // ---- inventory ----

    /// Ordered by kind (as [`ResourceKind::ALL`]), then name, then key.
    async fn list_resources(&self, filter: &ResourceFilter) -> Result<Vec<StoredResource>>;

    /// Resources not marked removed, per kind.
    async fn resource_counts(&self, connector: Option<&ConnectorId>) -> Result<BTreeMap<ResourceKind, u64>>;
}
